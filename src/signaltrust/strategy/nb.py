"""Signal kernels of the built-in rule strategies (numba, arrays in and out).

Every kernel has the same signature so that a sweep can call any of them from one compiled,
parallel loop::

    kernel(open, high, low, close, volume, p, entries, exits, short_entries, short_exits)

``p`` is the float64 parameter vector in the strategy's declaration order (bools as 0/1); the
four bool arrays are written in full (every element). Each kernel is causal: element ``t``
reads inputs ``[0, t]`` only. Rolling statistics are kept as running sums with a count of
missing values, so memory is O(1) per kernel (O(window) for the Donchian channel) and a NaN
input only silences the windows that contain it.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def sma_cross_kernel(o, h, lo, c, v, p, entries, exits, short_entries, short_exits):  # noqa: ARG001
    """SMA(fast) crossing SMA(slow): long entry on a cross above, exit on a cross below."""
    fast = int(p[0])
    slow = int(p[1])
    allow_short = p[2] != 0.0
    n = c.shape[0]
    fsum = 0.0
    ssum = 0.0
    fnan = 0
    snan = 0
    prev = np.nan
    for t in range(n):
        x = c[t]
        if np.isnan(x):
            fnan += 1
            snan += 1
        else:
            fsum += x
            ssum += x
        if t >= fast:
            y = c[t - fast]
            if np.isnan(y):
                fnan -= 1
            else:
                fsum -= y
        if t >= slow:
            y = c[t - slow]
            if np.isnan(y):
                snan -= 1
            else:
                ssum -= y
        diff = np.nan
        if t >= slow - 1 and t >= fast - 1 and fnan == 0 and snan == 0:
            diff = fsum / fast - ssum / slow
        up = diff > 0.0 and prev <= 0.0
        down = diff < 0.0 and prev >= 0.0
        entries[t] = up
        exits[t] = down
        short_entries[t] = down and allow_short
        short_exits[t] = up and allow_short
        prev = diff


@njit(cache=True, nogil=True)
def bollinger_rsi_kernel(o, h, lo, c, v, p, entries, exits, short_entries, short_exits):  # noqa: ARG001
    """Long below the lower Bollinger band with RSI under ``rsi_entry``; exit at the middle band
    or RSI above ``rsi_exit`` (mirrored for shorts when allowed)."""
    period = int(p[0])
    nbdev = p[1]
    rsi_period = int(p[2])
    rsi_entry = p[3]
    rsi_exit = p[4]
    allow_short = p[5] != 0.0
    n = c.shape[0]
    total = 0.0
    total_sq = 0.0
    nans = 0
    # Wilder RSI seeded with the simple mean of the first rsi_period changes (TA-Lib's way).
    avg_gain = 0.0
    avg_loss = 0.0
    changes = 0
    for t in range(n):
        x = c[t]
        if np.isnan(x):
            nans += 1
        else:
            total += x
            total_sq += x * x
        if t >= period:
            y = c[t - period]
            if np.isnan(y):
                nans -= 1
            else:
                total -= y
                total_sq -= y * y
        rsi = np.nan
        if t > 0:
            d = x - c[t - 1]
            if np.isnan(d):
                changes = 0
                avg_gain = 0.0
                avg_loss = 0.0
            else:
                gain = d if d > 0.0 else 0.0
                loss = -d if d < 0.0 else 0.0
                changes += 1
                if changes <= rsi_period:
                    avg_gain += gain / rsi_period
                    avg_loss += loss / rsi_period
                else:
                    avg_gain = (avg_gain * (rsi_period - 1) + gain) / rsi_period
                    avg_loss = (avg_loss * (rsi_period - 1) + loss) / rsi_period
                if changes >= rsi_period:
                    s = avg_gain + avg_loss
                    rsi = 100.0 * avg_gain / s if s > 0.0 else 0.0
        long_in = False
        long_out = False
        short_in = False
        short_out = False
        if t >= period - 1 and nans == 0 and not np.isnan(rsi):
            mean = total / period
            var = total_sq / period - mean * mean
            std = np.sqrt(var) if var > 0.0 else 0.0
            long_in = x < mean - nbdev * std and rsi < rsi_entry
            long_out = x >= mean or rsi > rsi_exit
            if allow_short:
                short_in = x > mean + nbdev * std and rsi > 100.0 - rsi_entry
                short_out = x <= mean or rsi < 100.0 - rsi_exit
        entries[t] = long_in
        exits[t] = long_out
        short_entries[t] = short_in
        short_exits[t] = short_out


@njit(cache=True, nogil=True)
def _prior_extreme(x, window, out, is_max):
    """out[t] = max (or min) of x[t - window .. t - 1]; NaN before ``window`` bars or when the
    window holds a NaN. A monotonic deque keeps it O(n) with O(window) memory."""
    n = x.shape[0]
    dq = np.empty(window + 1, dtype=np.int64)  # ring buffer of indices
    head = 0
    size = 0
    last_nan = -1
    for t in range(n):
        # the window for t is [t - window, t - 1]; first drop indices that left it
        while size > 0 and dq[head] < t - window:
            head = (head + 1) % (window + 1)
            size -= 1
        if t >= window and last_nan < t - window:
            out[t] = x[dq[head]]
        else:
            out[t] = np.nan
        # then admit x[t] for the windows of later bars
        xt = x[t]
        if np.isnan(xt):
            last_nan = t
            size = 0
            continue
        while size > 0:
            tail = (head + size - 1) % (window + 1)
            if (is_max and x[dq[tail]] <= xt) or (not is_max and x[dq[tail]] >= xt):
                size -= 1
            else:
                break
        dq[(head + size) % (window + 1)] = t
        size += 1


@njit(cache=True, nogil=True)
def donchian_breakout_kernel(o, h, lo, c, v, p, entries, exits, short_entries, short_exits):  # noqa: ARG001
    """Long on a close above the prior ``entry_period``-bar high; exit on a close below the prior
    ``exit_period``-bar low (mirrored for shorts when allowed)."""
    entry_period = int(p[0])
    exit_period = int(p[1])
    allow_short = p[2] != 0.0
    n = c.shape[0]
    upper = np.empty(n)
    lower_exit = np.empty(n)
    _prior_extreme(h, entry_period, upper, True)
    _prior_extreme(lo, exit_period, lower_exit, False)
    if allow_short:
        lower = np.empty(n)
        upper_exit = np.empty(n)
        _prior_extreme(lo, entry_period, lower, False)
        _prior_extreme(h, exit_period, upper_exit, True)
    for t in range(n):
        x = c[t]
        entries[t] = x > upper[t]
        exits[t] = x < lower_exit[t]
        if allow_short:
            short_entries[t] = x < lower[t]
            short_exits[t] = x > upper_exit[t]
        else:
            short_entries[t] = False
            short_exits[t] = False


@njit(cache=True, nogil=True)
def ts_momentum_kernel(o, h, lo, c, v, p, entries, exits, short_entries, short_exits):  # noqa: ARG001
    """Every ``rebalance`` bars: long if the trailing ``lookback``-bar return exceeds
    ``threshold``, else flat (or short when allowed)."""
    lookback = int(p[0])
    rebalance = int(p[1])
    threshold = p[2]
    allow_short = p[3] != 0.0
    n = c.shape[0]
    for t in range(n):
        entries[t] = False
        exits[t] = False
        short_entries[t] = False
        short_exits[t] = False
        if t < lookback or (t - lookback) % rebalance != 0:
            continue
        ret = c[t] / c[t - lookback] - 1.0
        if np.isnan(ret):
            continue
        if ret > threshold:
            entries[t] = True
            short_exits[t] = allow_short
        else:
            exits[t] = True
            short_entries[t] = allow_short
