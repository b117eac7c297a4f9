"""Kernels of the moving averages and overlap studies (SMA, EMA, WMA, DEMA, TEMA, KAMA, TRIX, BBANDS, SAR)."""

from __future__ import annotations

import numpy as np
from numba import njit

# matype codes, as TA-Lib numbers them
MA_SMA, MA_EMA, MA_WMA, MA_DEMA, MA_TEMA, MA_TRIMA, MA_KAMA = 0, 1, 2, 3, 4, 5, 6


@njit(cache=True, error_model="numpy")
def _is_zero(v: float) -> bool:
    return -0.00000001 < v < 0.00000001


@njit(cache=True, error_model="numpy")
def sma(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
    first = start + period - 1
    if first >= n:
        return out
    total = 0.0
    for i in range(start, first):
        total += x[i]
    trailing = start
    for i in range(first, n):
        total += x[i]
        value = total
        total -= x[trailing]
        trailing += 1
        out[i] = value / period
    return out


@njit(cache=True, error_model="numpy")
def ema_seeded_at(x, period, seed_start, k):
    """EMA whose seed is the mean of x[seed_start:seed_start+period] (TA-Lib's default)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    first = seed_start + period - 1
    if first >= n:
        return out
    total = 0.0
    for i in range(seed_start, seed_start + period):
        total += x[i]
    prev = total / period
    out[first] = prev
    for i in range(first + 1, n):
        j = np.uint64(i)
        prev = ((x[j] - prev) * k) + prev
        out[j] = prev
    return out


@njit(cache=True, error_model="numpy")
def ema(x, period, start):
    return ema_seeded_at(x, period, start, 2.0 / (period + 1))


@njit(cache=True, error_model="numpy")
def wma(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
    first = start + period - 1
    if first >= n:
        return out
    if period == 1:
        out[start:] = x[start:]
        return out
    divider = (period * (period + 1)) >> 1
    period_sum = 0.0
    period_sub = 0.0
    weight = 1
    for i in range(start, first):
        value = x[i]
        period_sub += value
        period_sum += value * weight
        weight += 1
    trailing_value = 0.0
    trailing = start
    for i in range(first, n):
        value = x[i]
        period_sub += value
        period_sub -= trailing_value
        period_sum += value * period
        trailing_value = x[trailing]
        trailing += 1
        out[i] = period_sum / divider
        period_sum -= period_sub
    return out


DEMA_MODE, TEMA_MODE, TRIX_MODE = 0, 1, 2


@njit(cache=True, error_model="numpy")
def _ema_chain(x, period, start, mode):
    """DEMA, TEMA or TRIX in one pass over chained EMAs held in scalars.

    One pass and one output array: a large temporary per EMA would cost more in page faults
    than the arithmetic. Each EMA is seeded with the mean of its first `period` inputs, summed
    in the same order as `ema`, so the values are those of chaining `ema` three times.
    """
    n = x.shape[0]
    out = np.full(n, np.nan)
    k = 2.0 / (period + 1)
    first1 = start + period - 1
    first2 = first1 + period - 1
    first3 = first2 + period - 1
    sum1 = sum2 = sum3 = 0.0
    e1 = e2 = e3 = prev_e3 = 0.0
    for i in range(start, n):
        j = np.uint64(i)  # unsigned index: no negative-index check in the loop
        value = x[j]
        if i < first1:
            sum1 += value
            continue
        if i == first1:
            sum1 += value
            e1 = sum1 / period
        else:
            e1 = ((value - e1) * k) + e1
        if i < first2:
            sum2 += e1
            continue
        if i == first2:
            sum2 += e1
            e2 = sum2 / period
        else:
            e2 = ((e1 - e2) * k) + e2
        if mode == DEMA_MODE:
            out[j] = (2.0 * e1) - e2
            continue
        if i < first3:
            sum3 += e2
            continue
        prev_e3 = e3
        if i == first3:
            sum3 += e2
            e3 = sum3 / period
        else:
            e3 = ((e2 - e3) * k) + e3
        if mode == TEMA_MODE:
            out[j] = e3 + ((3.0 * e1) - (3.0 * e2))
        elif i > first3:
            out[j] = ((e3 / prev_e3) - 1.0) * 100.0 if prev_e3 != 0.0 else 0.0
    return out


@njit(cache=True, error_model="numpy")
def dema(x, period, start):
    return _ema_chain(x, period, start, DEMA_MODE)


@njit(cache=True, error_model="numpy")
def tema(x, period, start):
    return _ema_chain(x, period, start, TEMA_MODE)


@njit(cache=True, error_model="numpy")
def _kama_constant(sum_roc, period_roc):
    const_max = 2.0 / (30.0 + 1.0)
    const_diff = 2.0 / (2.0 + 1.0) - const_max
    if sum_roc <= period_roc or _is_zero(sum_roc):
        ratio = 1.0
    else:
        ratio = abs(period_roc / sum_roc)
    ratio = (ratio * const_diff) + const_max
    return ratio * ratio


@njit(cache=True, error_model="numpy")
def kama(x, period, start):
    n = x.shape[0]
    out = np.full(n, np.nan)
    first = start + period
    if first >= n:
        return out
    sum_roc = 0.0
    today = start
    for _ in range(period):
        sum_roc += abs(x[today] - x[today + 1])
        today += 1
    prev = x[today - 1]
    trailing = start
    period_roc = x[today] - x[trailing]
    trailing_value = x[trailing]
    trailing += 1
    prev = ((x[today] - prev) * _kama_constant(sum_roc, period_roc)) + prev
    out[today] = prev
    today += 1
    while today < n:
        value = x[today]
        value2 = x[trailing]
        trailing += 1
        period_roc = value - value2
        sum_roc -= abs(trailing_value - value2)
        sum_roc += abs(value - x[today - 1])
        trailing_value = value2
        prev = ((value - prev) * _kama_constant(sum_roc, period_roc)) + prev
        out[today] = prev
        today += 1
    return out


@njit(cache=True, error_model="numpy")
def trix(x, period, start):
    return _ema_chain(x, period, start, TRIX_MODE)


@njit(cache=True, error_model="numpy")
def ma_lookback(period, matype):
    if period == 1:
        return 0
    if matype == MA_DEMA:
        return 2 * (period - 1)
    if matype == MA_TEMA:
        return 3 * (period - 1)
    if matype == MA_KAMA:
        return period
    return period - 1


@njit(cache=True, error_model="numpy")
def ma(x, period, matype, start):
    """TA-Lib's MA: a period of 1 copies the input whatever the type."""
    if period == 1:
        out = np.full(x.shape[0], np.nan)
        out[start:] = x[start:]
        return out
    if matype == MA_EMA:
        return ema(x, period, start)
    if matype == MA_WMA:
        return wma(x, period, start)
    if matype == MA_DEMA:
        return dema(x, period, start)
    if matype == MA_TEMA:
        return tema(x, period, start)
    if matype == MA_KAMA:
        return kama(x, period, start)
    return sma(x, period, start)


@njit(cache=True, error_model="numpy")
def variance(x, period, first_out):
    """Population variance from running sums, outputs from first_out (TA-Lib's VAR)."""
    n = x.shape[0]
    out = np.full(n, np.nan)
    if first_out >= n:
        return out
    total1 = 0.0
    total2 = 0.0
    trailing = first_out - period + 1
    for i in range(trailing, first_out):
        total1 += x[i]
        total2 += x[i] * x[i]
    for i in range(first_out, n):
        value = x[i]
        total1 += value
        total2 += value * value
        mean1 = total1 / period
        mean2 = total2 / period
        value = x[trailing]
        trailing += 1
        total1 -= value
        total2 -= value * value
        out[i] = mean2 - mean1 * mean1
    return out


@njit(cache=True, error_model="numpy")
def _stddev_around(x, mean, period, first_out):
    n = x.shape[0]
    out = np.full(n, np.nan)
    if first_out >= n:
        return out
    start_sum = first_out + 1 - period
    total2 = 0.0
    for i in range(start_sum, first_out):
        total2 += x[i] * x[i]
    for i in range(first_out, n):
        total2 += x[i] * x[i]
        mean2 = total2 / period
        total2 -= x[start_sum] * x[start_sum]
        start_sum += 1
        mean2 -= mean[i] * mean[i]
        out[i] = np.sqrt(mean2) if mean2 >= 0.00000001 else 0.0
    return out


@njit(cache=True, error_model="numpy")
def bbands(x, period, nbdevup, nbdevdn, matype, start):
    n = x.shape[0]
    middle = ma(x, period, matype, start)
    first = start + ma_lookback(period, matype)
    if matype == MA_SMA:
        std = _stddev_around(x, middle, period, first)
    else:
        var = variance(x, period, first)
        std = np.full(n, np.nan)
        for i in range(first, n):
            std[i] = np.sqrt(var[i]) if var[i] >= 0.00000001 else 0.0
    upper = np.full(n, np.nan)
    lower = np.full(n, np.nan)
    for i in range(first, n):
        upper[i] = middle[i] + std[i] * nbdevup
        lower[i] = middle[i] - std[i] * nbdevdn
    return upper, middle, lower


@njit(cache=True, error_model="numpy")
def sar(high, low, acceleration, maximum, start):
    n = high.shape[0]
    out = np.full(n, np.nan)
    if start + 1 >= n:
        return out
    if acceleration > maximum:
        acceleration = maximum
    af = acceleration
    today = start + 1
    diff_p = high[today] - high[today - 1]
    diff_m = low[today - 1] - low[today]
    is_long = not (diff_m > 0 and diff_p < diff_m)
    if is_long:
        ep = high[today]
        sar_ = low[today - 1]
    else:
        ep = low[today]
        sar_ = high[today - 1]
    new_low = low[today]
    new_high = high[today]
    while today < n:
        prev_low = new_low
        prev_high = new_high
        new_low = low[today]
        new_high = high[today]
        if is_long:
            if new_low <= sar_:
                is_long = False
                sar_ = ep
                if sar_ < prev_high:
                    sar_ = prev_high
                if sar_ < new_high:
                    sar_ = new_high
                out[today] = sar_
                af = acceleration
                ep = new_low
                sar_ = sar_ + af * (ep - sar_)
                if sar_ < prev_high:
                    sar_ = prev_high
                if sar_ < new_high:
                    sar_ = new_high
            else:
                out[today] = sar_
                if new_high > ep:
                    ep = new_high
                    af += acceleration
                    if af > maximum:
                        af = maximum
                sar_ = sar_ + af * (ep - sar_)
                if sar_ > prev_low:
                    sar_ = prev_low
                if sar_ > new_low:
                    sar_ = new_low
        else:
            if new_high >= sar_:
                is_long = True
                sar_ = ep
                if sar_ > prev_low:
                    sar_ = prev_low
                if sar_ > new_low:
                    sar_ = new_low
                out[today] = sar_
                af = acceleration
                ep = new_high
                sar_ = sar_ + af * (ep - sar_)
                if sar_ > prev_low:
                    sar_ = prev_low
                if sar_ > new_low:
                    sar_ = new_low
            else:
                out[today] = sar_
                if new_low < ep:
                    ep = new_low
                    af += acceleration
                    if af > maximum:
                        af = maximum
                sar_ = sar_ + af * (ep - sar_)
                if sar_ < prev_high:
                    sar_ = prev_high
                if sar_ < new_high:
                    sar_ = new_high
        today += 1
    return out
