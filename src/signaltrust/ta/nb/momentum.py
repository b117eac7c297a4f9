"""Kernels of the momentum oscillators (RSI, MACD, STOCH, STOCHF, STOCHRSI, WILLR, CCI, ROC, MOM, AROON, ULTOSC)."""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.ta.nb.overlap import _is_zero, ema_seeded_at, ma, ma_lookback


@njit(cache=True, error_model="numpy")
def rsi(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
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
    while today < n:
        value = x[today]
        change = value - prev_value
        prev_value = value
        prev_loss *= period - 1
        prev_gain *= period - 1
        if change < 0:
            prev_loss -= change
        else:
            prev_gain += change
        prev_loss /= period
        prev_gain /= period
        total = prev_gain + prev_loss
        out[today] = 100.0 * (prev_gain / total) if not _is_zero(total) else 0.0
        today += 1
    return out


@njit(cache=True, error_model="numpy")
def macd(x, fastperiod, slowperiod, signalperiod, start):
    if slowperiod < fastperiod:
        fastperiod, slowperiod = slowperiod, fastperiod
    n = x.shape[0]
    # TA-Lib seeds the fast EMA later so that both EMAs start on the same bar
    slow = ema_seeded_at(x, slowperiod, start, 2.0 / (slowperiod + 1))
    fast = ema_seeded_at(x, fastperiod, start + slowperiod - fastperiod, 2.0 / (fastperiod + 1))
    line = np.full(n, np.nan)
    for i in range(start + slowperiod - 1, n):
        j = np.uint64(i)  # unsigned index: no wraparound check
        line[j] = fast[j] - slow[j]
    signal = ema_seeded_at(line, signalperiod, start + slowperiod - 1, 2.0 / (signalperiod + 1))
    first = start + slowperiod - 1 + signalperiod - 1
    hist = np.full(n, np.nan)
    line[: min(first, n)] = np.nan
    for i in range(first, n):
        j = np.uint64(i)
        hist[j] = line[j] - signal[j]
    return line, signal, hist


@njit(cache=True, error_model="numpy")
def fast_k(high, low, close, period, start):
    n = close.shape[0]
    out = np.full(n, np.nan)
    first = start + period - 1
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
    high, low, close, fastk_period, slowk_period, slowk_matype, slowd_period, slowd_matype, start
):
    k = fast_k(high, low, close, fastk_period, start)
    k_start = start + fastk_period - 1
    slowk = ma(k, slowk_period, slowk_matype, k_start)
    d_start = k_start + ma_lookback(slowk_period, slowk_matype)
    slowd = ma(slowk, slowd_period, slowd_matype, d_start)
    first = d_start + ma_lookback(slowd_period, slowd_matype)
    slowk[: min(first, slowk.shape[0])] = np.nan
    return slowk, slowd


@njit(cache=True, error_model="numpy")
def stochf(high, low, close, fastk_period, fastd_period, fastd_matype, start):
    k = fast_k(high, low, close, fastk_period, start)
    k_start = start + fastk_period - 1
    d = ma(k, fastd_period, fastd_matype, k_start)
    first = k_start + ma_lookback(fastd_period, fastd_matype)
    k[: min(first, k.shape[0])] = np.nan
    return k, d


@njit(cache=True, error_model="numpy")
def stochrsi(x, period, fastk_period, fastd_period, fastd_matype, start):
    r = rsi(x, period, start)
    return stochf(r, r, r, fastk_period, fastd_period, fastd_matype, start + period)


@njit(cache=True, error_model="numpy")
def willr(high, low, close, period, start):
    n = close.shape[0]
    out = np.full(n, np.nan)
    highest_idx = -1
    lowest_idx = -1
    highest = 0.0
    lowest = 0.0
    for today in range(start + period - 1, n):
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
        diff = (highest - lowest) / (-100.0)
        out[today] = (highest - close[today]) / diff if diff != 0.0 else 0.0
    return out


@njit(cache=True, error_model="numpy")
def cci(high, low, close, period, start):
    n = close.shape[0]
    out = np.full(n, np.nan)
    typical = np.empty(n)
    for i in range(start, n):
        typical[i] = (high[i] + low[i] + close[i]) / 3
    for i in range(start + period - 1, n):
        # sum in the order of TA-Lib's circular buffer, so the rounding is the same
        average = 0.0
        for j in range(period):
            average += typical[i - ((i - start - j) % period)]
        average /= period
        deviation = 0.0
        for j in range(period):
            deviation += abs(typical[i - ((i - start - j) % period)] - average)
        value = typical[i] - average
        if value != 0.0 and deviation != 0.0:
            out[i] = value / (0.015 * (deviation / period))
        else:
            out[i] = 0.0
    return out


@njit(cache=True, error_model="numpy")
def roc(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(start + period, n):
        j = np.uint64(i)
        prev = x[np.uint64(i - period)]
        out[j] = ((x[j] / prev) - 1.0) * 100.0 if prev != 0.0 else 0.0
    return out


@njit(cache=True, error_model="numpy")
def mom(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
    for i in range(start + period, n):
        out[np.uint64(i)] = x[np.uint64(i)] - x[np.uint64(i - period)]
    return out


@njit(cache=True, error_model="numpy")
def aroon(high, low, period, start):
    n = high.shape[0]
    down = np.full(n, np.nan)
    up = np.full(n, np.nan)
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
def ultosc(high, low, close, timeperiod1, timeperiod2, timeperiod3, start):
    n = close.shape[0]
    out = np.full(n, np.nan)
    periods = np.sort(np.array([timeperiod1, timeperiod2, timeperiod3]))
    p1, p2, p3 = periods[0], periods[1], periods[2]
    first = start + p3
    if first >= n:
        return out
    a1 = b1 = a2 = b2 = a3 = b3 = 0.0
    for i in range(first - p1 + 1, first):
        a, b = _ultosc_terms(high, low, close, i)
        a1 += a
        b1 += b
    for i in range(first - p2 + 1, first):
        a, b = _ultosc_terms(high, low, close, i)
        a2 += a
        b2 += b
    for i in range(first - p3 + 1, first):
        a, b = _ultosc_terms(high, low, close, i)
        a3 += a
        b3 += b
    for today in range(first, n):
        a, b = _ultosc_terms(high, low, close, today)
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
        a, b = _ultosc_terms(high, low, close, today - p1 + 1)
        a1 -= a
        b1 -= b
        a, b = _ultosc_terms(high, low, close, today - p2 + 1)
        a2 -= a
        b2 -= b
        a, b = _ultosc_terms(high, low, close, today - p3 + 1)
        a3 -= a
        b3 -= b
        out[today] = 100.0 * (value / 7.0)
    return out
