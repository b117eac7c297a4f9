"""Streaming forms of the indicators TA-Lib lacks: Keltner, Donchian, Supertrend, Ichimoku
(kernels in ``signaltrust.ta.nb.extra``). VWAP, z-score and realized volatility are in
``signaltrust.ta.stream.statistics``."""

from __future__ import annotations

from collections import deque

from signaltrust.core.errors import ValidationError
from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.averages import EMA
from signaltrust.ta.stream.base import NAN, NAN2, NAN3, StreamingIndicator, started
from signaltrust.ta.stream.volatility import ATR
from signaltrust.ta.stream.window import RollingExtreme


class Keltner(StreamingIndicator):
    """Keltner channel (``ta.keltner``) -> (upper, middle, lower): EMA(close) +/- multiplier*ATR."""

    name = "keltner"
    inputs = ("high", "low", "close")
    outputs = ("upper", "middle", "lower")
    __slots__ = ("timeperiod", "atr_period", "multiplier", "_ema", "_atr")

    def __init__(self, timeperiod: int = 20, atr_period: int = 10, multiplier: float = 2.0) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self.atr_period = check.period("atr_period", atr_period, 1)
        self.multiplier = check.number("multiplier", multiplier, positive=True)
        self._ema = started(EMA(self.timeperiod))
        self._atr = started(ATR(self.atr_period))

    def update(self, high: float, low: float, close: float) -> tuple[float, float, float]:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN3
            self._waiting = False
        middle = self._ema.update(close)
        width = self._atr.update(high, low, close)
        upper = middle + self.multiplier * width
        lower = middle - self.multiplier * width
        if upper != upper:  # the kernel blanks the middle wherever the upper band is NaN
            return upper, NAN, lower
        return upper, middle, lower


class _Midpoint:
    """Highest high and lowest low of the last ``period`` bars (the kernels' rolling_max/min)."""

    __slots__ = ("_first", "_bar", "highest", "lowest")

    def __init__(self, period: int) -> None:
        self._first = period - 1
        self._bar = 0
        self.highest = RollingExtreme(period)
        self.lowest = RollingExtreme(period, lowest=True)

    def update(self, high: float, low: float) -> tuple[float, float]:
        if self._bar < self._first:
            self._bar += 1
            self.highest.add(high)
            self.lowest.add(low)
            return NAN2
        return self.highest.push(high), self.lowest.push(low)


class Donchian(StreamingIndicator):
    """Donchian channel (``ta.donchian``) -> (upper, middle, lower): highest high, midpoint,
    lowest low of the last timeperiod bars, the current bar included."""

    name = "donchian"
    inputs = ("high", "low")
    outputs = ("upper", "middle", "lower")
    __slots__ = ("timeperiod", "_range")

    def __init__(self, timeperiod: int = 20) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self._range = _Midpoint(self.timeperiod)

    def update(self, high: float, low: float) -> tuple[float, float, float]:
        if self._waiting:
            if high != high or low != low:
                return NAN3
            self._waiting = False
        upper, lower = self._range.update(high, low)
        return upper, (upper + lower) / 2.0, lower


class Supertrend(StreamingIndicator):
    """Supertrend (``ta.supertrend``) -> (line, direction): an ATR trailing stop that flips with
    the trend; direction is +1 (line is the lower band) or -1 (the upper band)."""

    name = "supertrend"
    inputs = ("high", "low", "close")
    outputs = ("line", "direction")
    __slots__ = (
        "timeperiod",
        "multiplier",
        "_atr",
        "_bar",
        "_prev_close",
        "_upper",
        "_lower",
        "_trend",
    )

    def __init__(self, timeperiod: int = 10, multiplier: float = 3.0) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self.multiplier = check.number("multiplier", multiplier, positive=True)
        self._atr = started(ATR(self.timeperiod))
        self._bar = 0
        self._prev_close = NAN
        self._upper = self._lower = NAN
        self._trend = 1.0

    def update(self, high: float, low: float, close: float) -> tuple[float, float]:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN2
            self._waiting = False
        width = self._atr.update(high, low, close)
        prev_close = self._prev_close
        self._prev_close = close
        bar = self._bar
        if bar <= self.timeperiod:
            self._bar = bar + 1
            if bar < self.timeperiod:
                return NAN2
            mid = (high + low) / 2.0
            self._upper = mid + self.multiplier * width
            self._lower = mid - self.multiplier * width
            trend = self._trend = 1.0 if close >= mid else -1.0
            return (self._lower if trend > 0 else self._upper), trend
        mid = (high + low) / 2.0
        basic_upper = mid + self.multiplier * width
        basic_lower = mid - self.multiplier * width
        final_upper = self._upper
        final_lower = self._lower
        # a band only tightens while price stays inside it
        if basic_upper < final_upper or prev_close > final_upper:
            upper = basic_upper
        else:
            upper = final_upper
        if basic_lower > final_lower or prev_close < final_lower:
            lower = basic_lower
        else:
            lower = final_lower
        trend = self._trend
        if trend > 0 and close < lower:
            trend = -1.0
        elif trend < 0 and close > upper:
            trend = 1.0
        self._trend = trend
        self._upper = upper
        self._lower = lower
        return (lower if trend > 0 else upper), trend


class Ichimoku(StreamingIndicator):
    """Ichimoku cloud (``ta.ichimoku``) -> (tenkan, kijun, senkou_a, senkou_b), causal: the
    senkou spans at bar t are the values of bar t - timeperiod2 (as charted, shifted forward)."""

    name = "ichimoku"
    inputs = ("high", "low")
    outputs = ("tenkan", "kijun", "senkou_a", "senkou_b")
    __slots__ = (
        "timeperiod1",
        "timeperiod2",
        "timeperiod3",
        "_tenkan",
        "_kijun",
        "_slow",
        "_senkou_a",
        "_senkou_b",
    )

    def __init__(self, timeperiod1: int = 9, timeperiod2: int = 26, timeperiod3: int = 52) -> None:
        super().__init__()
        self.timeperiod1 = check.period("timeperiod1", timeperiod1, 1)
        self.timeperiod2 = check.period("timeperiod2", timeperiod2, 1)
        self.timeperiod3 = check.period("timeperiod3", timeperiod3, 1)
        if self.timeperiod1 > self.timeperiod2:
            raise ValidationError(
                "timeperiod1 (tenkan) must not exceed timeperiod2 (kijun)",
                field="timeperiod1",
                value=timeperiod1,
                fix=f"pass timeperiod1 <= {timeperiod2}",
            )
        self._tenkan = _Midpoint(self.timeperiod1)
        self._kijun = _Midpoint(self.timeperiod2)
        self._slow = _Midpoint(self.timeperiod3)
        # the spans of the last timeperiod2 bars, leading NaN bars included: the shift counts bars
        self._senkou_a: deque[float] = deque(maxlen=self.timeperiod2)
        self._senkou_b: deque[float] = deque(maxlen=self.timeperiod2)

    def update(self, high: float, low: float) -> tuple[float, float, float, float]:
        if self._waiting and (high != high or low != low):
            tenkan = kijun = slow = NAN
        else:
            self._waiting = False
            upper, lower = self._tenkan.update(high, low)
            tenkan = (upper + lower) / 2.0
            upper, lower = self._kijun.update(high, low)
            kijun = (upper + lower) / 2.0
            upper, lower = self._slow.update(high, low)
            slow = (upper + lower) / 2.0
        senkou_a = self._senkou_a
        senkou_b = self._senkou_b
        if len(senkou_a) == self.timeperiod2:
            shifted = tenkan, kijun, senkou_a[0], senkou_b[0]
        else:
            shifted = tenkan, kijun, NAN, NAN
        senkou_a.append((tenkan + kijun) / 2.0)
        senkou_b.append(slow)
        return shifted
