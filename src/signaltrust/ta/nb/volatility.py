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
        # unsigned indexes: numba then skips its negative-index check and the loop vectorizes
        j = np.uint64(i)
        out[j] = _true_range(high[j], low[j], close[np.uint64(i - 1)])
    return out


@njit(cache=True)
def _wilder_atr(high, low, close, period, start, normalize):
    # one pass, one output array: the true ranges are not stored
    n = close.shape[0]
    out = np.full(n, np.nan)
    first = start + period
    total = 0.0
    prev = 0.0
    for i in range(start + 1, n):
        j = np.uint64(i)
        tr = _true_range(high[j], low[j], close[np.uint64(i - 1)])
        if i < first:
            total += tr
            continue
        if i == first:
            # the first ATR is the simple mean of the first `period` true ranges
            total += tr
            prev = total / period
        else:
            prev *= period - 1
            prev += tr
            prev /= period
        if normalize:
            out[j] = (prev / close[j]) * 100.0 if close[j] != 0.0 else 0.0
        else:
            out[j] = prev
    return out


@njit(cache=True)
def atr(high, low, close, period, start):
    if period <= 1:
        return trange(high, low, close, start)
    return _wilder_atr(high, low, close, period, start, False)


@njit(cache=True)
def natr(high, low, close, period, start):
    if period <= 1:
        # TA-Lib returns the true range, not normalized, for a period of 1
        return trange(high, low, close, start)
    return _wilder_atr(high, low, close, period, start, True)
