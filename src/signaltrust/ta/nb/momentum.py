"""Kernels of the momentum oscillators (RSI, MACD, STOCH, STOCHF, STOCHRSI, WILLR, CCI, ROC, MOM, AROON, ULTOSC)."""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.ta.nb.overlap import _is_zero, ma, ma_lookback, nan_head


@njit(cache=True, error_model="numpy")
def rsi(x, period, start, out):
    n = x.shape[0]
    nan_head(out, start + period)
    if start + period >= n:
        return out
    today = start
    prev_value = x[today]
    prev_gain = 0.0
    prev_loss = 0.0
    today += 1
    for _ in range(period):
        value = x[today]
        change = value - prev_value
        prev_value = value
        today += 1
        if change < 0:
            prev_loss -= change
        else:
            prev_gain += change
    prev_loss /= period
    prev_gain /= period
    total = prev_gain + prev_loss
    out[today - 1] = 100.0 * (prev_gain / total) if not _is_zero(total) else 0.0
    # Wilder's step (prev * (period - 1) + move) / period as two products: no division on the
    # dependency chain; a few ulp from the division form
    keep = (period - 1) / period
    weight = 1.0 / period
    for i in range(today, n):
        j = np.uint64(i)
        value = x[j]
        change = value - prev_value
        prev_value = value
        # written so that a NaN change propagates into the gain, as in TA-Lib
        loss = -change if change < 0.0 else 0.0
        gain = 0.0 if change < 0.0 else change
        prev_gain = prev_gain * keep + gain * weight
        prev_loss = prev_loss * keep + loss * weight
        total = prev_gain + prev_loss
        out[j] = 100.0 * (prev_gain / total) if not _is_zero(total) else 0.0
    return out


@njit(cache=True, error_model="numpy")
def macd(x, fastperiod, slowperiod, signalperiod, start, line, signal, hist):
    """Both EMAs, their difference and its signal EMA in one pass of scalars.

    TA-Lib seeds the fast EMA slowperiod - fastperiod bars later, so that both start on the same
    bar; each EMA is seeded by the mean of its first `period` inputs, summed in order.
    """
    if slowperiod < fastperiod:
        fastperiod, slowperiod = slowperiod, fastperiod
    n = x.shape[0]
    k_slow = 2.0 / (slowperiod + 1)
    k_fast = 2.0 / (fastperiod + 1)
    k_signal = 2.0 / (signalperiod + 1)
    line_start = start + slowperiod - 1
    fast_start = line_start - fastperiod + 1
    first = line_start + signalperiod - 1
    nan_head(line, first)
    nan_head(signal, first)
    nan_head(hist, first)
    slow_sum = fast_sum = signal_sum = 0.0
    slow = fast = sig = 0.0
    for i in range(start, min(first + 1, n)):
        value = x[i]
        slow_sum += value
        if i >= fast_start:
            fast_sum += value
        if i < line_start:
            continue
        if i == line_start:
            slow = slow_sum / slowperiod
            fast = fast_sum / fastperiod
        else:
            slow = ((value - slow) * k_slow) + slow
            fast = ((value - fast) * k_fast) + fast
        difference = fast - slow
        signal_sum += difference
        if i == first:
            sig = signal_sum / signalperiod
            line[i] = difference
            signal[i] = sig
            hist[i] = difference - sig
    for i in range(first + 1, n):
        j = np.uint64(i)
        value = x[j]
        slow = ((value - slow) * k_slow) + slow
        fast = ((value - fast) * k_fast) + fast
        difference = fast - slow
        sig = ((difference - sig) * k_signal) + sig
        line[j] = difference
        signal[j] = sig
        hist[j] = difference - sig
    return line, signal, hist


@njit(cache=True, error_model="numpy")
def fast_k(high, low, close, period, start, out):
    n = close.shape[0]
    first = start + period - 1
    nan_head(out, first)
    highest_idx = -1
    lowest_idx = -1
    highest = 0.0
    lowest = 0.0
    for today in range(first, n):
        trailing = today - period + 1
        value = low[today]
        if lowest_idx < trailing:
            lowest_idx = trailing
            lowest = low[trailing]
            for i in range(trailing + 1, today + 1):
                if low[i] < lowest:
                    lowest_idx = i
                    lowest = low[i]
        elif value <= lowest:
            lowest_idx = today
            lowest = value
        value = high[today]
        if highest_idx < trailing:
            highest_idx = trailing
            highest = high[trailing]
            for i in range(trailing + 1, today + 1):
                if high[i] > highest:
                    highest_idx = i
                    highest = high[i]
        elif value >= highest:
            highest_idx = today
            highest = value
        diff = (highest - lowest) / 100.0
        out[today] = (close[today] - lowest) / diff if diff != 0.0 else 0.0
    return out


@njit(cache=True, error_model="numpy")
def stoch(
    high,
    low,
    close,
    fastk_period,
    slowk_period,
    slowk_matype,
    slowd_period,
    slowd_matype,
    start,
    slowk,
    slowd,
):
    # fast %K goes into slowd, which is free until the last step: no third large array
    k = fast_k(high, low, close, fastk_period, start, slowd)
    k_start = start + fastk_period - 1
    ma(k, slowk_period, slowk_matype, k_start, slowk)
    d_start = k_start + ma_lookback(slowk_period, slowk_matype)
    ma(slowk, slowd_period, slowd_matype, d_start, slowd)
    nan_head(slowk, d_start + ma_lookback(slowd_period, slowd_matype))
    return slowk, slowd


@njit(cache=True, error_model="numpy")
def stochf(high, low, close, fastk_period, fastd_period, fastd_matype, start, k, d):
    fast_k(high, low, close, fastk_period, start, k)
    k_start = start + fastk_period - 1
    ma(k, fastd_period, fastd_matype, k_start, d)
    nan_head(k, k_start + ma_lookback(fastd_period, fastd_matype))
    return k, d


@njit(cache=True, error_model="numpy")
def stochrsi(x, period, fastk_period, fastd_period, fastd_matype, start, k, d):
    # the RSI goes into d, free until STOCHF's last step reads %K and overwrites it
    r = rsi(x, period, start, d)
    return stochf(r, r, r, fastk_period, fastd_period, fastd_matype, start + period, k, d)


@njit(cache=True, error_model="numpy")
def willr(high, low, close, period, start, out):
    """Williams' %R with the window extremes of van Herk and Gil-Werman: no data-dependent branch.

    The bars are cut into blocks of `period` from `start`; a window is the suffix of one block and
    the prefix of the next, so its highest and lowest are those of the suffix's and the prefix's
    extremes (kept in a small buffer and two scalars). The extremes are the same values TA-Lib
    finds by rescanning, so the results are identical.
    """
    n = close.shape[0]
    first = start + period - 1
    nan_head(out, first)
    if first >= n:
        return out
    suffix_low = np.empty(period + 1)
    suffix_high = np.empty(period + 1)
    suffix_low[period] = np.inf
    suffix_high[period] = -np.inf
    block = start
    while block < n:
        if block > start:
            lowest = np.inf
            highest = -np.inf
            for k in range(period - 1, -1, -1):
                value = low[block - period + k]
                lowest = value if value < lowest else lowest
                value = high[block - period + k]
                highest = value if value > highest else highest
                suffix_low[k] = lowest
                suffix_high[k] = highest
        prefix_low = np.inf
        prefix_high = -np.inf
        end = min(block + period, n)
        for i in range(block, end):
            value = low[i]
            prefix_low = value if value < prefix_low else prefix_low
            value = high[i]
            prefix_high = value if value > prefix_high else prefix_high
            if i >= first:
                slot = i - block + 1
                lowest = suffix_low[slot] if suffix_low[slot] < prefix_low else prefix_low
                highest = suffix_high[slot] if suffix_high[slot] > prefix_high else prefix_high
                diff = (highest - lowest) / (-100.0)
                out[i] = (highest - close[i]) / diff if diff != 0.0 else 0.0
        block = end
    return out


@njit(cache=True, error_model="numpy")
def cci(high, low, close, period, start, out):
    n = close.shape[0]
    first = start + period - 1
    nan_head(out, first)
    if first >= n:
        return out
    # TA-Lib's circular buffer: bar t sits in slot (t - start) % period and the sums run over the
    # slots in order, so the rounding is the same; the buffer stays in L1, no modulo in the loops
    window = np.empty(period)
    slot = 0
    for i in range(start, first):
        window[slot] = (high[i] + low[i] + close[i]) / 3
        slot += 1
    for i in range(first, n):
        typical = (high[i] + low[i] + close[i]) / 3
        window[slot] = typical
        slot = slot + 1 if slot + 1 < period else 0
        average = 0.0
        for k in range(period):
            average += window[k]
        average /= period
        deviation = 0.0
        for k in range(period):
            deviation += abs(window[k] - average)
        value = typical - average
        if value != 0.0 and deviation != 0.0:
            out[i] = value / (0.015 * (deviation / period))
        else:
            out[i] = 0.0
    return out


@njit(cache=True, error_model="numpy")
def roc(x, period, start, out):
    n = x.shape[0]
    nan_head(out, start + period)
    for i in range(start + period, n):
        j = np.uint64(i)
        prev = x[np.uint64(i - period)]
        out[j] = ((x[j] / prev) - 1.0) * 100.0 if prev != 0.0 else 0.0
    return out


@njit(cache=True, error_model="numpy")
def mom(x, period, start, out):
    n = x.shape[0]
    nan_head(out, start + period)
    for i in range(start + period, n):
        out[np.uint64(i)] = x[np.uint64(i)] - x[np.uint64(i - period)]
    return out


@njit(cache=True, error_model="numpy")
def aroon(high, low, period, start, down, up):
    n = high.shape[0]
    nan_head(down, start + period)
    nan_head(up, start + period)
    factor = 100.0 / period
    highest_idx = -1
    lowest_idx = -1
    highest = 0.0
    lowest = 0.0
    for today in range(start + period, n):
        trailing = today - period
        value = low[today]
        if lowest_idx < trailing:
            lowest_idx = trailing
            lowest = low[trailing]
            for i in range(trailing + 1, today + 1):
                if low[i] <= lowest:
                    lowest_idx = i
                    lowest = low[i]
        elif value <= lowest:
            lowest_idx = today
            lowest = value
        value = high[today]
        if highest_idx < trailing:
            highest_idx = trailing
            highest = high[trailing]
            for i in range(trailing + 1, today + 1):
                if high[i] >= highest:
                    highest_idx = i
                    highest = high[i]
        elif value >= highest:
            highest_idx = today
            highest = value
        up[today] = factor * (period - (today - highest_idx))
        down[today] = factor * (period - (today - lowest_idx))
    return down, up


@njit(cache=True, error_model="numpy")
def _ultosc_terms(high, low, close, day):
    prev_close = close[day - 1]
    true_low = min(low[day], prev_close)
    close_minus_true_low = close[day] - true_low
    true_range = high[day] - low[day]
    value = abs(prev_close - high[day])
    if value > true_range:
        true_range = value
    value = abs(prev_close - low[day])
    if value > true_range:
        true_range = value
    return close_minus_true_low, true_range


@njit(cache=True, error_model="numpy")
def ultosc(high, low, close, timeperiod1, timeperiod2, timeperiod3, start, out):
    n = close.shape[0]
    p1 = min(timeperiod1, timeperiod2, timeperiod3)
    p3 = max(timeperiod1, timeperiod2, timeperiod3)
    p2 = timeperiod1 + timeperiod2 + timeperiod3 - p1 - p3
    first = start + p3
    nan_head(out, first)
    if first >= n:
        return out
    # the terms of the last p3 bars, in a ring: each bar's terms are computed once (TA-Lib
    # recomputes them as they leave each window; the values are the same)
    ring_a = np.empty(p3)
    ring_b = np.empty(p3)
    for i in range(first - p3 + 1, first):
        a, b = _ultosc_terms(high, low, close, i)
        ring_a[i % p3] = a
        ring_b[i % p3] = b
    a1 = b1 = a2 = b2 = a3 = b3 = 0.0
    for i in range(first - p1 + 1, first):
        a1 += ring_a[i % p3]
        b1 += ring_b[i % p3]
    for i in range(first - p2 + 1, first):
        a2 += ring_a[i % p3]
        b2 += ring_b[i % p3]
    for i in range(first - p3 + 1, first):
        a3 += ring_a[i % p3]
        b3 += ring_b[i % p3]
    slot = first % p3  # the slot of bar `today`; today - p + 1 sits p - 1 slots before it
    off1 = p3 - p1 + 1
    off2 = p3 - p2 + 1
    for today in range(first, n):
        a, b = _ultosc_terms(high, low, close, today)
        ring_a[slot] = a
        ring_b[slot] = b
        a1 += a
        a2 += a
        a3 += a
        b1 += b
        b2 += b
        b3 += b
        value = 0.0
        if not _is_zero(b1):
            value += 4.0 * (a1 / b1)
        if not _is_zero(b2):
            value += 2.0 * (a2 / b2)
        if not _is_zero(b3):
            value += a3 / b3
        old = slot + off1 if slot + off1 < p3 else slot + off1 - p3
        a1 -= ring_a[old]
        b1 -= ring_b[old]
        old = slot + off2 if slot + off2 < p3 else slot + off2 - p3
        a2 -= ring_a[old]
        b2 -= ring_b[old]
        old = slot + 1 if slot + 1 < p3 else 0
        a3 -= ring_a[old]
        b3 -= ring_b[old]
        out[today] = 100.0 * (value / 7.0)
        slot = slot + 1 if slot + 1 < p3 else 0
    return out
