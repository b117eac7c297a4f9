"""The leak check: an environment that can teach, and an agent that is honest without the leak.

The same agent is trained twice on a random walk, once observing the next bar's return
(:class:`~signaltrust.rl.features.NextBarReturn`, a deliberate leak) and once observing only
its past returns, then traded out of sample on a later stretch of the walk. With the leak it
must earn a large Sharpe ratio after costs (if it cannot, the environment cannot teach: a
broken reward, a fill on the wrong bar, an observation of the wrong bar); without it, a random
walk has nothing to find and the honest result is a Sharpe ratio near zero or below. FinRL's
issue #1248 reports agents that fail to beat buy-and-hold even with leaked returns: in this
environment the leak is exploited, so a failure without it is the market's answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.costs import Costs
from signaltrust.research.rl.agent import RLAgent
from signaltrust.rl.features import NextBarReturn, SelectedFeatures


def random_walk_bars(n_bars: int = 900, *, seed: int = 0, volatility: float = 0.01,
                     start: str = "2000-01-03") -> pd.DataFrame:
    """Daily bars of a driftless geometric random walk: each bar opens at the previous close
    (no gaps), so the next bar's return is exactly what a position held through it earns."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, volatility, n_bars)))
    open_ = np.concatenate(([100.0], close[:-1]))
    wiggle = np.abs(rng.normal(0.0, volatility / 4, n_bars))
    high = np.maximum(open_, close) * (1.0 + wiggle)
    low = np.minimum(open_, close) * (1.0 - wiggle)
    index = pd.bdate_range(start, periods=n_bars, tz="UTC")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                         "volume": np.full(n_bars, 1e6)}, index=index)


@dataclass(frozen=True)
class LeakCheck:
    """Out-of-sample figures of the agent with the leak and without it."""

    leaked_sharpe: float
    honest_sharpe: float
    leaked_return: float
    honest_return: float
    buy_and_hold_return: float
    test_bars: int
    seed: int

    @property
    def env_teaches(self) -> bool:
        """The agent exploited the leak (annualised Sharpe above 3 after costs)."""
        return self.leaked_sharpe > 3.0

    def __plain__(self) -> dict[str, Any]:
        return {**self.__dict__, "env_teaches": self.env_teaches}


def leak_check(
    bars: pd.DataFrame | None = None, *, algo: str = "ppo", timesteps: int = 6_000,
    seed: int = 0, train_share: float = 0.6, costs: Costs | None = None,
    algo_params: Mapping[str, Any] | None = None,
) -> LeakCheck:
    """Train ``algo`` with and without the next bar's return as a feature on the first
    ``train_share`` of ``bars`` (default: a 900-bar random walk), trade both on the rest;
    the agents differ only in that one feature. Costs are on."""
    bars = random_walk_bars(seed=seed) if bars is None else bars
    past = SelectedFeatures(columns=("ret_1", "ret_5"))
    split = int(len(bars) * train_share)
    out = {}
    for name, features in (("leaked", [past, NextBarReturn()]), ("honest", [past])):
        agent = RLAgent(algo=algo, features=features, timesteps=timesteps, seed=seed,
                        costs=costs, algo_params=algo_params)
        agent.fit(bars, span=(_warm(agent, bars), split - 1))
        result = agent.episode(bars, start=split, end=len(bars) - 2)
        out[name] = result
    close = bars["close"].to_numpy()
    return LeakCheck(
        leaked_sharpe=float(out["leaked"].stats["sharpe_ratio"]),
        honest_sharpe=float(out["honest"].stats["sharpe_ratio"]),
        leaked_return=float(out["leaked"].stats["total_return"]),
        honest_return=float(out["honest"].stats["total_return"]),
        buy_and_hold_return=float(close[-2] / close[split] - 1.0),
        test_bars=len(bars) - 1 - split, seed=int(seed),
    )


def _warm(agent: RLAgent, bars: pd.DataFrame) -> int:
    return agent.make_env(bars).warm_up


__all__ = ["LeakCheck", "leak_check", "random_walk_bars"]
