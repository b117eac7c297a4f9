"""Kernels of Wilder's directional movement system (PLUS_DI, MINUS_DI, DX, ADX), as TA-Lib computes it.

TA-Lib sums the directional movements and true ranges over ``period - 1`` bars, then applies one
Wilder step per bar (``prev - prev / period + new``); the first DI comes out at bar ``period``
and the first ADX at bar ``2 * period - 1``.
"""

from __future__ import annotations

from numba import njit

from signaltrust.ta.nb.overlap import _is_zero, nan_head

PLUS, MINUS, DX = 0, 1, 2


@njit(cache=True, error_model="numpy")
def _true_range(high, low, prev_close):
    value = high - low
    other = abs(high - prev_close)
    if other > value:
        value = other
    other = abs(low - prev_close)
    if other > value:
        value = other
    return value


@njit(cache=True, error_model="numpy")
def _di_unsmoothed(high, low, close, which, start, out):
    # period 1: TA-Lib gives the raw ratio +DM/TR (no factor 100)
    n = close.shape[0]
    nan_head(out, start + 1)
    for today in range(start + 1, n):
        diff_p = high[today] - high[today - 1]
        diff_m = low[today - 1] - low[today]
        if which == PLUS:
            move = diff_p if (diff_p > 0 and diff_p > diff_m) else 0.0
        else:
            move = diff_m if (diff_m > 0 and diff_p < diff_m) else 0.0
        if move > 0.0:
            tr = _true_range(high[today], low[today], close[today - 1])
            out[today] = 0.0 if _is_zero(tr) else move / tr
        else:
            out[today] = 0.0
    return out


@njit(cache=True, error_model="numpy")
def directional(high, low, close, period, which, start, out):
    """PLUS_DI (which=0), MINUS_DI (which=1) or DX (which=2)."""
    n = close.shape[0]
    if which != DX and period <= 1:
        return _di_unsmoothed(high, low, close, which, start, out)
    nan_head(out, start + period)
    if start + period >= n:
        return out
    today = start
    prev_high = high[today]
    prev_low = low[today]
    prev_close = close[today]
    plus_dm = 0.0
    minus_dm = 0.0
    prev_tr = 0.0
    for _ in range(period - 1):
        today += 1
        diff_p = high[today] - prev_high
        prev_high = high[today]
        diff_m = prev_low - low[today]
        prev_low = low[today]
        if diff_m > 0 and diff_p < diff_m:
            minus_dm += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            plus_dm += diff_p
        prev_tr += _true_range(prev_high, prev_low, prev_close)
        prev_close = close[today]
    last = 0.0
    while today < n - 1:
        today += 1
        diff_p = high[today] - prev_high
        prev_high = high[today]
        diff_m = prev_low - low[today]
        prev_low = low[today]
        minus_dm -= minus_dm / period
        plus_dm -= plus_dm / period
        if diff_m > 0 and diff_p < diff_m:
            minus_dm += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            plus_dm += diff_p
        prev_tr = prev_tr - (prev_tr / period) + _true_range(prev_high, prev_low, prev_close)
        prev_close = close[today]
        if which == PLUS:
            out[today] = 100.0 * (plus_dm / prev_tr) if not _is_zero(prev_tr) else 0.0
        elif which == MINUS:
            out[today] = 100.0 * (minus_dm / prev_tr) if not _is_zero(prev_tr) else 0.0
        else:
            # TA-Lib's DX repeats its previous value when it is undefined
            if not _is_zero(prev_tr):
                minus_di = 100.0 * (minus_dm / prev_tr)
                plus_di = 100.0 * (plus_dm / prev_tr)
                total = minus_di + plus_di
                if not _is_zero(total):
                    last = 100.0 * (abs(minus_di - plus_di) / total)
            out[today] = last
    return out


@njit(cache=True, error_model="numpy")
def adx(high, low, close, period, start, out):
    n = close.shape[0]
    nan_head(out, start + 2 * period - 1)
    if start + 2 * period - 1 >= n:
        return out
    today = start
    prev_high = high[today]
    prev_low = low[today]
    prev_close = close[today]
    plus_dm = 0.0
    minus_dm = 0.0
    prev_tr = 0.0
    for _ in range(period - 1):
        today += 1
        diff_p = high[today] - prev_high
        prev_high = high[today]
        diff_m = prev_low - low[today]
        prev_low = low[today]
        if diff_m > 0 and diff_p < diff_m:
            minus_dm += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            plus_dm += diff_p
        prev_tr += _true_range(prev_high, prev_low, prev_close)
        prev_close = close[today]
    sum_dx = 0.0
    prev_adx = 0.0
    step = 0
    while today < n - 1:
        today += 1
        step += 1
        diff_p = high[today] - prev_high
        prev_high = high[today]
        diff_m = prev_low - low[today]
        prev_low = low[today]
        minus_dm -= minus_dm / period
        plus_dm -= plus_dm / period
        if diff_m > 0 and diff_p < diff_m:
            minus_dm += diff_m
        elif diff_p > 0 and diff_p > diff_m:
            plus_dm += diff_p
        prev_tr = prev_tr - (prev_tr / period) + _true_range(prev_high, prev_low, prev_close)
        prev_close = close[today]
        has_dx = False
        dx = 0.0
        if not _is_zero(prev_tr):
            minus_di = 100.0 * (minus_dm / prev_tr)
            plus_di = 100.0 * (plus_dm / prev_tr)
            total = minus_di + plus_di
            if not _is_zero(total):
                dx = 100.0 * (abs(minus_di - plus_di) / total)
                has_dx = True
        if step <= period:
            if has_dx:
                sum_dx += dx
            if step == period:
                prev_adx = sum_dx / period
                out[today] = prev_adx
        else:
            if has_dx:
                prev_adx = ((prev_adx * (period - 1)) + dx) / period
            out[today] = prev_adx
    return out
