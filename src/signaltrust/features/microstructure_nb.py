"""Numba kernels of the microstructure features: arrays in, arrays out, causal loops."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def ofi_events(bid: np.ndarray, bid_size: np.ndarray, ask: np.ndarray,
               ask_size: np.ndarray) -> np.ndarray:
    """Cont, Kukanov and Stoikov's order-flow contribution of each quote update:
    e_n = 1{b_n >= b_n-1} q^b_n - 1{b_n <= b_n-1} q^b_n-1 - 1{a_n <= a_n-1} q^a_n
    + 1{a_n >= a_n-1} q^a_n-1 (0 for the first update)."""
    n = bid.shape[0]
    out = np.zeros(n)
    for i in range(1, n):
        e = 0.0
        if bid[i] >= bid[i - 1]:
            e += bid_size[i]
        if bid[i] <= bid[i - 1]:
            e -= bid_size[i - 1]
        if ask[i] <= ask[i - 1]:
            e -= ask_size[i]
        if ask[i] >= ask[i - 1]:
            e += ask_size[i - 1]
        out[i] = e
    return out


@njit(cache=True, nogil=True)
def volume_buckets(ts: np.ndarray, price: np.ndarray, size: np.ndarray, bucket: float):
    """Split the trades into buckets of exactly ``bucket`` volume (a trade that overflows a
    bucket is split across it and the next); each bucket's end time and closing price."""
    n = ts.shape[0]
    cap = int(size.sum() / bucket) + 2
    end_ts = np.empty(cap, dtype=np.int64)
    close = np.empty(cap)
    m = 0
    room = bucket
    tiny = bucket * 1e-12
    for i in range(n):
        q = size[i]
        while q > 0.0:
            take = q if q < room else room
            room -= take
            q -= take
            if room <= tiny:
                end_ts[m] = ts[i]
                close[m] = price[i]
                m += 1
                room = bucket
                if q <= tiny:
                    q = 0.0
    return end_ts[:m], close[:m]


@njit(cache=True, nogil=True)
def bvc_vpin(first_price: float, close: np.ndarray, window: int, sigma_window: int):
    """Bulk-volume classification and VPIN over buckets of equal volume: the buy fraction of
    bucket k is Phi(dP_k / sigma_k), sigma_k the standard deviation of the price changes of the
    ``sigma_window`` buckets up to k; VPIN_k the mean |buy - sell| / volume over the ``window``
    buckets up to k (NaN until there are that many)."""
    m = close.shape[0]
    dp = np.empty(m)
    buy = np.full(m, np.nan)
    vpin = np.full(m, np.nan)
    prev = first_price
    for k in range(m):
        dp[k] = close[k] - prev
        prev = close[k]
    s1 = 0.0
    s2 = 0.0
    imb = np.full(m, np.nan)
    for k in range(m):
        s1 += dp[k]
        s2 += dp[k] * dp[k]
        if k >= sigma_window:
            old = dp[k - sigma_window]
            s1 -= old
            s2 -= old * old
        count = min(k + 1, sigma_window)
        if count >= 2:
            var = (s2 - s1 * s1 / count) / (count - 1)
            if var > 0.0:
                z = dp[k] / math.sqrt(var)
                buy[k] = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
            else:
                buy[k] = 0.5
            imb[k] = abs(2.0 * buy[k] - 1.0)
    total = 0.0
    valid = 0
    for k in range(m):
        if not math.isnan(imb[k]):
            total += imb[k]
            valid += 1
        if k >= window and not math.isnan(imb[k - window]):
            total -= imb[k - window]
            valid -= 1
        if k >= window - 1 and valid == window:
            vpin[k] = total / window
    return dp, buy, vpin
