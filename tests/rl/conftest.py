"""Shared fixtures of the RL tests: small real and constructed bars, one small trained agent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.research.rl.leak import random_walk_bars
from signaltrust.rl.features import SelectedFeatures

RETURNS = ("ret_1", "ret_5")


def returns_features() -> SelectedFeatures:
    """Two causal return columns: a warm-up of five bars, cheap to compute."""
    return SelectedFeatures(columns=RETURNS)


def drifting_bars(n_bars: int = 8, *, step: float = 1.0, start: float = 100.0) -> pd.DataFrame:
    """Bars by hand: each opens ``step`` above the one before and closes 0.5 above its open."""
    index = pd.bdate_range("2020-01-01", periods=n_bars, tz="UTC")
    open_ = start + step * np.arange(n_bars, dtype=np.float64)
    close = open_ + 0.5
    return pd.DataFrame({"open": open_, "high": close + 1.0, "low": open_ - 1.0,
                         "close": close, "volume": np.full(n_bars, 1e6)}, index=index)


def flat_bars(n_bars: int = 60) -> pd.DataFrame:
    """A market that never moves: every price 100 (what a trade earns there is its cost)."""
    index = pd.bdate_range("2020-01-01", periods=n_bars, tz="UTC")
    ones = np.full(n_bars, 100.0)
    return pd.DataFrame({"open": ones, "high": ones + 0.5, "low": ones - 0.5, "close": ones,
                         "volume": np.full(n_bars, 1e6)}, index=index)


@pytest.fixture(scope="session")
def sp500_recent() -> pd.DataFrame:
    """The last 700 daily bars of the bundled S&P 500 (2016-2018)."""
    from signaltrust.data import load

    return load("sp500").iloc[-700:]


@pytest.fixture(scope="session")
def walk() -> pd.DataFrame:
    return random_walk_bars(300, seed=3)


@pytest.fixture(scope="session")
def pair() -> dict[str, pd.DataFrame]:
    """Two random walks on one index: a portfolio."""
    return {"a": random_walk_bars(200, seed=1), "b": random_walk_bars(200, seed=2)}


@pytest.fixture(scope="session")
def trained_agent(sp500_recent):
    """A PPO agent trained briefly on the first 450 bars (technical features)."""
    from signaltrust.research.rl.agent import RLAgent

    agent = RLAgent(algo="ppo", features="technical", timesteps=1024, seed=0)
    return agent.fit(sp500_recent.iloc[:450])
