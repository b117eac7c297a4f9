"""Streaming overlap studies: Bollinger bands (BBANDS) and the parabolic SAR.

Each class does the float operations of its kernel in ``signaltrust.ta.nb.overlap`` in the same
order, so its values are the batch function's.
"""

from __future__ import annotations

import math
from collections import deque

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.averages import MA_SMA, ma_lookback, moving_average
from signaltrust.ta.stream.base import NAN, NAN3, StreamingIndicator


class BBANDS(StreamingIndicator):
    """Bollinger bands (``ta.bbands``) -> (upperband, middleband, lowerband).

    The sums of the values and of their squares over the window are running scalars; the middle
    band is the SMA from those sums, or the moving average of type ``matype``.
    """

    name = "bbands"
    inputs = ("close",)
    outputs = ("upperband", "middleband", "lowerband")
    __slots__ = (
        "timeperiod",
        "nbdevup",
        "nbdevdn",
        "matype",
        "_average",
        "_window",
        "_bar",
        "_sum_from",
        "_first",
        "_total",
        "_total2",
    )

    def __init__(
        self, timeperiod: int = 20, nbdevup: float = 2.0, nbdevdn: float = 2.0, matype: int = 0
    ) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 2)
        self.nbdevup = check.number("nbdevup", nbdevup)
        self.nbdevdn = check.number("nbdevdn", nbdevdn)
        self.matype = check.matype("matype", matype)
        self._average = (
            None if self.matype == MA_SMA else moving_average(self.timeperiod, self.matype)
        )
        self._window: deque[float] = deque(maxlen=self.timeperiod)
        self._bar = 0
        self._first = ma_lookback(self.timeperiod, self.matype)
        self._sum_from = self._first - self.timeperiod + 1  # the first bar of the first window
        self._total = 0.0
        self._total2 = 0.0

    def update(self, close: float) -> tuple[float, float, float]:
        if self._waiting:
            if close != close:
                return NAN3
            self._waiting = False
        average = self._average
        middle = NAN if average is None else average.update(close)
        window = self._window
        window.append(close)
        bar = self._bar
        if bar < self._first:
            self._bar = bar + 1
            if bar >= self._sum_from:
                self._total += close
                self._total2 += close * close
            return NAN3
        period = self.timeperiod
        total = self._total + close
        total2 = self._total2 + close * close
        mean = total / period
        mean2 = total2 / period
        old = window[0]
        self._total = total - old
        self._total2 = total2 - old * old
        mean2 -= mean * mean
        if average is None:
            middle = mean
        # TA-Lib clamps a variance below 1e-8 (rounding noise) to a zero deviation
        std = math.sqrt(mean2) if mean2 >= 0.00000001 else 0.0
        return middle + std * self.nbdevup, middle, middle - std * self.nbdevdn


class SAR(StreamingIndicator):
    """Parabolic SAR (``ta.sar``), Wilder's stop-and-reverse, as TA-Lib steps it."""

    name = "sar"
    inputs = ("high", "low")
    __slots__ = (
        "acceleration",
        "maximum",
        "_step",
        "_bar",
        "_is_long",
        "_af",
        "_ep",
        "_sar",
        "_new_high",
        "_new_low",
    )

    def __init__(self, acceleration: float = 0.02, maximum: float = 0.2) -> None:
        super().__init__()
        self.acceleration = check.number("acceleration", acceleration, non_negative=True)
        self.maximum = check.number("maximum", maximum, non_negative=True)
        # the kernel caps the step at the maximum
        self._step = self.maximum if self.acceleration > self.maximum else self.acceleration
        self._bar = 0
        self._is_long = True
        self._af = self._step
        self._ep = self._sar = NAN
        self._new_high = self._new_low = NAN

    def update(self, high: float, low: float) -> float:
        if self._waiting:
            if high != high or low != low:
                return NAN
            self._waiting = False
        if self._bar < 2:
            self._bar += 1
            if self._bar == 1:
                self._new_high = high
                self._new_low = low
                return NAN
            self._start(high, low)
        acceleration = self._step
        sar = self._sar
        ep = self._ep
        prev_low = self._new_low
        prev_high = self._new_high
        self._new_low = new_low = low
        self._new_high = new_high = high
        if self._is_long:
            if new_low <= sar:
                self._is_long = False
                sar = ep
                if sar < prev_high:
                    sar = prev_high
                if sar < new_high:
                    sar = new_high
                out = sar
                self._af = af = acceleration
                ep = new_low
                sar = sar + af * (ep - sar)
                if sar < prev_high:
                    sar = prev_high
                if sar < new_high:
                    sar = new_high
            else:
                out = sar
                af = self._af
                if new_high > ep:
                    ep = new_high
                    af += acceleration
                    if af > self.maximum:
                        af = self.maximum
                    self._af = af
                sar = sar + af * (ep - sar)
                if sar > prev_low:
                    sar = prev_low
                if sar > new_low:
                    sar = new_low
        else:
            if new_high >= sar:
                self._is_long = True
                sar = ep
                if sar > prev_low:
                    sar = prev_low
                if sar > new_low:
                    sar = new_low
                out = sar
                self._af = af = acceleration
                ep = new_high
                sar = sar + af * (ep - sar)
                if sar > prev_low:
                    sar = prev_low
                if sar > new_low:
                    sar = new_low
            else:
                out = sar
                af = self._af
                if new_low < ep:
                    ep = new_low
                    af += acceleration
                    if af > self.maximum:
                        af = self.maximum
                    self._af = af
                sar = sar + af * (ep - sar)
                if sar < prev_high:
                    sar = prev_high
                if sar < new_high:
                    sar = new_high
        self._sar = sar
        self._ep = ep
        return out

    def _start(self, high: float, low: float) -> None:
        # the second bar sets the first direction: short when its down-move exceeds its up-move
        diff_p = high - self._new_high
        diff_m = self._new_low - low
        self._is_long = not (diff_m > 0 and diff_p < diff_m)
        if self._is_long:
            self._ep = high
            self._sar = self._new_low
        else:
            self._ep = low
            self._sar = self._new_high
        # the kernel's first step reads this bar as both the previous and the new one
        self._new_high = high
        self._new_low = low
