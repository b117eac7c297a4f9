"""Price data for the indicator tests: random walks with consistent OHLC, and the bundled GOOG and S&P 500."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BUNDLED = Path(__file__).resolve().parents[2] / "src" / "signaltrust" / "data" / "bundled"


def random_walk(seed: int, n: int = 1500, start: str = "2020-01-01") -> pd.DataFrame:
    """OHLCV bars from a geometric random walk, with high >= max(open, close) and low <= min(open, close)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    open_ = np.r_[close[0], close[:-1]] * np.exp(rng.normal(0.0, 0.005, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.01, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.01, n)))
    # round to cents so that ties (equal highs, flat closes) occur as in real data
    frame = pd.DataFrame(
        {
            "open": open_.round(2),
            "high": high.round(2),
            "low": low.round(2),
            "close": close.round(2),
            "volume": rng.integers(1_000, 1_000_000, n).astype(float),
        },
        index=pd.date_range(start, periods=n, freq="D", tz="UTC").as_unit("ns"),
    )
    frame["high"] = frame[["open", "high", "close"]].max(axis=1)
    frame["low"] = frame[["open", "low", "close"]].min(axis=1)
    return frame


def _bundled(name: str) -> pd.DataFrame:
    try:
        from signaltrust.data import load  # type: ignore[attr-defined]

        frame = load(name)
    except (ImportError, AttributeError):
        file = {"goog": "goog_daily_2004_2013.csv.gz", "sp500": "sp500_daily_1999_2018.csv.gz"}[
            name
        ]
        frame = pd.read_csv(BUNDLED / file, index_col=0)
    frame = frame.rename(columns=str.lower)
    return frame[["open", "high", "low", "close", "volume"]].astype(float)


@pytest.fixture(scope="session")
def goog() -> pd.DataFrame:
    return _bundled("goog")


@pytest.fixture(scope="session")
def sp500() -> pd.DataFrame:
    return _bundled("sp500")


@pytest.fixture(scope="session", params=[0, 1, 2, 3])
def walk(request) -> pd.DataFrame:
    return random_walk(request.param)
