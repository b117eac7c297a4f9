"""Out-of-sample episodes and the baselines an agent is judged against, on the same bars and costs.

:func:`play` steps an environment with any policy over rows ``start`` to ``end`` of its bars
and keeps the actions; the baselines are scripted policies played through environments with
the agent's costs, cash and gross weight:

- **buy-and-hold**: long ``max_weight / n`` of every asset from the first open, never traded
  again (discrete actions: a held long is not resized);
- **equal weight**: the same targets as continuous weights, rebalanced when a weight drifts more
  than the rebalance band (for one asset: buy-and-hold kept at its weight);
- **random timing**: the agent's own out-of-sample actions, circularly shifted by a seeded
  random offset: the same positions and (but for the wrap) the same number of changes, hence
  the same turnover and costs, at random times.

:class:`EpisodeFigures` are one episode's net figures; :func:`stitch` joins consecutive
out-of-sample episodes (walk-forward folds) into one path.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.metrics import max_drawdown, sharpe_ratio
from signaltrust.research.rl.actions import EnvSettings
from signaltrust.research.rl.env import TradingEnv
from signaltrust.rl.features import SelectedFeatures

Policy = Callable[[np.ndarray, bool], Any]


@dataclass(frozen=True)
class EpisodeFigures:
    """One out-of-sample path's figures, net of fees and slippage.

    ``returns``: per-bar net returns (0 on the first bar: the agent starts flat);
    ``turnover``: traded notional over the average equity (per episode, summed when stitched);
    ``fees`` and ``slippage``: what they cost, as fractions of the starting equity;
    ``trades``: fills.
    """

    returns: pd.Series
    turnover: float
    fees: float
    slippage: float
    trades: int
    periods_per_year: float

    @property
    def sharpe_ratio(self) -> float:
        return float(sharpe_ratio(self.returns.to_numpy(), annualization=self.periods_per_year))

    @property
    def total_return(self) -> float:
        return float(np.prod(1.0 + self.returns.to_numpy()) - 1.0)

    @property
    def max_drawdown(self) -> float:
        return float(max_drawdown(self.returns.to_numpy()))

    @property
    def costs(self) -> float:
        return self.fees + self.slippage

    def headline(self) -> dict[str, Any]:
        """The figures a reader compares: net Sharpe, return, drawdown, turnover, costs."""
        years = len(self.returns) / self.periods_per_year if self.periods_per_year else math.nan
        return {"sharpe_ratio": _finite(self.sharpe_ratio),
                "total_return": self.total_return, "max_drawdown": self.max_drawdown,
                "turnover": self.turnover,
                "annual_turnover": self.turnover / years if years > 0 else None,
                "costs": self.costs, "fees": self.fees, "slippage": self.slippage,
                "trades": self.trades, "bars": len(self.returns)}


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def figures(env: TradingEnv) -> EpisodeFigures:
    """The net figures of the episode ``env`` just ran."""
    result = env.result()
    equity = result.equity
    start = float(equity.iloc[0])
    fills = result.fills
    notional = fees = slip = 0.0
    if len(fills):
        opens = np.array([env.frames[str(s)]["open"].loc[t] for s, t in
                          zip(fills["symbol"], fills["timestamp"], strict=True)])
        qty = fills["quantity"].to_numpy(dtype=np.float64)
        price = fills["price"].to_numpy(dtype=np.float64)
        notional = float(np.sum(qty * price))
        fees = float(fills["fee"].sum())
        slip = float(np.sum(qty * np.abs(price - opens)))
    return EpisodeFigures(
        returns=equity.pct_change().fillna(0.0), turnover=notional / float(equity.mean()),
        fees=fees / start, slippage=slip / start, trades=len(fills),
        periods_per_year=env.periods_per_year,
    )


def stitch(parts: Sequence[EpisodeFigures]) -> EpisodeFigures:
    """Consecutive out-of-sample episodes as one path (each starts flat on its first bar)."""
    return EpisodeFigures(
        returns=pd.concat([p.returns for p in parts]),
        turnover=float(sum(p.turnover for p in parts)), fees=float(sum(p.fees for p in parts)),
        slippage=float(sum(p.slippage for p in parts)), trades=sum(p.trades for p in parts),
        periods_per_year=parts[0].periods_per_year,
    )


def play(env: TradingEnv, policy: Policy, start: int, end: int) -> tuple[EpisodeFigures, list]:
    """Step ``env`` with ``policy(observation, first_step)`` from row ``start`` to ``end``;
    the episode's figures and the actions taken."""
    obs, _ = env.reset(options={"start": int(start), "end": int(end)})
    actions: list[Any] = []
    done = False
    while not done:
        action = policy(obs, not actions)
        actions.append(action)
        obs, _, terminated, truncated, _ = env.step(action)
        done = terminated or truncated
    return figures(env), actions


def agent_policy(agent: Any) -> Policy:
    """A fitted RLAgent's deterministic policy (a recurrent one keeps its memory)."""
    state: list[Any] = [None]

    def act(obs: np.ndarray, first: bool) -> Any:
        if agent.recurrent_:
            action, state[0] = agent.predict(obs, None if first else state[0],
                                             np.array([first]))
            return action
        return agent.predict(obs)

    return act


def scripted(actions: Sequence[Any]) -> Policy:
    """A policy that replays ``actions`` in order."""
    queue = list(actions)

    def act(obs: np.ndarray, first: bool) -> Any:
        return queue.pop(0)

    return act


def shifted(actions: Sequence[Any], seed: int) -> list[Any]:
    """``actions`` circularly shifted by a seeded random offset (random timing, same turnover)."""
    n = len(actions)
    if n < 2:
        return list(actions)
    offset = int(np.random.default_rng(seed).integers(1, n))
    return list(actions[offset:]) + list(actions[:offset])


class Baselines:
    """Buy-and-hold and equal weight over ``bars`` with the agent's ``settings`` (costs, cash,
    gross weight); each environment is built on first use and reused for every fold."""

    def __init__(self, bars: Any, settings: EnvSettings) -> None:
        self.bars = bars
        self.settings = replace(settings, allow_short=False, reward="pnl", episode_bars=None)
        self._envs: dict[str, TradingEnv] = {}

    def _env(self, actions: str) -> TradingEnv:
        if actions not in self._envs:
            quiet = SelectedFeatures(columns=("ret_1",))  # baselines read no observation
            self._envs[actions] = TradingEnv(self.bars, quiet,
                                             replace(self.settings, actions=actions))
        return self._envs[actions]

    def buy_and_hold(self, start: int, end: int) -> EpisodeFigures:
        env = self._env("discrete")
        n = len(env.symbols)
        long = 2 if n == 1 else np.full(n, 2)
        return play(env, lambda obs, first: long, start, end)[0]

    def equal_weight(self, start: int, end: int) -> EpisodeFigures:
        env = self._env("continuous")
        full = np.ones(len(env.symbols), dtype=np.float32)
        return play(env, lambda obs, first: full, start, end)[0]


__all__ = ["Baselines", "EpisodeFigures", "agent_policy", "figures", "play", "scripted",
           "shifted", "stitch"]
