"""The meta-agent: capital allocated between agents by online expert weighting.

Every expert (a fitted agent, e.g. one per family) proposes target weights at each close. The
meta-agent keeps, for each, the *paper* net return of following its proposals alone (held from
the open after the decision, costs of its changes deducted: fees plus slippage per unit of
weight traded) and, at each close, weights the experts by the exponential of their trailing
annualised net Sharpe ratio over ``window`` bars (``a_i ~ exp(eta * S_i)``, Hedge), with a
**cash expert** whose Sharpe is 0 (so capital goes to cash when every expert loses) and a
**cap** on each agent's share (the excess goes to the others, in proportion, and to cash when
they are full). The experts start flat on the bar of ``oos_start`` (nothing before it is
scored or traded): the trailing Sharpe is out of sample. The traded target is
``sum_i a_i * w_i``, rebalanced when it drifts more than ``rebalance_band`` from the
position. An RL meta-policy (learning the allocation) is not built.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from signaltrust.core.errors import ValidationError
from signaltrust.research.rl.actions import ActionMap
from signaltrust.research.rl.agent import RLAgent
from signaltrust.research.rl.families import FAMILIES, family_agent
from signaltrust.rl.features import feature_frame
from signaltrust.strategy.api import Bar, Context, Strategy

CASH = "cash"


def expert_weights(sharpes: Sequence[float], *, eta: float = 1.0, cap: float = 0.5
                   ) -> np.ndarray:
    """Shares of the experts and, last, of cash: softmax of ``eta * sharpe`` (cash's Sharpe
    is 0), each expert capped at ``cap``; what the caps leave goes to cash."""
    s = np.append(np.asarray(sharpes, dtype=np.float64), 0.0)
    s = np.where(np.isfinite(s), s, 0.0)
    z = np.exp(eta * (s - s.max()))
    share = z / z.sum()
    capped = np.zeros(len(s), dtype=bool)
    for _ in range(len(s)):
        over = (share[:-1] > cap + 1e-15) & ~capped[:-1]
        if not over.any():
            break
        idx = np.flatnonzero(over)
        excess = float((share[idx] - cap).sum())
        share[idx] = cap
        capped[idx] = True
        free = ~capped
        free_sum = float(share[free].sum())
        if free_sum > 0:
            share[free] += excess * share[free] / free_sum
        else:
            share[-1] += excess
    return share


class MetaAgent(BaseEstimator):
    """Experts plus online weighting (see the module doc). ``experts``: names of families
    (default all four) or ``{name: RLAgent}``; ``expert_params``: RLAgent arguments for the
    family agents (algo, timesteps, seed, costs, ...)."""

    def __init__(self, experts: Sequence[str] | Mapping[str, RLAgent] | None = None,
                 expert_params: Mapping[str, Any] | None = None, window: int = 63,
                 eta: float = 1.0, cap: float = 0.5, rebalance_band: float = 0.05) -> None:
        self.experts = experts
        self.expert_params = expert_params
        self.window = window
        self.eta = eta
        self.cap = cap
        self.rebalance_band = rebalance_band

    def _unfitted(self) -> dict[str, RLAgent]:
        if isinstance(self.experts, Mapping):
            return {str(k): clone(v) for k, v in self.experts.items()}
        names = list(self.experts) if self.experts is not None else list(FAMILIES)
        return {n: family_agent(n, **dict(self.expert_params or {})) for n in names}

    def fit(self, X: Any, y: Any = None, *, span: tuple[int, int] | None = None) -> MetaAgent:
        """Fit every expert on the same training bars. Returns self."""
        if not (0.0 < float(self.cap) <= 1.0):
            raise ValidationError("cap is a share of capital in (0, 1]", field="cap",
                                  value=self.cap, fix="pass e.g. cap=0.5")
        if not isinstance(self.window, int) or self.window < 5:
            raise ValidationError("window must be a whole number of bars >= 5",
                                  field="window", value=self.window, fix="pass e.g. 63")
        self.experts_ = {name: agent.fit(X, span=span) for name, agent in
                         self._unfitted().items()}
        return self

    def strategy(self, oos_start: Any = None) -> MetaStrategy:
        """The meta-agent as a Strategy; only bars ending after ``oos_start`` score experts."""
        if not hasattr(self, "experts_"):
            raise ValidationError("the meta-agent is not fitted", field="meta", value=None,
                                  fix="call fit(bars) first")
        return MetaStrategy(self, oos_start=oos_start)


class MetaStrategy(Strategy):
    """A fitted :class:`MetaAgent` trading one asset; ``allocations_`` records each close's
    shares (experts and cash)."""

    name: ClassVar[str] = "rl_meta"

    def __init__(self, meta: MetaAgent, oos_start: Any = None, **params: Any) -> None:
        super().__init__(**params)
        self.meta = meta
        self.oos_start = oos_start
        self.allocations_: list[dict[str, Any]] = []

    def prepare_bars(self, bars: Any) -> Any:
        if not isinstance(bars, pd.DataFrame):
            return bars
        tables = []
        for name, agent in self.meta.experts_.items():
            table = feature_frame(bars, agent.features)
            table.columns = [f"meta:{name}:{c}" for c in table.columns]
            tables.append(table)
        return bars.join(tables)

    def on_start(self, ctx: Context) -> None:
        if len(ctx.symbols) != 1:
            raise ValidationError("the meta-agent trades one asset", field="symbols",
                                  value=list(ctx.symbols), fix="run it on one symbol")
        self._symbol = ctx.symbols[0]
        self._names = list(self.meta.experts_)
        self._agents = [self.meta.experts_[n] for n in self._names]
        self._maps = [ActionMap(a.env_settings(), 1) for a in self._agents]
        self._paper = [0.0] * len(self._agents)  # each expert's target weight, held now
        self._before = [0.0] * len(self._agents)  # ... and during the bar before
        window = int(self.meta.window)
        self._returns: list[deque[float]] = [deque(maxlen=window) for _ in self._agents]
        self._warm = [False] * len(self._agents)
        self._states: list[Any] = [None] * len(self._agents)
        self._start_ns = _utc_ns(self.oos_start)
        self._prev_close: float | None = None
        self._waiting: dict[str, str] = {}
        self._map = ActionMap(self._agents[0].env_settings(), 1)
        self._map.band = float(self.meta.rebalance_band)
        self._map.discrete = False
        self.allocations_ = []

    def _score(self, bar: Bar) -> None:
        """Book each expert's paper net return of the bar that just closed."""
        if self._prev_close is None:
            return
        gap = bar.open / self._prev_close - 1.0
        day = bar.close / bar.open - 1.0
        agent = self._agents[0]
        cost = agent.env_settings().costs
        rate = cost.fees + cost.slippage
        for i in range(len(self._agents)):
            held, now = self._before[i], self._paper[i]
            r = held * gap + now * day - rate * abs(now - held) * (1.0 + gap)
            self._returns[i].append(r)
            self._before[i] = now

    def _sharpe(self, returns: deque[float]) -> float:
        if len(returns) < 10:
            return 0.0
        values = np.fromiter(returns, dtype=np.float64)
        std = values.std(ddof=1)
        return float(values.mean() / std * math.sqrt(252.0)) if std > 0 else 0.0

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        if self._start_ns is not None and bar.end_ns < self._start_ns:
            self._prev_close = bar.close
            return  # before the out-of-sample start: the experts start flat on its bar
        self._score(bar)
        self._prev_close = bar.close
        weights = []
        for i, (name, agent) in enumerate(zip(self._names, self._agents, strict=True)):
            raw = np.array([ctx.history(self._symbol, f"meta:{name}:{c}", 1)[0]
                            for c in agent.feature_columns_], dtype=np.float64)
            if not self._warm[i]:
                if not np.isfinite(raw).all():
                    weights.append(0.0)
                    continue
                self._warm[i] = True
            w = self._paper[i]
            account = np.array([w, 1.0 - w], dtype=np.float32)
            scaled = agent.scaler_.transform(raw[None, :])[0]  # type: ignore[union-attr]
            obs = np.concatenate((scaled, account))
            if agent.recurrent_:
                action, self._states[i] = agent.predict(obs, self._states[i],
                                                        np.array([self._states[i] is None]))
            else:
                action = agent.predict(obs)
            target = self._maps[i].targets(action)[0][0]
            self._paper[i] = target
            weights.append(target)
        sharpes = [self._sharpe(r) for r in self._returns]
        shares = expert_weights(sharpes, eta=float(self.meta.eta), cap=float(self.meta.cap))
        target = float(np.dot(shares[:-1], weights))
        self.allocations_.append({"time": bar.time, **dict(zip(self._names, shares[:-1],
                                                                   strict=True)),
                                  CASH: float(shares[-1]), "target": target})
        equity = ctx.equity
        position = ctx.position(self._symbol)
        weight = position * ctx.price(self._symbol) / equity if position else 0.0
        self._map.trade(ctx, (self._symbol,), (target,), (weight,), (position,),
                        self._waiting, capped=True)

    def allocations(self) -> pd.DataFrame:
        """Each close's shares of the experts and of cash, and the traded target weight."""
        return pd.DataFrame(self.allocations_).set_index("time")


def _utc_ns(when: Any) -> int | None:
    if when is None:
        return None
    stamp = pd.Timestamp(when)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).value


__all__ = ["CASH", "MetaAgent", "MetaStrategy", "expert_weights"]
