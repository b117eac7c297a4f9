"""Numba kernels of the bars built from trades: arrays in, arrays out, no pandas.

Every bar kind decides where bars end (the position of each bar's last trade); one kernel then
aggregates the trades between two ends into open/high/low/close/volume/dollar volume/count.
A bar's end depends only on the trades up to it: the kernels are causal.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def tick_rule(price: np.ndarray) -> np.ndarray:
    """The tick rule: +1 after an uptick, -1 after a downtick, the previous sign when unchanged
    (0 until the price first moves)."""
    n = price.shape[0]
    out = np.zeros(n, dtype=np.int8)
    last = 0
    for i in range(1, n):
        d = price[i] - price[i - 1]
        if d > 0:
            last = 1
        elif d < 0:
            last = -1
        out[i] = last
    return out


@njit(cache=True, nogil=True)
def time_ends(ts: np.ndarray, period: int, origin: int) -> np.ndarray:
    """Positions of the last trade of each non-empty period ``[origin + k*period, ...)``."""
    n = ts.shape[0]
    out = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if i == n - 1 or (ts[i + 1] - origin) // period != (ts[i] - origin) // period:
            out[m] = i
            m += 1
    return out[:m]


@njit(cache=True, nogil=True)
def threshold_ends(amount: np.ndarray, threshold: float) -> np.ndarray:
    """Positions where the running sum of ``amount`` (trades, volume or dollars) since the last
    bar first reaches ``threshold``; the sum restarts at zero after each bar."""
    n = amount.shape[0]
    out = np.empty(n, dtype=np.int64)
    m = 0
    total = 0.0
    for i in range(n):
        total += amount[i]
        if total >= threshold:
            out[m] = i
            m += 1
            total = 0.0
    return out[:m]


@njit(cache=True, nogil=True)
def imbalance_ends(signed: np.ndarray, expected_ticks: float, alpha_bars: float,
                   alpha_ticks: float, min_ticks: float, max_ticks: float) -> np.ndarray:
    """López de Prado's imbalance bars: a bar ends when |sum of signed amounts| reaches
    E[T] * |E[b v]|; E[T] is an EWMA (``alpha_bars``) of past bar lengths, E[b v] an EWMA
    (``alpha_ticks``) of the signed amounts of past trades (both updated causally).

    Two guards against the known degeneracies: E[T] is held within [min_ticks, max_ticks], and
    |E[b v]| is floored at E[|v|] / sqrt(E[T]), the size a balanced (random) flow reaches in a
    bar of expected length; without it a balanced flow (E[b v] ~ 0) ends a bar at every trade.
    """
    n = signed.shape[0]
    out = np.empty(n, dtype=np.int64)
    m = 0
    theta = 0.0
    e_t = expected_ticks
    e_b = 0.0
    e_abs = 0.0
    start = 0
    for i in range(n):
        x = signed[i]
        theta += x
        if i == 0:
            e_b = x
            e_abs = abs(x)
        else:
            e_b += alpha_ticks * (x - e_b)
            e_abs += alpha_ticks * (abs(x) - e_abs)
        threshold = e_t * max(abs(e_b), e_abs / np.sqrt(e_t))
        if threshold > 0.0 and abs(theta) >= threshold:
            out[m] = i
            m += 1
            e_t = min(max(e_t + alpha_bars * ((i - start + 1) - e_t), min_ticks), max_ticks)
            start = i + 1
            theta = 0.0
    return out[:m]


@njit(cache=True, nogil=True)
def run_ends(sign: np.ndarray, amount: np.ndarray, expected_ticks: float, alpha_bars: float,
             alpha_ticks: float, min_ticks: float, max_ticks: float) -> np.ndarray:
    """López de Prado's run bars: a bar ends when max(buy amount, sell amount) within it reaches
    E[T] * max(P[b=1] E[v|b=1], (1 - P[b=1]) E[v|b=-1]), every expectation an EWMA of the past."""
    n = sign.shape[0]
    out = np.empty(n, dtype=np.int64)
    m = 0
    buys = 0.0
    sells = 0.0
    e_t = expected_ticks
    p_buy = 0.5
    v_buy = 0.0
    v_sell = 0.0
    start = 0
    for i in range(n):
        b = sign[i]
        v = amount[i]
        if b > 0:
            buys += v
            v_buy = v if v_buy == 0.0 else v_buy + alpha_ticks * (v - v_buy)
        elif b < 0:
            sells += v
            v_sell = v if v_sell == 0.0 else v_sell + alpha_ticks * (v - v_sell)
        if b != 0:
            p_buy = p_buy + alpha_ticks * ((1.0 if b > 0 else 0.0) - p_buy)
        threshold = e_t * max(p_buy * v_buy, (1.0 - p_buy) * v_sell)
        if threshold > 0.0 and max(buys, sells) >= threshold:
            out[m] = i
            m += 1
            e_t = min(max(e_t + alpha_bars * ((i - start + 1) - e_t), min_ticks), max_ticks)
            start = i + 1
            buys = 0.0
            sells = 0.0
    return out[:m]


@njit(cache=True, nogil=True)
def aggregate(ts: np.ndarray, price: np.ndarray, size: np.ndarray, ends: np.ndarray):
    """OHLC, volume, dollar volume, trade count, first and last trade time of each bar, the bar
    being the trades after the previous end up to and including its own."""
    m = ends.shape[0]
    o = np.empty(m)
    h = np.empty(m)
    lo = np.empty(m)
    c = np.empty(m)
    vol = np.empty(m)
    dollars = np.empty(m)
    count = np.empty(m, dtype=np.int64)
    first = np.empty(m, dtype=np.int64)
    last = np.empty(m, dtype=np.int64)
    start = 0
    for k in range(m):
        stop = ends[k] + 1
        hi = price[start]
        low = price[start]
        v = 0.0
        d = 0.0
        for i in range(start, stop):
            p = price[i]
            if p > hi:
                hi = p
            if p < low:
                low = p
            v += size[i]
            d += p * size[i]
        o[k] = price[start]
        h[k] = hi
        lo[k] = low
        c[k] = price[stop - 1]
        vol[k] = v
        dollars[k] = d
        count[k] = stop - start
        first[k] = ts[start]
        last[k] = ts[stop - 1]
        start = stop
    return o, h, lo, c, vol, dollars, count, first, last
