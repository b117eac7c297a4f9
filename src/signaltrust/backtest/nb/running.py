"""Running statistics of an equity path in O(1) memory: per-bar returns (Welford) and drawdown."""

from __future__ import annotations

import numpy as np
from numba import njit

# fields of the running-statistics array
R_COUNT = 0  # returns seen
R_MEAN = 1
R_M2 = 2  # sum of squared deviations (Welford)
R_PEAK = 3
R_MAX_DD = 4  # most negative equity / peak - 1
R_PREV = 5  # previous equity; NaN before the first bar
RUNNING_FIELDS = 6


@njit(cache=True)
def new_running():
    """A fresh running-statistics array."""
    run = np.zeros(RUNNING_FIELDS)
    run[R_PREV] = np.nan
    return run


@njit(cache=True)
def update_running(run, equity):
    """Add one bar's equity: its simple return from the previous bar, and the drawdown.

    As ``signaltrust.metrics`` does on an equity curve: returns start at the second bar, and the
    drawdown's peak includes the first bar.
    """
    prev = run[R_PREV]
    if prev == prev:  # not NaN
        ret = equity / prev - 1.0
        run[R_COUNT] += 1.0
        delta = ret - run[R_MEAN]
        run[R_MEAN] += delta / run[R_COUNT]
        run[R_M2] += delta * (ret - run[R_MEAN])
        if equity > run[R_PEAK]:
            run[R_PEAK] = equity
    else:
        run[R_PEAK] = equity
    drawdown = equity / run[R_PEAK] - 1.0
    if drawdown < run[R_MAX_DD]:
        run[R_MAX_DD] = drawdown
    run[R_PREV] = equity


@njit(cache=True)
def running_sharpe(run, periods_per_year):
    """Annualised Sharpe ratio (zero risk-free rate, sample std) of the returns seen."""
    if run[R_COUNT] < 2.0:
        return np.nan
    std = np.sqrt(run[R_M2] / (run[R_COUNT] - 1.0))
    mean = run[R_MEAN]
    if std == 0.0:  # as signaltrust.metrics: +-inf for a constant non-zero return, NaN for none
        if mean == 0.0:
            return np.nan
        return np.inf if mean > 0.0 else -np.inf
    return mean / std * np.sqrt(periods_per_year)


@njit(cache=True)
def running_volatility(run, periods_per_year):
    """Annualised volatility (sample std) of the returns seen."""
    if run[R_COUNT] < 2.0:
        return np.nan
    return np.sqrt(run[R_M2] / (run[R_COUNT] - 1.0)) * np.sqrt(periods_per_year)
