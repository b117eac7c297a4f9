"""Rolling-window kernels for the factor sets (numba, arrays in and out).

Every kernel looks at the trailing window ``x[t - window + 1 .. t]`` only, so a value at t never
depends on later data. A window that is not yet full, or that holds a missing value, gives NaN
(stricter than Qlib, whose operators accept partial windows). Each window is computed from its
own values, so the result at t is bit-for-bit the same whatever follows t.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _window_ok(x, start, stop):
    for i in range(start, stop):  # noqa: SIM110 - an explicit loop compiles to the fastest numba code
        if np.isnan(x[i]):
            return False
    return True


@njit(cache=True)
def rolling_sum(x, window):
    """Sum of the last ``window`` values."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for t in range(window - 1, n):
        total = 0.0
        for i in range(t - window + 1, t + 1):
            total += x[i]
        out[t] = total
    return out


@njit(cache=True)
def rolling_mean_std(x, window):
    """Mean and sample standard deviation (ddof=1) of the last ``window`` values."""
    n = x.shape[0]
    mean = np.full(n, np.nan)
    std = np.full(n, np.nan)
    for t in range(window - 1, n):
        start = t - window + 1
        total = 0.0
        for i in range(start, t + 1):
            total += x[i]
        m = total / window
        squares = 0.0
        for i in range(start, t + 1):
            squares += (x[i] - m) ** 2
        mean[t] = m
        if window > 1:
            std[t] = np.sqrt(squares / (window - 1))
    return mean, std


@njit(cache=True)
def rolling_regression(x, window):
    """Least-squares line of the last ``window`` values on time 0..window-1 ->
    (slope, R squared, residual of the last value)."""
    n = x.shape[0]
    slope = np.full(n, np.nan)
    rsq = np.full(n, np.nan)
    resid = np.full(n, np.nan)
    tm = (window - 1) / 2.0
    sxx = 0.0
    for k in range(window):
        sxx += (k - tm) ** 2
    for t in range(window - 1, n):
        start = t - window + 1
        if not _window_ok(x, start, t + 1):
            continue
        ym = 0.0
        for k in range(window):
            ym += x[start + k]
        ym /= window
        sxy = 0.0
        syy = 0.0
        for k in range(window):
            dy = x[start + k] - ym
            sxy += (k - tm) * dy
            syy += dy * dy
        b = sxy / sxx
        slope[t] = b
        rsq[t] = (sxy * sxy) / (sxx * syy) if syy > 0.0 else np.nan
        resid[t] = x[t] - (ym + b * ((window - 1) - tm))
    return slope, rsq, resid


@njit(cache=True)
def rolling_extremes(x, window, find_max):
    """Max (or min) of the last ``window`` values and its 1-based position from the oldest value
    of the window (the first occurrence on ties)."""
    n = x.shape[0]
    value = np.full(n, np.nan)
    position = np.full(n, np.nan)
    for t in range(window - 1, n):
        start = t - window + 1
        if not _window_ok(x, start, t + 1):
            continue
        best = x[start]
        where = 0
        for k in range(1, window):
            v = x[start + k]
            if (find_max and v > best) or ((not find_max) and v < best):
                best = v
                where = k
        value[t] = best
        position[t] = where + 1
    return value, position


@njit(cache=True)
def rolling_quantile(x, window, q):
    """The ``q`` quantile of the last ``window`` values, linear interpolation (pandas' default)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    pos = q * (window - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, window - 1)
    frac = pos - lo
    for t in range(window - 1, n):
        start = t - window + 1
        if not _window_ok(x, start, t + 1):
            continue
        ordered = np.sort(x[start : t + 1])
        out[t] = ordered[lo] + (ordered[hi] - ordered[lo]) * frac
    return out


@njit(cache=True)
def rolling_rank(x, window):
    """Percentile rank of the current value within the last ``window`` values, in (0, 1]:
    (count below + (count equal + 1) / 2) / window, ties at their average rank."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for t in range(window - 1, n):
        start = t - window + 1
        if not _window_ok(x, start, t + 1):
            continue
        below = 0
        equal = 0
        for i in range(start, t + 1):
            if x[i] < x[t]:
                below += 1
            elif x[i] == x[t]:
                equal += 1
        out[t] = (below + (equal + 1) / 2.0) / window
    return out


@njit(cache=True)
def rolling_corr(x, y, window):
    """Pearson correlation of the last ``window`` pairs; NaN when either side is flat."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    for t in range(window - 1, n):
        start = t - window + 1
        if not (_window_ok(x, start, t + 1) and _window_ok(y, start, t + 1)):
            continue
        xm = 0.0
        ym = 0.0
        for i in range(start, t + 1):
            xm += x[i]
            ym += y[i]
        xm /= window
        ym /= window
        sxy = 0.0
        sxx = 0.0
        syy = 0.0
        for i in range(start, t + 1):
            dx = x[i] - xm
            dy = y[i] - ym
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        if sxx > 0.0 and syy > 0.0:
            out[t] = sxy / np.sqrt(sxx * syy)
    return out
