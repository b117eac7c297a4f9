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
def nan_head(out, first):
    """NaN over the warm-up out[:first] only: the kernel then writes every later value once."""
    for i in range(min(max(first, 0), out.shape[0])):
        out[i] = np.nan


@njit(cache=True, error_model="numpy")
def sma(x, period, start, out):
    n = x.shape[0]
    first = start + period - 1
    nan_head(out, first)
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
def ema_seeded_at(x, period, seed_start, k, out):
    """EMA whose seed is the mean of x[seed_start:seed_start+period] (TA-Lib's default)."""
    n = x.shape[0]
    first = seed_start + period - 1
    nan_head(out, first)
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
def ema(x, period, start, out):
    return ema_seeded_at(x, period, start, 2.0 / (period + 1), out)


@njit(cache=True, error_model="numpy")
def wma(x, period, start, out):
    n = x.shape[0]
    first = start + period - 1
    nan_head(out, first)
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
def _ema_chain(x, period, start, mode, out):
    """DEMA, TEMA or TRIX in one pass over chained EMAs held in scalars.

    One pass and one output array: a large temporary per EMA would cost more in page faults
    than the arithmetic. Each EMA is seeded with the mean of its first `period` inputs, summed
    in the same order as `ema`, so the values are those of chaining `ema` three times.
    """
    n = x.shape[0]
    k = 2.0 / (period + 1)
    first1 = start + period - 1
    first2 = first1 + period - 1
    first3 = first2 + period - 1
    nan_head(out, first2 if mode == DEMA_MODE else first3 if mode == TEMA_MODE else first3 + 1)
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
def dema(x, period, start, out):
    return _ema_chain(x, period, start, DEMA_MODE, out)


@njit(cache=True, error_model="numpy")
def tema(x, period, start, out):
    return _ema_chain(x, period, start, TEMA_MODE, out)


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
def kama(x, period, start, out):
    n = x.shape[0]
    first = start + period
    nan_head(out, first)
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
def trix(x, period, start, out):
    return _ema_chain(x, period, start, TRIX_MODE, out)


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
def ma(x, period, matype, start, out):
    """TA-Lib's MA: a period of 1 copies the input whatever the type."""
    if period == 1:
        nan_head(out, start)
        out[start:] = x[start:]
        return out
    if matype == MA_EMA:
        return ema(x, period, start, out)
    if matype == MA_WMA:
        return wma(x, period, start, out)
    if matype == MA_DEMA:
        return dema(x, period, start, out)
    if matype == MA_TEMA:
        return tema(x, period, start, out)
    if matype == MA_KAMA:
        return kama(x, period, start, out)
    return sma(x, period, start, out)


@njit(cache=True, error_model="numpy")
def _band(mean, mean2, nbdevup, nbdevdn, upper, middle, lower, i):
    # TA-Lib clamps a variance below 1e-8 (rounding noise) to a zero deviation
    std = np.sqrt(mean2) if mean2 >= 0.00000001 else 0.0
    middle[i] = mean
    upper[i] = mean + std * nbdevup
    lower[i] = mean - std * nbdevdn


@njit(cache=True, error_model="numpy")
def bbands(x, period, nbdevup, nbdevdn, matype, start, upper, middle, lower):
    """Bands in one pass: the sums of the mean and of the squares are running scalars.

    With an SMA middle both sums follow TA-Lib's SMA and STDDEV operation by operation; with
    another middle the variance is TA-Lib's VAR from running sums over the same window.
    """
    n = x.shape[0]
    first = start + ma_lookback(period, matype)
    nan_head(upper, first)
    nan_head(lower, first)
    if matype == MA_SMA:
        nan_head(middle, first)
    else:
        ma(x, period, matype, start, middle)
    if first >= n:
        return upper, middle, lower
    total = 0.0
    total2 = 0.0
    trailing = first - period + 1
    for i in range(trailing, first):
        total += x[i]
        total2 += x[i] * x[i]
    for i in range(first, n):
        value = x[i]
        total += value
        total2 += value * value
        mean = total / period
        mean2 = total2 / period
        old = x[trailing]
        trailing += 1
        total -= old
        total2 -= old * old
        if matype == MA_SMA:
            mean2 -= mean * mean
            _band(mean, mean2, nbdevup, nbdevdn, upper, middle, lower, i)
        else:
            _band(middle[i], mean2 - mean * mean, nbdevup, nbdevdn, upper, middle, lower, i)
    return upper, middle, lower


@njit(cache=True, error_model="numpy")
def sar(high, low, acceleration, maximum, start, out):
    n = high.shape[0]
    nan_head(out, start + 1)
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
