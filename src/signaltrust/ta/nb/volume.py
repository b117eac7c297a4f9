"""Kernels of the volume indicators (OBV, AD, ADOSC, MFI)."""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.ta.nb.overlap import _is_zero, nan_head


@njit(cache=True, error_model="numpy")
def obv(close, volume, start, out):
    n = close.shape[0]
    nan_head(out, start)
    if start >= n:
        return out
    prev_obv = volume[start]
    prev_close = close[start]
    for i in range(start, n):
        value = close[i]
        if value > prev_close:
            prev_obv += volume[i]
        elif value < prev_close:
            prev_obv -= volume[i]
        out[i] = prev_obv
        prev_close = value
    return out


@njit(cache=True, error_model="numpy")
def _ad_step(high, low, close, volume, ad):
    # scalars only: passing the arrays would cost reference counting on every bar
    spread = high - low
    if spread > 0.0:
        ad += (((close - low) - (high - close)) / spread) * volume
    return ad


@njit(cache=True, error_model="numpy")
def ad(high, low, close, volume, start, out):
    n = close.shape[0]
    nan_head(out, start)
    value = 0.0
    for i in range(start, n):
        j = np.uint64(i)  # unsigned index: no negative-index wraparound check
        value = _ad_step(high[j], low[j], close[j], volume[j], value)
        out[j] = value
    return out


@njit(cache=True, error_model="numpy")
def adosc(high, low, close, volume, fastperiod, slowperiod, start, out):
    n = close.shape[0]
    first = start + max(fastperiod, slowperiod) - 1
    nan_head(out, first)
    if first >= n:
        return out
    fast_k = 2.0 / (fastperiod + 1)
    slow_k = 2.0 / (slowperiod + 1)
    value = _ad_step(high[start], low[start], close[start], volume[start], 0.0)
    fast = value
    slow = value
    for i in range(start + 1, n):
        j = np.uint64(i)
        value = _ad_step(high[j], low[j], close[j], volume[j], value)
        fast = (fast_k * value) + ((1.0 - fast_k) * fast)
        slow = (slow_k * value) + ((1.0 - slow_k) * slow)
        if i >= first:
            out[j] = fast - slow
    if first == start:
        out[start] = 0.0
    return out


@njit(cache=True, error_model="numpy")
def mfi(high, low, close, volume, period, start, out):
    n = close.shape[0]
    nan_head(out, start + period)
    if start + period >= n:
        return out
    positive = np.zeros(period)
    negative = np.zeros(period)
    slot = 0
    today = start
    prev_value = (high[today] + low[today] + close[today]) / 3.0
    pos_sum = 0.0
    neg_sum = 0.0
    today += 1
    for _ in range(period):
        typical = (high[today] + low[today] + close[today]) / 3.0
        change = typical - prev_value
        prev_value = typical
        flow = typical * volume[today]
        today += 1
        positive[slot] = 0.0
        negative[slot] = 0.0
        # TA-Lib counts a change within 1e-8 of zero as no change
        if _is_zero(change):
            pass
        elif change < 0:
            negative[slot] = flow
            neg_sum += flow
        else:
            positive[slot] = flow
            pos_sum += flow
        slot = (slot + 1) % period
    total = pos_sum + neg_sum
    out[today - 1] = 0.0 if total < 1.0 else 100.0 * (pos_sum / total)
    while today < n:
        pos_sum -= positive[slot]
        neg_sum -= negative[slot]
        typical = (high[today] + low[today] + close[today]) / 3.0
        change = typical - prev_value
        prev_value = typical
        flow = typical * volume[today]
        positive[slot] = 0.0
        negative[slot] = 0.0
        # TA-Lib counts a change within 1e-8 of zero as no change
        if _is_zero(change):
            pass
        elif change < 0:
            negative[slot] = flow
            neg_sum += flow
        else:
            positive[slot] = flow
            pos_sum += flow
        total = pos_sum + neg_sum
        out[today] = 0.0 if total < 1.0 else 100.0 * (pos_sum / total)
        slot = (slot + 1) % period
        today += 1
    return out
