"""Streaming oscillators over a window of bars: CCI, WILLR, AROON.

Each class does the float operations of its kernel in ``signaltrust.ta.nb.momentum`` in the same
order, so its values are the batch function's.
"""

from __future__ import annotations

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.base import NAN, NAN2, StreamingIndicator, ieee_div
from signaltrust.ta.stream.window import RollingExtreme, WindowExtreme


class CCI(StreamingIndicator):
    """Commodity channel index on the typical price (``ta.cci``).

    The mean absolute deviation has no O(1) update: each bar sums the window, O(timeperiod), in
    the kernel's (TA-Lib's) circular-buffer order, so the values are the batch function's.
    """

    name = "cci"
    inputs = ("high", "low", "close")
    __slots__ = ("timeperiod", "_window", "_slot", "_bar")

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 2)
        self._window = [0.0] * self.timeperiod
        self._slot = 0
        self._bar = 0

    def update(self, high: float, low: float, close: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN
            self._waiting = False
        period = self.timeperiod
        typical = (high + low + close) / 3
        window = self._window
        slot = self._slot
        window[slot] = typical
        self._slot = slot + 1 if slot + 1 < period else 0
        if self._bar < period - 1:
            self._bar += 1
            return NAN
        average = 0.0
        for value in window:
            average += value
        average /= period
        deviation = 0.0
        for value in window:
            deviation += abs(value - average)
        value = typical - average
        if value != 0.0 and deviation != 0.0:
            try:
                return value / (0.015 * (deviation / period))
            except ZeroDivisionError:  # a deviation so small that the product underflows
                return ieee_div(value, 0.015 * (deviation / period))
        return 0.0


class WILLR(StreamingIndicator):
    """Williams' %R, from -100 to 0 (``ta.willr``); the kernel's window extremes skip NaN."""

    name = "willr"
    inputs = ("high", "low", "close")
    __slots__ = ("timeperiod", "_highest", "_lowest", "_bar")

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 2)
        self._highest = WindowExtreme(self.timeperiod)
        self._lowest = WindowExtreme(self.timeperiod, lowest=True)
        self._bar = 0

    def update(self, high: float, low: float, close: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN
            self._waiting = False
        highest = self._highest.push(high)
        lowest = self._lowest.push(low)
        if self._bar < self.timeperiod - 1:
            self._bar += 1
            return NAN
        diff = (highest - lowest) / (-100.0)
        return (highest - close) / diff if diff != 0.0 else 0.0


class AROON(StreamingIndicator):
    """Aroon (``ta.aroon``) -> (aroondown, aroonup); ties go to the latest bar."""

    name = "aroon"
    inputs = ("high", "low")
    outputs = ("aroondown", "aroonup")
    __slots__ = ("timeperiod", "_factor", "_highest", "_lowest", "_bar")

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__()
        self.timeperiod = period = check.period("timeperiod", timeperiod, 2)
        self._factor = 100.0 / period
        # the window spans timeperiod + 1 bars
        self._highest = RollingExtreme(period + 1)
        self._lowest = RollingExtreme(period + 1, lowest=True)
        self._bar = 0

    def update(self, high: float, low: float) -> tuple[float, float]:
        if self._waiting:
            if high != high or low != low:
                return NAN2
            self._waiting = False
        bar = self._bar
        self._bar = bar + 1
        highest = self._highest
        lowest = self._lowest
        if bar < self.timeperiod:
            highest.add(high)
            lowest.add(low)
            return NAN2
        lowest.push(low)
        highest.push(high)
        period = self.timeperiod
        factor = self._factor
        return (
            factor * (period - (bar - lowest.index)),
            factor * (period - (bar - highest.index)),
        )
