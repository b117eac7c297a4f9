"""Kernels of the indicators TA-Lib lacks: Keltner, Donchian, Supertrend, VWAP, z-score,
realized volatility, Ichimoku. Each value at bar t uses bars up to t only."""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.ta.nb.overlap import ema
from signaltrust.ta.nb.volatility import atr


@njit(cache=True, error_model="numpy")
def rolling_max(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
    best_idx = -1
    best = 0.0
    for today in range(start + period - 1, n):
        trailing = today - period + 1
        if best_idx < trailing:
            best_idx = trailing
            best = x[trailing]
            for i in range(trailing + 1, today + 1):
                if x[i] >= best:
                    best_idx = i
                    best = x[i]
        elif x[today] >= best:
            best_idx = today
            best = x[today]
        out[today] = best
    return out


@njit(cache=True, error_model="numpy")
def rolling_min(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
    best_idx = -1
    best = 0.0
    for today in range(start + period - 1, n):
        trailing = today - period + 1
        if best_idx < trailing:
            best_idx = trailing
            best = x[trailing]
            for i in range(trailing + 1, today + 1):
                if x[i] <= best:
                    best_idx = i
                    best = x[i]
        elif x[today] <= best:
            best_idx = today
            best = x[today]
        out[today] = best
    return out


@njit(cache=True, error_model="numpy")
def donchian(high, low, period, start):
    upper = rolling_max(high, period, start)
    lower = rolling_min(low, period, start)
    middle = (upper + lower) / 2.0
    return upper, middle, lower


@njit(cache=True, error_model="numpy")
def keltner(high, low, close, period, atr_period, multiplier, start):
    middle = ema(close, period, start, np.empty(close.shape[0]))
    width = atr(high, low, close, atr_period, start, np.empty(close.shape[0]))
    upper = middle + multiplier * width
    lower = middle - multiplier * width
    nan_mask = np.isnan(upper)
    middle[nan_mask] = np.nan
    return upper, middle, lower


@njit(cache=True, error_model="numpy")
def supertrend(high, low, close, period, multiplier, start):
    n = close.shape[0]
    line = np.full(n, np.nan)
    direction = np.full(n, np.nan)
    width = atr(high, low, close, period, start, np.empty(close.shape[0]))
    first = start + period
    if first >= n:
        return line, direction
    mid = (high[first] + low[first]) / 2.0
    final_upper = mid + multiplier * width[first]
    final_lower = mid - multiplier * width[first]
    trend = 1.0 if close[first] >= mid else -1.0
    line[first] = final_lower if trend > 0 else final_upper
    direction[first] = trend
    for i in range(first + 1, n):
        mid = (high[i] + low[i]) / 2.0
        basic_upper = mid + multiplier * width[i]
        basic_lower = mid - multiplier * width[i]
        # a band only tightens while price stays inside it
        if basic_upper < final_upper or close[i - 1] > final_upper:
            upper = basic_upper
        else:
            upper = final_upper
        if basic_lower > final_lower or close[i - 1] < final_lower:
            lower = basic_lower
        else:
            lower = final_lower
        if trend > 0 and close[i] < lower:
            trend = -1.0
        elif trend < 0 and close[i] > upper:
            trend = 1.0
        final_upper = upper
        final_lower = lower
        line[i] = lower if trend > 0 else upper
        direction[i] = trend
    return line, direction


@njit(cache=True, error_model="numpy")
def vwap(high, low, close, volume, period, start):
    """Cumulative VWAP from ``start`` when period == 0, else over the last ``period`` bars."""
    n = close.shape[0]
    out = np.full(n, np.nan)
    price_volume = np.empty(n)
    for i in range(start, n):
        price_volume[i] = ((high[i] + low[i] + close[i]) / 3.0) * volume[i]
    total_pv = 0.0
    total_v = 0.0
    for i in range(start, n):
        if period > 0 and i - start >= period:
            # recompute the window instead of subtracting, so no rounding accumulates
            total_pv = 0.0
            total_v = 0.0
            for j in range(i - period + 1, i + 1):
                total_pv += price_volume[j]
                total_v += volume[j]
        else:
            total_pv += price_volume[i]
            total_v += volume[i]
        if period > 0 and i - start < period - 1:
            continue
        out[i] = total_pv / total_v if total_v != 0.0 else np.nan
    return out


@njit(cache=True, error_model="numpy")
def zscore(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(start + period - 1, n):
        mean = 0.0
        # a flat window is NaN: its rounded mean (0.1 + 0.1 + 0.1) / 3 can differ from 0.1 and
        # leave a spurious nonzero deviation
        flat = True
        for j in range(i - period + 1, i + 1):
            mean += x[j]
            if x[j] != x[i]:
                flat = False
        mean /= period
        var = 0.0
        for j in range(i - period + 1, i + 1):
            var += (x[j] - mean) * (x[j] - mean)
        std = np.sqrt(var / period)
        out[i] = (x[i] - mean) / std if std > 0.0 and not flat else np.nan
    return out


@njit(cache=True, error_model="numpy")
def realized_volatility(close, period, periods_per_year, start):
    n = close.shape[0]
    out = np.full(n, np.nan)
    returns = np.full(n, np.nan)
    for i in range(start + 1, n):
        returns[i] = np.log(close[i] / close[i - 1])
    scale = np.sqrt(periods_per_year)
    for i in range(start + period, n):
        mean = 0.0
        for j in range(i - period + 1, i + 1):
            mean += returns[j]
        mean /= period
        var = 0.0
        for j in range(i - period + 1, i + 1):
            var += (returns[j] - mean) * (returns[j] - mean)
        out[i] = np.sqrt(var / (period - 1)) * scale
    return out


@njit(cache=True, error_model="numpy")
def _midpoint(high, low, period, start):
    return (rolling_max(high, period, start) + rolling_min(low, period, start)) / 2.0


@njit(cache=True, error_model="numpy")
def ichimoku(high, low, period1, period2, period3, start):
    n = high.shape[0]
    tenkan = _midpoint(high, low, period1, start)
    kijun = _midpoint(high, low, period2, start)
    slow = _midpoint(high, low, period3, start)
    senkou_a = np.full(n, np.nan)
    senkou_b = np.full(n, np.nan)
    for i in range(period2, n):
        senkou_a[i] = (tenkan[i - period2] + kijun[i - period2]) / 2.0
        senkou_b[i] = slow[i - period2]
    return tenkan, kijun, senkou_a, senkou_b
