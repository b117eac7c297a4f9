"""Streaming directional movement system: PLUS_DI, MINUS_DI, DX, ADX.

As ``nb.directional``: the directional movements and true ranges are summed over timeperiod - 1
bars, then one Wilder step ``prev - prev / period + new`` a bar.
"""

from __future__ import annotations

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.base import NAN, StreamingIndicator, is_zero
from signaltrust.ta.stream.volatility import true_range


class _Directional(StreamingIndicator):
    """The smoothed +DM, -DM and true range that every indicator of the system reads."""

    inputs = ("high", "low", "close")
    minimum_period = 2
    __slots__ = (
        "timeperiod",
        "_bar",
        "_prev_high",
        "_prev_low",
        "_prev_close",
        "_plus_dm",
        "_minus_dm",
        "_tr",
    )

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, self.minimum_period)
        self._bar = 0
        self._prev_high = self._prev_low = self._prev_close = NAN
        self._plus_dm = self._minus_dm = self._tr = 0.0

    def _step(self, high: float, low: float, close: float) -> int:
        """Advance the sums by one bar; returns the bar's number from the first (0-based)."""
        bar = self._bar
        if bar == 0:
            self._bar = 1
            self._prev_high = high
            self._prev_low = low
            self._prev_close = close
            return 0
        period = self.timeperiod
        diff_p = high - self._prev_high
        diff_m = self._prev_low - low
        self._prev_high = high
        self._prev_low = low
        minus_dm = self._minus_dm
        plus_dm = self._plus_dm
        prev_tr = self._tr
        tr = true_range(high, low, self._prev_close)
        self._prev_close = close
        self._bar = bar + 1
        if bar < period:
            if diff_m > 0 and diff_p < diff_m:
                minus_dm += diff_m
            elif diff_p > 0 and diff_p > diff_m:
                plus_dm += diff_p
            prev_tr += tr
        else:
            minus_dm -= minus_dm / period
            plus_dm -= plus_dm / period
            if diff_m > 0 and diff_p < diff_m:
                minus_dm += diff_m
            elif diff_p > 0 and diff_p > diff_m:
                plus_dm += diff_p
            prev_tr = prev_tr - (prev_tr / period) + tr
        self._minus_dm = minus_dm
        self._plus_dm = plus_dm
        self._tr = prev_tr
        return bar


class _DirectionalIndicator(_Directional):
    """+DI or -DI: 100 * smoothed DM / smoothed TR; timeperiod=1 gives the raw ratio DM / TR."""

    minimum_period = 1
    plus = True
    __slots__ = ()

    def update(self, high: float, low: float, close: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN
            self._waiting = False
        if self.timeperiod == 1:
            return self._unsmoothed(high, low, close)
        if self._step(high, low, close) < self.timeperiod:
            return NAN
        tr = self._tr
        if is_zero(tr):
            return 0.0
        return 100.0 * ((self._plus_dm if self.plus else self._minus_dm) / tr)

    def _unsmoothed(self, high: float, low: float, close: float) -> float:
        prev_high = self._prev_high
        prev_low = self._prev_low
        prev_close = self._prev_close
        self._prev_high = high
        self._prev_low = low
        self._prev_close = close
        if self._bar == 0:
            self._bar = 1
            return NAN
        diff_p = high - prev_high
        diff_m = prev_low - low
        if self.plus:
            move = diff_p if (diff_p > 0 and diff_p > diff_m) else 0.0
        else:
            move = diff_m if (diff_m > 0 and diff_p < diff_m) else 0.0
        if move > 0.0:
            tr = true_range(high, low, prev_close)
            return 0.0 if is_zero(tr) else move / tr
        return 0.0


class PLUS_DI(_DirectionalIndicator):  # TA-Lib's name
    """Plus directional indicator +DI (``ta.plus_di``)."""

    name = "plus_di"
    plus = True
    __slots__ = ()


class MINUS_DI(_DirectionalIndicator):  # TA-Lib's name
    """Minus directional indicator -DI (``ta.minus_di``)."""

    name = "minus_di"
    plus = False
    __slots__ = ()


def _dx(plus_dm: float, minus_dm: float, tr: float) -> float | None:
    """DX from the smoothed sums; None where TA-Lib leaves it undefined (a true range or a sum of
    the DIs that is zero up to rounding noise)."""
    if is_zero(tr):
        return None
    minus_di = 100.0 * (minus_dm / tr)
    plus_di = 100.0 * (plus_dm / tr)
    total = minus_di + plus_di
    if is_zero(total):
        return None
    return 100.0 * (abs(minus_di - plus_di) / total)


class DX(_Directional):
    """Directional movement index (``ta.dx``); repeats its last value where it is undefined."""

    name = "dx"
    __slots__ = ("_last",)

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__(timeperiod)
        self._last = 0.0

    def update(self, high: float, low: float, close: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN
            self._waiting = False
        if self._step(high, low, close) < self.timeperiod:
            return NAN
        value = _dx(self._plus_dm, self._minus_dm, self._tr)
        if value is not None:
            self._last = value
        return self._last


class ADX(_Directional):
    """Average directional index, Wilder-smoothed DX (``ta.adx``)."""

    name = "adx"
    __slots__ = ("_sum_dx", "_adx")

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__(timeperiod)
        self._sum_dx = 0.0
        self._adx = NAN

    def update(self, high: float, low: float, close: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN
            self._waiting = False
        bar = self._step(high, low, close)
        period = self.timeperiod
        if bar < period:
            return NAN
        dx = _dx(self._plus_dm, self._minus_dm, self._tr)
        if bar < 2 * period - 1:  # DX summed over timeperiod bars seeds the ADX
            if dx is not None:
                self._sum_dx += dx
            return NAN
        if bar == 2 * period - 1:
            if dx is not None:
                self._sum_dx += dx
            self._adx = self._sum_dx / period
        elif dx is not None:
            self._adx = ((self._adx * (period - 1)) + dx) / period
        return self._adx
