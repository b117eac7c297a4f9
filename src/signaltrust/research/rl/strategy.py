"""A trained agent as a Strategy: the same decisions in the backtest replay, paper and live.

At each bar's close :class:`RLStrategy` builds the observation the environment gave in
training (the agent's features up to that close scaled with the training scaler, each asset's
weight of equity, the cash share) and sends the agent's action through the same rules
(:class:`~signaltrust.research.rl.actions.ActionMap`). In a replay the features are computed
once over the bars and joined to them as columns known at each close (``prepare_bars``; causal,
so equal to computing them bar by bar); live, they are computed on the last ``lookback`` bars.
A test runs an agent through its environment and as this strategy through ``run_strategy``
and finds the same equity.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.research.rl.actions import ActionMap
from signaltrust.rl.features import feature_frame
from signaltrust.strategy.api import Bar, Context, Strategy
from signaltrust.strategy.params import Param

PREFIX = "rl:"


class RLStrategy(Strategy):
    """Trade a fitted :class:`~signaltrust.research.rl.agent.RLAgent` (one asset or its portfolio).

    The strategy trades ``ctx.symbols`` in the order the agent was trained on its symbols. It
    decides once all of a time's bars have arrived, from the first bar whose features are all
    computable (a missing value later reads as the training mean). A recurrent agent keeps its
    memory from the first bar it is given.
    """

    name: ClassVar[str] = "rl"
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("lookback", 500, "int", 50, 1_000_000,
              doc="bars the features see when they are not joined to the bars (live)"),
    )

    def __init__(self, agent: Any, **params: Any) -> None:
        super().__init__(**params)
        self.agent = agent

    def __repr__(self) -> str:
        return f"RLStrategy({self.agent.algorithm_}, seed={self.agent.seed})"

    def prepare_bars(self, bars: Any) -> Any:
        """The bars with the agent's features joined as ``rl:<name>`` columns (causal)."""
        if not isinstance(bars, pd.DataFrame):
            return bars
        table = feature_frame(bars, self.agent.features)
        table.columns = [PREFIX + str(c) for c in table.columns]
        return bars.join(table) if not table.columns.isin(bars.columns).any() else bars

    def on_start(self, ctx: Context) -> None:
        agent = self.agent
        n = len(agent.symbols_)
        if len(ctx.symbols) != n:
            raise ValidationError(
                "the agent trades as many assets as it was trained on", field="symbols",
                value=list(ctx.symbols), fix=f"run it on {n} symbol(s), like {agent.symbols_}",
            )
        self._actions = ActionMap(agent.env_settings(), n)
        self._columns = list(agent.feature_columns_)
        self._last_symbol = ctx.symbols[-1]
        self._warm = False
        self._state: Any = None
        self._first = True
        self._waiting: dict[str, str] = {}
        self._clip = float(agent.env_settings().clip)

    def features_now(self, ctx: Context) -> np.ndarray:
        """The unscaled features of the current bar of every symbol, side by side."""
        rows = []
        for symbol in ctx.symbols:
            fields = ctx.fields(symbol)
            if PREFIX + self._columns[0] in fields:
                rows.append([ctx.history(symbol, PREFIX + c, 1)[0] for c in self._columns])
            else:
                window = ctx.bars(symbol, self.p.lookback)
                rows.append(feature_frame(window, self.agent.features)[self._columns]
                            .to_numpy(dtype=np.float64)[-1])
        return np.concatenate([np.asarray(r, dtype=np.float64) for r in rows])

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        if bar.symbol != self._last_symbol:
            return  # decide once every asset's bar of this time is in
        raw = self.features_now(ctx)
        if not self._warm:
            if not np.isfinite(raw).all():
                return
            self._warm = True
        equity = ctx.equity
        positions = [ctx.position(s) for s in ctx.symbols]
        weights = [q * ctx.price(s) / equity if q else 0.0
                   for q, s in zip(positions, ctx.symbols, strict=True)]
        account = [*weights, ctx.cash / equity if equity > 0 else 0.0]
        obs = np.concatenate((self.agent.scaler_.transform(raw[None, :])[0],
                              np.clip(np.asarray(account, dtype=np.float32), -self._clip,
                                      self._clip)))
        if self.agent.recurrent_:
            action, self._state = self.agent.predict(obs, self._state, np.array([self._first]))
        else:
            action = self.agent.predict(obs)
        self._first = False
        targets, _ = self._actions.targets(action)
        self._actions.trade(ctx, ctx.symbols, targets, weights, positions, self._waiting,
                            capped=True)


__all__ = ["RLStrategy"]
