"""Streaming moving averages: SMA, EMA, WMA, DEMA, TEMA, TRIX, KAMA, and TA-Lib's MA by type code.

Each class does the float operations of its kernel in ``signaltrust.ta.nb.overlap`` in the same
order, so its values are the batch function's.
"""

from __future__ import annotations

from collections import deque

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.base import NAN, StreamingIndicator, is_zero, started

MA_SMA, MA_EMA, MA_WMA, MA_DEMA, MA_TEMA, MA_KAMA = 0, 1, 2, 3, 4, 6


class SMA(StreamingIndicator):
    """Simple moving average (``ta.sma``): a running sum over a ring of the last bars."""

    name = "sma"
    inputs = ("close",)
    __slots__ = ("timeperiod", "_window", "_total")

    def __init__(self, timeperiod: int = 30) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self._window: deque[float] = deque(maxlen=self.timeperiod)
        self._total = 0.0

    def update(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
        window = self._window
        window.append(close)
        total = self._total + close
        if len(window) < self.timeperiod:
            self._total = total
            return NAN
        self._total = total - window[0]
        return total / self.timeperiod


class EMA(StreamingIndicator):
    """Exponential moving average (``ta.ema``), seeded with the mean of its first inputs."""

    name = "ema"
    inputs = ("close",)
    __slots__ = ("timeperiod", "_k", "_seeding", "_total", "_value")

    def __init__(self, timeperiod: int = 30) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self._k = 2.0 / (self.timeperiod + 1)
        self._seeding = self.timeperiod  # values still to sum for the seed
        self._total = 0.0
        self._value = NAN

    def update(self, close: float) -> float:
        if self._seeding:
            if self._waiting:
                if close != close:
                    return NAN
                self._waiting = False
            self._total += close
            self._seeding -= 1
            if self._seeding:
                return NAN
            self._value = self._total / self.timeperiod
            return self._value
        value = self._value
        value = ((close - value) * self._k) + value
        self._value = value
        return value


class WMA(StreamingIndicator):
    """Linearly weighted moving average (``ta.wma``): TA-Lib's running weighted and plain sums."""

    name = "wma"
    inputs = ("close",)
    __slots__ = ("timeperiod", "_divider", "_window", "_sum", "_sub", "_trailing_value")

    def __init__(self, timeperiod: int = 30) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self._divider = (self.timeperiod * (self.timeperiod + 1)) >> 1
        self._window: deque[float] = deque(maxlen=self.timeperiod)
        self._sum = 0.0
        self._sub = 0.0
        self._trailing_value = 0.0

    def update(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
        period = self.timeperiod
        if period == 1:
            return close
        window = self._window
        window.append(close)
        weight = len(window)
        if weight < period:
            self._sub += close
            self._sum += close * weight
            return NAN
        sub = self._sub + close
        sub -= self._trailing_value
        total = self._sum + close * period
        self._trailing_value = window[0]
        value = total / self._divider
        self._sum = total - sub
        self._sub = sub
        return value


DEMA_MODE, TEMA_MODE, TRIX_MODE = 0, 1, 2


class _EmaChain(StreamingIndicator):
    """Three chained EMAs held in scalars, each seeded with the mean of its first inputs, as
    ``nb.overlap._ema_chain`` computes DEMA, TEMA and TRIX."""

    inputs = ("close",)
    mode = DEMA_MODE
    __slots__ = (
        "timeperiod",
        "_k",
        "_bar",
        "_first1",
        "_first2",
        "_first3",
        "_sum1",
        "_sum2",
        "_sum3",
        "_e1",
        "_e2",
        "_e3",
    )

    def __init__(self, timeperiod: int = 30) -> None:
        super().__init__()
        self.timeperiod = period = check.period("timeperiod", timeperiod, 1)
        self._k = 2.0 / (period + 1)
        self._bar = 0
        self._first1 = period - 1
        self._first2 = 2 * (period - 1)
        self._first3 = 3 * (period - 1)
        self._sum1 = self._sum2 = self._sum3 = 0.0
        self._e1 = self._e2 = self._e3 = 0.0

    def update(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
        bar = self._bar
        self._bar = bar + 1
        k = self._k
        if bar > self._first1:
            e1 = self._e1 = ((close - self._e1) * k) + self._e1
        else:
            self._sum1 += close
            if bar < self._first1:
                return NAN
            e1 = self._e1 = self._sum1 / self.timeperiod
        if bar > self._first2:
            e2 = self._e2 = ((e1 - self._e2) * k) + self._e2
        else:
            self._sum2 += e1
            if bar < self._first2:
                return NAN
            e2 = self._e2 = self._sum2 / self.timeperiod
        mode = self.mode
        if mode == DEMA_MODE:
            return (2.0 * e1) - e2
        prev_e3 = self._e3
        if bar > self._first3:
            e3 = self._e3 = ((e2 - prev_e3) * k) + prev_e3
        else:
            self._sum3 += e2
            if bar < self._first3:
                return NAN
            e3 = self._e3 = self._sum3 / self.timeperiod
        if mode == TEMA_MODE:
            return e3 + ((3.0 * e1) - (3.0 * e2))
        if bar == self._first3:
            return NAN
        return ((e3 / prev_e3) - 1.0) * 100.0 if prev_e3 != 0.0 else 0.0


class DEMA(_EmaChain):
    """Double exponential moving average 2*EMA - EMA(EMA) (``ta.dema``)."""

    name = "dema"
    mode = DEMA_MODE
    __slots__ = ()


class TEMA(_EmaChain):
    """Triple exponential moving average 3*E1 - 3*E2 + E3 (``ta.tema``)."""

    name = "tema"
    mode = TEMA_MODE
    __slots__ = ()


class TRIX(_EmaChain):
    """One-bar rate of change (percent) of a triple EMA (``ta.trix``)."""

    name = "trix"
    mode = TRIX_MODE
    __slots__ = ()


_KAMA_MAX = 2.0 / (30.0 + 1.0)
_KAMA_DIFF = 2.0 / (2.0 + 1.0) - _KAMA_MAX


def _kama_constant(sum_roc: float, period_roc: float) -> float:
    ratio = 1.0 if sum_roc <= period_roc or is_zero(sum_roc) else abs(period_roc / sum_roc)
    ratio = (ratio * _KAMA_DIFF) + _KAMA_MAX
    return ratio * ratio


class KAMA(StreamingIndicator):
    """Kaufman adaptive moving average, fast 2 / slow 30 constants (``ta.kama``)."""

    name = "kama"
    inputs = ("close",)
    __slots__ = ("timeperiod", "_window", "_sum_roc", "_trailing_value", "_last", "_value")

    def __init__(self, timeperiod: int = 30) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self._window: deque[float] = deque(maxlen=self.timeperiod + 1)  # bars t - period .. t
        self._sum_roc = 0.0
        self._trailing_value = 0.0
        self._last = NAN
        self._value = NAN

    def update(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
        window = self._window
        filled = len(window) == self.timeperiod + 1
        window.append(close)
        last = self._last
        self._last = close
        if filled:
            oldest = window[0]
            period_roc = close - oldest
            sum_roc = self._sum_roc - abs(self._trailing_value - oldest)
            sum_roc += abs(close - last)
            self._sum_roc = sum_roc
            self._trailing_value = oldest
            value = self._value
        elif len(window) == 1:
            return NAN
        else:
            self._sum_roc = sum_roc = self._sum_roc + abs(last - close)
            if len(window) <= self.timeperiod:
                return NAN
            value = last
            period_roc = close - window[0]
            self._trailing_value = window[0]
        value = ((close - value) * _kama_constant(sum_roc, period_roc)) + value
        self._value = value
        return value


class _Copy(StreamingIndicator):
    """TA-Lib's MA with a period of 1: the input itself, whatever the type."""

    __slots__ = ()

    def update(self, close: float) -> float:
        return close


def moving_average(period: int, matype: int) -> StreamingIndicator:
    """TA-Lib's MA of type ``matype`` (a validated code), started: the ``ma`` kernel, streaming."""
    if period == 1:
        return started(_Copy())
    kind = {MA_EMA: EMA, MA_WMA: WMA, MA_DEMA: DEMA, MA_TEMA: TEMA, MA_KAMA: KAMA}.get(matype, SMA)
    return started(kind(period))


def ma_lookback(period: int, matype: int) -> int:
    """Bars of warm-up of TA-Lib's MA (``nb.overlap.ma_lookback``)."""
    if period == 1:
        return 0
    if matype == MA_DEMA:
        return 2 * (period - 1)
    if matype == MA_TEMA:
        return 3 * (period - 1)
    if matype == MA_KAMA:
        return period
    return period - 1
