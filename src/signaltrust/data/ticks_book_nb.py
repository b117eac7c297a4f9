"""Numba kernel that replays L2 book messages into the best levels after each message.

Each side is a sorted array (bids highest first, asks lowest first) updated in place: a
binary search finds the price, a removal or an insertion shifts the levels behind it. The
capacity is the number of rows of that side, the most levels it can ever hold.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _find(prices: np.ndarray, count: int, price: float, descending: bool) -> int:
    """Position of ``price`` in the first ``count`` sorted prices, or where it would go."""
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) // 2
        before = prices[mid] > price if descending else prices[mid] < price
        if before:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _set(prices: np.ndarray, sizes: np.ndarray, count: int, price: float, size: float,
         descending: bool) -> int:
    at = _find(prices, count, price, descending)
    found = at < count and prices[at] == price
    if size == 0.0:
        if found:
            for k in range(at, count - 1):
                prices[k] = prices[k + 1]
                sizes[k] = sizes[k + 1]
            return count - 1
        return count
    if found:
        sizes[at] = size
        return count
    for k in range(count, at, -1):
        prices[k] = prices[k - 1]
        sizes[k] = sizes[k - 1]
    prices[at] = price
    sizes[at] = size
    return count + 1


@njit(cache=True, nogil=True)
def replay_levels(starts: np.ndarray, side: np.ndarray, price: np.ndarray, size: np.ndarray,
                  snapshot: np.ndarray, depth: int) -> np.ndarray:
    """One row per message (``starts``: first row of each message, then the end): bid prices,
    bid sizes, ask prices, ask sizes of the best ``depth`` levels (NaN where thinner)."""
    n_bid = max(1, int((side > 0).sum()))
    n_ask = max(1, int((side <= 0).sum()))
    bid_p, bid_s = np.empty(n_bid), np.empty(n_bid)
    ask_p, ask_s = np.empty(n_ask), np.empty(n_ask)
    nb = na = 0
    m = starts.shape[0] - 1
    out = np.full((m, 4 * depth), np.nan)
    for k in range(m):
        a, b = starts[k], starts[k + 1]
        if snapshot[a]:
            nb = na = 0
        for i in range(a, b):
            if side[i] > 0:
                nb = _set(bid_p, bid_s, nb, price[i], size[i], True)
            else:
                na = _set(ask_p, ask_s, na, price[i], size[i], False)
        for j in range(min(depth, nb)):
            out[k, j] = bid_p[j]
            out[k, depth + j] = bid_s[j]
        for j in range(min(depth, na)):
            out[k, 2 * depth + j] = ask_p[j]
            out[k, 3 * depth + j] = ask_s[j]
    return out
