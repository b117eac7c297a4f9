"""Numba kernels of the labels: arrays in, arrays out, no pandas."""

from __future__ import annotations

import numpy as np
from numba import njit

NO_LABEL = 0
PROFIT_TAKING = 1
STOP_LOSS = 2
VERTICAL = 3


@njit(cache=True)
def triple_barrier_nb(
    close: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    use_range: bool,
    target: np.ndarray,
    side: np.ndarray,
    horizon: int,
    pt_mult: float,
    sl_mult: float,
    min_return: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First barrier touched after each bar: (end position or -1, side-adjusted return, code).

    Bars with no bet (side NaN or 0), no target (NaN) or a target below ``min_return`` get
    code NO_LABEL, and so do bars whose barriers are not touched before the data end.
    Returns are simple returns from ``close[i]``, multiplied by the side. With ``use_range``
    the barriers are tested against each bar's high and low; when one bar reaches both, the
    stop-loss is taken (adverse first), and a bar that gaps through a barrier counts at the
    traded price nearest to it.
    """
    n = close.shape[0]
    end = np.full(n, -1, dtype=np.int64)
    ret = np.full(n, np.nan)
    code = np.zeros(n, dtype=np.int8)
    for i in range(n):
        s = side[i]
        v = target[i]
        if np.isnan(s) or s == 0.0 or np.isnan(v) or v < min_return:
            continue
        pt = pt_mult * v if pt_mult > 0.0 else np.inf
        sl = sl_mult * v if sl_mult > 0.0 else np.inf
        c0 = close[i]
        last = min(i + horizon, n - 1)
        for j in range(i + 1, last + 1):
            if use_range:
                if s > 0.0:
                    best = high[j] / c0 - 1.0
                    worst = low[j] / c0 - 1.0
                else:
                    best = 1.0 - low[j] / c0
                    worst = 1.0 - high[j] / c0
                if worst <= -sl:
                    end[i] = j
                    ret[i] = min(-sl, best)
                    code[i] = STOP_LOSS
                    break
                if best >= pt:
                    end[i] = j
                    ret[i] = max(pt, worst)
                    code[i] = PROFIT_TAKING
                    break
            else:
                r = s * (close[j] / c0 - 1.0)
                if r <= -sl:
                    end[i] = j
                    ret[i] = r
                    code[i] = STOP_LOSS
                    break
                if r >= pt:
                    end[i] = j
                    ret[i] = r
                    code[i] = PROFIT_TAKING
                    break
        if code[i] == NO_LABEL and i + horizon <= n - 1:
            j = i + horizon
            end[i] = j
            ret[i] = s * (close[j] / c0 - 1.0)
            code[i] = VERTICAL
    return end, ret, code
