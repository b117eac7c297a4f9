"""Streaming volatility indicators: TRANGE, ATR, NATR (kernels in ``ta.nb.volatility``)."""

from __future__ import annotations

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.base import NAN, StreamingIndicator


def true_range(high: float, low: float, prev_close: float) -> float:
    """max(high, previous close) - min(low, previous close), compared as the kernel compares."""
    value = high - low
    other = abs(high - prev_close)
    if other > value:
        value = other
    other = abs(low - prev_close)
    if other > value:
        value = other
    return value


class TRANGE(StreamingIndicator):
    """True range (``ta.trange``)."""

    name = "trange"
    inputs = ("high", "low", "close")
    __slots__ = ("_prev_close",)

    def __init__(self) -> None:
        super().__init__()
        self._prev_close = NAN

    def update(self, high: float, low: float, close: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN
            self._waiting = False
            self._prev_close = close
            return NAN
        value = true_range(high, low, self._prev_close)
        self._prev_close = close
        return value


class ATR(StreamingIndicator):
    """Average true range with Wilder smoothing, seeded by the mean of the first true ranges
    (``ta.atr``); timeperiod=1 gives the true range."""

    name = "atr"
    inputs = ("high", "low", "close")
    normalized = False
    __slots__ = ("timeperiod", "_keep", "_weight", "_bar", "_prev_close", "_total", "_value")

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__()
        self.timeperiod = period = check.period("timeperiod", timeperiod, 1)
        self._keep = (period - 1) / period
        self._weight = 1.0 / period
        self._bar = 0
        self._prev_close = NAN
        self._total = 0.0
        self._value = NAN

    def update(self, high: float, low: float, close: float) -> float:
        if self._bar <= self.timeperiod or self.timeperiod == 1:
            return self._warm_up(high, low, close)
        value = high - low  # the true range, inlined
        other = abs(high - self._prev_close)
        if other > value:
            value = other
        other = abs(low - self._prev_close)
        if other > value:
            value = other
        self._prev_close = close
        value = self._value = self._value * self._keep + value * self._weight
        if self.normalized:
            return (value / close) * 100.0 if close != 0.0 else 0.0
        return value

    def _warm_up(self, high: float, low: float, close: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN
            self._waiting = False
        bar = self._bar
        prev_close = self._prev_close
        self._prev_close = close
        if bar == 0:
            self._bar = 1
            return NAN
        value = true_range(high, low, prev_close)
        if self.timeperiod == 1:  # TA-Lib returns the true range, not normalized
            return value
        self._bar = bar + 1
        self._total += value
        if bar < self.timeperiod:
            return NAN
        value = self._value = self._total / self.timeperiod
        if self.normalized:
            return (value / close) * 100.0 if close != 0.0 else 0.0
        return value


class NATR(ATR):
    """Normalized average true range, 100 * ATR / close (``ta.natr``)."""

    name = "natr"
    normalized = True
    __slots__ = ()
