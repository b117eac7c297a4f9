"""Return series the metric tests share: random (seeded, with and without NaNs) and real."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from signaltrust.data import load

SEEDS = (0, 1, 2, 3)


def random_returns(seed: int, n: int = 750, nans: bool = False, drift: float = 0.0004) -> pd.Series:
    """Fat-tailed daily returns on business days from 2010; a few NaNs when ``nans``."""
    rng = np.random.default_rng(seed)
    values = drift + 0.011 * rng.standard_t(df=4, size=n)
    if nans:
        values[rng.choice(n, size=n // 40, replace=False)] = np.nan
    index = pd.bdate_range("2010-01-04", periods=n, tz="UTC").as_unit("ns")
    return pd.Series(values, index=index, name="returns")


def real_returns(name: str) -> pd.Series:
    close = load(name)["close"]
    return close.pct_change(fill_method=None).iloc[1:].rename(name)


@pytest.fixture(
    params=[(seed, nans) for seed in SEEDS for nans in (False, True)],
    ids=lambda p: f"seed{p[0]}-nans{p[1]}",
)
def random_series(request) -> pd.Series:
    seed, nans = request.param
    return random_returns(seed, nans=nans)


@pytest.fixture(params=["sp500", "goog"])
def market_series(request) -> pd.Series:
    return real_returns(request.param)


@pytest.fixture(params=["random", "sp500", "goog"])
def any_series(request) -> pd.Series:
    return (
        random_returns(7, nans=True) if request.param == "random" else real_returns(request.param)
    )


def assert_same(ours, theirs, rtol: float = 1e-9, atol: float = 1e-300) -> None:
    """Equal to ``rtol`` relative, NaN where NaN, the same infinity where infinite."""
    ours, theirs = float(ours), float(theirs)
    if math.isnan(theirs) or math.isnan(ours):
        assert math.isnan(ours) and math.isnan(theirs), (ours, theirs)
    elif math.isinf(theirs) or math.isinf(ours):
        assert ours == theirs, (ours, theirs)
    else:
        assert ours == pytest.approx(theirs, rel=rtol, abs=atol), (ours, theirs)


@pytest.fixture
def same():
    """The comparison of a statistic with empyrical's: ``same(ours, theirs)``."""
    return assert_same


@pytest.fixture
def make_returns():
    """``make_returns(seed, n=750, nans=False, drift=0.0004)``: a seeded random return series."""
    return random_returns


@pytest.fixture
def real_pair() -> tuple[pd.Series, pd.Series]:
    """GOOG and S&P 500 daily returns: different date ranges, aligned by the statistics."""
    return real_returns("goog"), real_returns("sp500")
