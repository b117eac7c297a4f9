"""Kernels of the volatility indicators (TRANGE, ATR, NATR).

Kernels write into ``out`` arrays the API allocates (see ``_inputs.empty``) and return them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.ta.nb.directional import _true_range
from signaltrust.ta.nb.overlap import nan_head


@njit(cache=True, error_model="numpy")
def trange(high, low, close, start, out):
    n = close.shape[0]
    nan_head(out, start + 1)
    for i in range(start + 1, n):
        # unsigned indexes: numba then skips its negative-index check and the loop vectorizes
        j = np.uint64(i)
        out[j] = _true_range(high[j], low[j], close[np.uint64(i - 1)])
    return out


@njit(cache=True, error_model="numpy")
def _wilder_atr(high, low, close, period, start, normalize, out):
    # one pass, one output array: the true ranges are not stored
    n = close.shape[0]
    first = start + period
    nan_head(out, first)
    if first >= n:
        return out
    total = 0.0
    for i in range(start + 1, first + 1):
        total += _true_range(high[i], low[i], close[i - 1])
    # the first ATR is the simple mean of the first `period` true ranges
    prev = total / period
    out[first] = (
        ((prev / close[first]) * 100.0 if close[first] != 0.0 else 0.0) if normalize else prev
    )
    # Wilder's step (prev * (period - 1) + tr) / period as two products: a division on the
    # dependency chain costs ~14 cycles a bar; this differs from it by a few ulp (TA-Lib's own
    # build reassociates it the same way)
    keep = (period - 1) / period
    weight = 1.0 / period
    for i in range(first + 1, n):
        j = np.uint64(i)
        tr = _true_range(high[j], low[j], close[np.uint64(i - 1)])
        prev = prev * keep + tr * weight
        if normalize:
            out[j] = (prev / close[j]) * 100.0 if close[j] != 0.0 else 0.0
        else:
            out[j] = prev
    return out


@njit(cache=True, error_model="numpy")
def atr(high, low, close, period, start, out):
    if period <= 1:
        return trange(high, low, close, start, out)
    return _wilder_atr(high, low, close, period, start, False, out)


@njit(cache=True, error_model="numpy")
def natr(high, low, close, period, start, out):
    if period <= 1:
        # TA-Lib returns the true range, not normalized, for a period of 1
        return trange(high, low, close, start, out)
    return _wilder_atr(high, low, close, period, start, True, out)
