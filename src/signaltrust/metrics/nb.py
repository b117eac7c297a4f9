"""Numba kernels of the statistics a parameter sweep computes per combination.

Arrays in, floats out.

Every kernel is ``@njit(cache=True)``, callable from other njit code (a ``prange`` loop over
combinations) and allocates nothing: statistics of an equity path compute the per-bar returns
on the fly. NaN returns are skipped as the pandas-facing functions skip them; ``n`` below counts
every bar, present or not, exactly as empyrical's length checks do.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

NAN = np.nan


@njit(cache=True)
def _ret(equity, i):
    """Simple return of bar i (i >= 1) of an equity path."""
    return equity[i] / equity[i - 1] - 1.0


@njit(cache=True)
def _divide(numerator, denominator):
    if denominator == 0.0:
        if numerator == 0.0 or math.isnan(numerator):
            return NAN
        return math.inf if numerator > 0.0 else -math.inf
    return numerator / denominator


@njit(cache=True)
def _moments(returns, shift):
    """Count, mean and sample std (ddof 1, exactly 0 when all equal) of returns - shift."""
    count = 0
    total = 0.0
    low = math.inf
    high = -math.inf
    for value in returns:
        if not math.isnan(value):
            x = value - shift
            count += 1
            total += x
            low = min(low, x)
            high = max(high, x)
    if count == 0:
        return 0, NAN, NAN
    mean = total / count
    if count < 2:
        return count, mean, NAN
    if low == high:
        return count, mean, 0.0
    squares = 0.0
    for value in returns:
        if not math.isnan(value):
            d = value - shift - mean
            squares += d * d
    return count, mean, math.sqrt(squares / (count - 1))


@njit(cache=True)
def _equity_moments(equity, shift):
    """As _moments, on the per-bar returns of an equity path (computed on the fly)."""
    count = 0
    total = 0.0
    low = math.inf
    high = -math.inf
    for i in range(1, equity.shape[0]):
        value = _ret(equity, i)
        if not math.isnan(value):
            x = value - shift
            count += 1
            total += x
            low = min(low, x)
            high = max(high, x)
    if count == 0:
        return 0, NAN, NAN
    mean = total / count
    if count < 2:
        return count, mean, NAN
    if low == high:
        return count, mean, 0.0
    squares = 0.0
    for i in range(1, equity.shape[0]):
        value = _ret(equity, i)
        if not math.isnan(value):
            d = value - shift - mean
            squares += d * d
    return count, mean, math.sqrt(squares / (count - 1))


@njit(cache=True)
def sharpe_ratio_nb(returns, risk_free, ann_factor):
    """Sharpe ratio: mean(r - rf) / std(r - rf, ddof=1) * sqrt(ann_factor); NaN below two bars."""
    if returns.shape[0] < 2:
        return NAN
    _, mean, std = _moments(returns, risk_free)
    return _divide(mean, std) * math.sqrt(ann_factor)


@njit(cache=True)
def annual_volatility_nb(returns, ann_factor):
    """Annual volatility: std(r, ddof=1) * sqrt(ann_factor); NaN below two bars."""
    if returns.shape[0] < 2:
        return NAN
    _, _, std = _moments(returns, 0.0)
    return std * math.sqrt(ann_factor)


@njit(cache=True)
def downside_risk_nb(returns, required_return, ann_factor):
    """Downside deviation: sqrt(mean(min(r - required, 0)^2)) * sqrt(ann_factor)."""
    count = 0
    squares = 0.0
    for value in returns:
        if not math.isnan(value):
            d = min(value - required_return, 0.0)
            squares += d * d
            count += 1
    if count == 0:
        return NAN
    return math.sqrt(squares / count) * math.sqrt(ann_factor)


@njit(cache=True)
def sortino_ratio_nb(returns, required_return, ann_factor):
    """Sortino ratio: mean(r - required) * ann_factor / downside_risk; NaN below two bars."""
    if returns.shape[0] < 2:
        return NAN
    _, mean, _ = _moments(returns, required_return)
    return _divide(mean * ann_factor, downside_risk_nb(returns, required_return, ann_factor))


@njit(cache=True)
def annual_return_nb(initial, final, n_bars, ann_factor):
    """Compound annual growth from ``initial`` to ``final`` equity over ``n_bars`` returns."""
    if n_bars < 1 or initial == 0.0:
        return NAN
    growth = final / initial
    if growth < 0.0:
        return NAN
    return growth ** (ann_factor / n_bars) - 1.0


@njit(cache=True)
def max_drawdown_nb(equity):
    """Maximum drawdown of an equity path: min(equity / running peak - 1); NaN for an empty path."""
    if equity.shape[0] == 0:
        return NAN
    peak = -math.inf
    worst = 0.0
    for value in equity:
        if value > peak:
            peak = value
        if peak != 0.0 and not math.isnan(value):
            drawdown = (value - peak) / peak
            if drawdown < worst:
                worst = drawdown
    return worst


@njit(cache=True)
def max_drawdown_span_nb(equity):
    """First and last bar of the longest stretch under a running peak (peak bar to recovery bar).

    A stretch still under water at the end closes at the last bar; (0, 0) when equity never falls.
    """
    best_start = 0
    best_end = 0
    start = -1
    peak = -math.inf
    peak_bar = 0
    for i in range(equity.shape[0]):
        value = equity[i]
        if math.isnan(value):
            continue
        if value >= peak:
            if start >= 0 and i - start > best_end - best_start:
                best_start, best_end = start, i
            peak = value
            peak_bar = i
            start = -1
        else:
            if start < 0:
                start = peak_bar
            if i - start > best_end - best_start:
                best_start, best_end = start, i
    return best_start, best_end


@njit(cache=True)
def sharpe_ratio_equity_nb(equity, risk_free, ann_factor):
    """Sharpe ratio of the per-bar returns of an equity path, without building the returns."""
    if equity.shape[0] < 3:
        return NAN
    _, mean, std = _equity_moments(equity, risk_free)
    return _divide(mean, std) * math.sqrt(ann_factor)


@njit(cache=True)
def annual_volatility_equity_nb(equity, ann_factor):
    """Annual volatility of the per-bar returns of an equity path."""
    if equity.shape[0] < 3:
        return NAN
    _, _, std = _equity_moments(equity, 0.0)
    return std * math.sqrt(ann_factor)


@njit(cache=True)
def sortino_ratio_equity_nb(equity, required_return, ann_factor):
    """Sortino ratio of the per-bar returns of an equity path."""
    if equity.shape[0] < 3:
        return NAN
    _, mean, _ = _equity_moments(equity, required_return)
    count = 0
    squares = 0.0
    for i in range(1, equity.shape[0]):
        value = _ret(equity, i)
        if not math.isnan(value):
            d = min(value - required_return, 0.0)
            squares += d * d
            count += 1
    downside = math.sqrt(squares / count) * math.sqrt(ann_factor) if count > 0 else NAN
    return _divide(mean * ann_factor, downside)


#: positions of the statistics equity_stats_nb writes
EQUITY_STATS = (
    "total_return",
    "annual_return",
    "annual_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "calmar_ratio",
)


@njit(cache=True)
def equity_stats_nb(equity, ann_factor, out):
    """Write the EQUITY_STATS of one equity path into ``out[:7]`` (risk-free rate 0)."""
    n = equity.shape[0]
    if n == 0:
        out[:7] = NAN
        return
    out[0] = equity[n - 1] / equity[0] - 1.0
    out[1] = annual_return_nb(equity[0], equity[n - 1], n - 1, ann_factor)
    out[2] = annual_volatility_equity_nb(equity, ann_factor)
    out[3] = sharpe_ratio_equity_nb(equity, 0.0, ann_factor)
    out[4] = sortino_ratio_equity_nb(equity, 0.0, ann_factor)
    out[5] = max_drawdown_nb(equity)
    out[6] = calmar_nb(out[1], out[5])


@njit(cache=True)
def calmar_nb(annual_return, max_drawdown):
    """Calmar ratio: annual return / |max drawdown|; NaN without a drawdown or when infinite."""
    if not max_drawdown < 0.0:
        return NAN
    value = annual_return / -max_drawdown
    return NAN if math.isinf(value) else value
