"""Running statistics of an equity path in O(1) memory, and the summary vector built from them.

One accumulator for every simulator: per-bar returns as plain sums (count, sum, sum of squares:
no division on the loop-carried path) and the maximum drawdown. The sweep kernels carry it in
registers as a tuple (``start_running`` / ``add_equity``); the engine's stats-only kernels keep
the same tuple in a small array (``new_running`` / ``update_running``). As
``signaltrust.metrics`` does on an equity curve, returns start at the second bar and the
drawdown's peak includes the first bar.

The drawdown is only recomputed (a division) for an equity below ``floor``, a level a hair
above the one that could set a new maximum drawdown (peak x (1 + max_dd) x (1 + 1e-9)), so the
maximum is the same as computing every bar's drawdown.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.backtest.nb.layout import (
    S_ANNUAL_VOLATILITY,
    S_FEES,
    S_FINAL_EQUITY,
    S_MAX_DRAWDOWN,
    S_OPEN_TRADES,
    S_ORDERS,
    S_PROFIT_FACTOR,
    S_SHARPE,
    S_TOTAL_RETURN,
    S_TRADES,
    S_WIN_RATE,
    STAT_FIELDS,
)

# fields of the running-statistics tuple (and array)
R_COUNT = 0  # returns seen
R_SUM = 1  # sum of returns
R_SUM_SQ = 2  # sum of squared returns
R_PEAK = 3  # highest equity so far
R_FLOOR = 4  # an equity below this may set a new maximum drawdown
R_MARGIN = 5  # floor / peak: (1 + max_dd) x (1 + DRAWDOWN_SLACK)
R_MAX_DD = 6  # most negative equity / peak - 1
R_PREV = 7  # previous equity; NaN before the first bar
RUNNING_FIELDS = 8

#: how far above the drawdown-setting level ``floor`` sits, so that rounding cannot hide a bar
DRAWDOWN_SLACK = 1e-9


@njit(cache=True, inline="always")
def start_running():
    """The running statistics before the first bar, as a tuple of ``RUNNING_FIELDS`` floats."""
    return (0.0, 0.0, 0.0, 0.0, 0.0, 1.0 + DRAWDOWN_SLACK, 0.0, np.nan)


@njit(cache=True, inline="always")
def add_return(running, equity):
    """The running statistics after a bar marked at ``equity``, the count aside: the return
    from the previous bar's equity (known) and the drawdown."""
    count, total, total_sq, peak, floor, margin, max_dd, prev = running
    if equity != prev:  # an unchanged equity adds a zero return and no new drawdown
        ret = equity / prev - 1.0
        total += ret
        total_sq += ret * ret
        # a new peak without a branch (new highs come at random in a trend)
        higher = equity > peak
        peak = equity if higher else peak
        floor = peak * margin if higher else floor
        if equity < floor:
            drawdown = equity / peak - 1.0
            if drawdown < max_dd:
                max_dd = drawdown
                margin = (1.0 + max_dd) * (1.0 + DRAWDOWN_SLACK)
                floor = peak * margin
    return (count, total, total_sq, peak, floor, margin, max_dd, equity)


@njit(cache=True, inline="always")
def add_equity(running, equity):
    """The running statistics after one more bar marked at ``equity``.

    A bar whose equity equals the previous one adds a zero return: only the count moves.
    """
    count, total, total_sq, peak, floor, margin, max_dd, prev = running
    if prev == prev:  # not the first bar
        return add_return((count + 1.0, total, total_sq, peak, floor, margin, max_dd, prev), equity)
    return (count, total, total_sq, equity, equity * margin, margin, max_dd, equity)


@njit(cache=True, inline="always")
def add_flat_bars(running, bars):
    """The running statistics after ``bars`` more bars at the previous equity (zero returns)."""
    count, total, total_sq, peak, floor, margin, max_dd, prev = running
    return (count + float(bars), total, total_sq, peak, floor, margin, max_dd, prev)


@njit(cache=True, inline="always")
def returns_stats(running, periods_per_year):
    """(annualised Sharpe ratio, annualised volatility) of the returns seen: sample std, zero
    risk-free rate; NaN before two returns. As ``signaltrust.metrics``: a Sharpe ratio of
    +-inf for a constant non-zero return, NaN for none."""
    count = running[R_COUNT]
    if count < 2.0:
        return np.nan, np.nan
    total = running[R_SUM]
    mean = total / count
    var = (running[R_SUM_SQ] - total * mean) / (count - 1.0)
    std = np.sqrt(var) if var > 0.0 else 0.0
    volatility = std * np.sqrt(periods_per_year)
    if std != 0.0:
        return mean / std * np.sqrt(periods_per_year), volatility
    if mean == 0.0:
        return np.nan, volatility
    return (np.inf if mean > 0.0 else -np.inf), volatility


@njit(cache=True, inline="always")
def write_summary(
    out, row, equity, cash0, open_trades, closed, wins, gross_profit, gross_loss, orders, fees,
    running, periods_per_year,
):
    """Row ``row`` of ``out``: the ``layout.STAT_NAMES`` vector of a finished simulation."""
    for j in range(STAT_FIELDS):
        out[row, j] = np.nan
    sharpe, volatility = returns_stats(running, periods_per_year)
    out[row, S_FINAL_EQUITY] = equity
    out[row, S_TOTAL_RETURN] = equity / cash0 - 1.0
    out[row, S_SHARPE] = sharpe
    out[row, S_ANNUAL_VOLATILITY] = volatility
    out[row, S_MAX_DRAWDOWN] = running[R_MAX_DD]
    out[row, S_TRADES] = closed
    out[row, S_OPEN_TRADES] = open_trades
    if closed > 0.0:
        out[row, S_WIN_RATE] = wins / closed
    if gross_loss < 0.0:
        out[row, S_PROFIT_FACTOR] = gross_profit / -gross_loss
    elif gross_profit > 0.0:
        out[row, S_PROFIT_FACTOR] = np.inf
    out[row, S_ORDERS] = orders
    out[row, S_FEES] = fees


@njit(cache=True)
def load_running(run):
    """The running-statistics tuple held in the array ``run``."""
    return (run[0], run[1], run[2], run[3], run[4], run[5], run[6], run[7])


@njit(cache=True)
def store_running(run, running):
    """Write the running-statistics tuple into the array ``run``."""
    for j in range(RUNNING_FIELDS):
        run[j] = running[j]


@njit(cache=True)
def new_running():
    """A fresh running-statistics array (the engine's form of ``start_running``)."""
    run = np.empty(RUNNING_FIELDS)
    store_running(run, start_running())
    return run


@njit(cache=True)
def update_running(run, equity):
    """Add one bar's equity to the running-statistics array ``run`` (see ``add_equity``)."""
    store_running(run, add_equity(load_running(run), equity))
