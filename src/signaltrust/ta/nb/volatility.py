"""Kernels of the volatility indicators (TRANGE, ATR, NATR)."""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.ta.nb.directional import _true_range


@njit(cache=True)
def trange(high, low, close, start):
    n = close.shape[0]
    out = np.full(n, np.nan)
    for i in range(start + 1, n):
        out[i] = _true_range(high[i], low[i], close[i - 1])
    return out


@njit(cache=True)
def atr(high, low, close, period, start):
    tr = trange(high, low, close, start)
    if period <= 1:
        return tr
    n = close.shape[0]
    out = np.full(n, np.nan)
    first = start + period
    if first >= n:
        return out
    # the first ATR is the simple mean of the first `period` true ranges, summed as TA-Lib's SMA does
    total = 0.0
    for i in range(start + 1, first):
        total += tr[i]
    total += tr[first]
    prev = total / period
    out[first] = prev
    for i in range(first + 1, n):
        prev *= period - 1
        prev += tr[i]
        prev /= period
        out[i] = prev
    return out


@njit(cache=True)
def natr(high, low, close, period, start):
    values = atr(high, low, close, period, start)
    if period <= 1:
        return values
    out = np.full(close.shape[0], np.nan)
    for i in range(start + period, close.shape[0]):
        out[i] = (values[i] / close[i]) * 100.0 if close[i] != 0.0 else 0.0
    return out
