"""Streaming momentum oscillators: RSI, MACD, ROC, MOM, ULTOSC (CCI, WILLR, AROON: oscillators.py).

Each class does the float operations of its kernel in ``signaltrust.ta.nb.momentum`` in the same
order, so its values are the batch function's.
"""

from __future__ import annotations

from collections import deque

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.base import NAN, NAN3, StreamingIndicator, is_zero


class RSI(StreamingIndicator):
    """Relative strength index with Wilder smoothing (``ta.rsi``)."""

    name = "rsi"
    inputs = ("close",)
    __slots__ = ("timeperiod", "_bar", "_keep", "_weight", "_prev", "_gain", "_loss")

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__()
        self.timeperiod = period = check.period("timeperiod", timeperiod, 2)
        # Wilder's step as two products, as the kernel writes it
        self._keep = (period - 1) / period
        self._weight = 1.0 / period
        self._bar = 0
        self._prev = NAN
        self._gain = 0.0
        self._loss = 0.0

    def update(self, close: float) -> float:
        if self._bar <= self.timeperiod:
            return self._warm_up(close)
        change = close - self._prev
        self._prev = close
        # written so that a NaN change propagates into the gain, as in the kernel
        loss = -change if change < 0.0 else 0.0
        gain = 0.0 if change < 0.0 else change
        gain = self._gain = self._gain * self._keep + gain * self._weight
        loss = self._loss = self._loss * self._keep + loss * self._weight
        total = gain + loss
        return 100.0 * (gain / total) if not -0.00000001 < total < 0.00000001 else 0.0

    def _warm_up(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
        bar = self._bar
        self._bar = bar + 1
        if bar == 0:
            self._prev = close
            return NAN
        change = close - self._prev
        self._prev = close
        if change < 0:
            self._loss -= change
        else:
            self._gain += change
        if bar < self.timeperiod:
            return NAN
        gain = self._gain = self._gain / self.timeperiod
        loss = self._loss = self._loss / self.timeperiod
        total = gain + loss
        return 100.0 * (gain / total) if not is_zero(total) else 0.0


class MACD(StreamingIndicator):
    """MACD (``ta.macd``) -> (macd, macdsignal, macdhist); both EMAs start on the same bar."""

    name = "macd"
    inputs = ("close",)
    outputs = ("macd", "macdsignal", "macdhist")
    __slots__ = (
        "fastperiod",
        "slowperiod",
        "signalperiod",
        "_fast_period",
        "_slow_period",
        "_k_fast",
        "_k_slow",
        "_k_signal",
        "_line_start",
        "_fast_start",
        "_first",
        "_bar",
        "_fast_sum",
        "_slow_sum",
        "_signal_sum",
        "_fast",
        "_slow",
        "_signal",
    )

    def __init__(self, fastperiod: int = 12, slowperiod: int = 26, signalperiod: int = 9) -> None:
        super().__init__()
        self.fastperiod = check.period("fastperiod", fastperiod, 2)
        self.slowperiod = check.period("slowperiod", slowperiod, 2)
        self.signalperiod = check.period("signalperiod", signalperiod, 1)
        fast, slow = sorted((self.fastperiod, self.slowperiod))  # TA-Lib swaps them
        self._fast_period = fast
        self._slow_period = slow
        self._k_fast = 2.0 / (fast + 1)
        self._k_slow = 2.0 / (slow + 1)
        self._k_signal = 2.0 / (self.signalperiod + 1)
        self._line_start = slow - 1
        self._fast_start = self._line_start - fast + 1  # the fast EMA's seed starts this late
        self._first = self._line_start + self.signalperiod - 1
        self._bar = 0
        self._fast_sum = self._slow_sum = self._signal_sum = 0.0
        self._fast = self._slow = self._signal = 0.0

    def update(self, close: float) -> tuple[float, float, float]:
        if self._bar <= self._first:
            return self._warm_up(close)
        slow = self._slow = ((close - self._slow) * self._k_slow) + self._slow
        fast = self._fast = ((close - self._fast) * self._k_fast) + self._fast
        difference = fast - slow
        signal = self._signal = ((difference - self._signal) * self._k_signal) + self._signal
        return difference, signal, difference - signal

    def _warm_up(self, close: float) -> tuple[float, float, float]:
        if self._waiting:
            if close != close:
                return NAN3
            self._waiting = False
        bar = self._bar
        self._bar = bar + 1
        self._slow_sum += close
        if bar >= self._fast_start:
            self._fast_sum += close
        if bar < self._line_start:
            return NAN3
        if bar == self._line_start:
            slow = self._slow = self._slow_sum / self._slow_period
            fast = self._fast = self._fast_sum / self._fast_period
        else:
            slow = self._slow = ((close - self._slow) * self._k_slow) + self._slow
            fast = self._fast = ((close - self._fast) * self._k_fast) + self._fast
        difference = fast - slow
        self._signal_sum += difference
        if bar < self._first:
            return NAN3
        signal = self._signal = self._signal_sum / self.signalperiod
        return difference, signal, difference - signal


class ROC(StreamingIndicator):
    """Rate of change in percent, (close / close[t - timeperiod] - 1) * 100 (``ta.roc``)."""

    name = "roc"
    inputs = ("close",)
    __slots__ = ("timeperiod", "_window")

    def __init__(self, timeperiod: int = 10) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self._window: deque[float] = deque(maxlen=self.timeperiod + 1)

    def update(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
        window = self._window
        window.append(close)
        if len(window) <= self.timeperiod:
            return NAN
        prev = window[0]
        return ((close / prev) - 1.0) * 100.0 if prev != 0.0 else 0.0


class MOM(StreamingIndicator):
    """Momentum, close - close[t - timeperiod] (``ta.mom``)."""

    name = "mom"
    inputs = ("close",)
    __slots__ = ("timeperiod", "_window")

    def __init__(self, timeperiod: int = 10) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 1)
        self._window: deque[float] = deque(maxlen=self.timeperiod + 1)

    def update(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
        window = self._window
        window.append(close)
        if len(window) <= self.timeperiod:
            return NAN
        return close - window[0]


class ULTOSC(StreamingIndicator):
    """Ultimate oscillator (``ta.ultosc``); the periods are sorted, the shortest weighs 4."""

    name = "ultosc"
    inputs = ("high", "low", "close")
    __slots__ = (
        "timeperiod1",
        "timeperiod2",
        "timeperiod3",
        "_p1",
        "_p2",
        "_p3",
        "_bar",
        "_prev_close",
        "_ring_a",
        "_ring_b",
        "_a1",
        "_b1",
        "_a2",
        "_b2",
        "_a3",
        "_b3",
    )

    def __init__(self, timeperiod1: int = 7, timeperiod2: int = 14, timeperiod3: int = 28) -> None:
        super().__init__()
        self.timeperiod1 = check.period("timeperiod1", timeperiod1, 1)
        self.timeperiod2 = check.period("timeperiod2", timeperiod2, 1)
        self.timeperiod3 = check.period("timeperiod3", timeperiod3, 1)
        periods = sorted((self.timeperiod1, self.timeperiod2, self.timeperiod3))
        self._p1, self._p2, self._p3 = periods
        self._bar = 0
        self._prev_close = NAN
        # the terms of the last p3 bars
        self._ring_a: deque[float] = deque(maxlen=self._p3)
        self._ring_b: deque[float] = deque(maxlen=self._p3)
        self._a1 = self._b1 = self._a2 = self._b2 = self._a3 = self._b3 = 0.0

    def update(self, high: float, low: float, close: float) -> float:
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
        true_low = prev_close if prev_close < low else low  # min(low, prev_close)
        a = close - true_low
        b = high - low
        value = abs(prev_close - high)
        if value > b:
            b = value
        value = abs(prev_close - low)
        if value > b:
            b = value
        ring_a = self._ring_a
        ring_b = self._ring_b
        ring_a.append(a)
        ring_b.append(b)
        p3 = self._p3
        if bar < p3:
            self._bar = bar + 1
            if bar > p3 - self._p1:
                self._a1 += a
                self._b1 += b
            if bar > p3 - self._p2:
                self._a2 += a
                self._b2 += b
            self._a3 += a
            self._b3 += b
            return NAN
        a1 = self._a1 + a
        a2 = self._a2 + a
        a3 = self._a3 + a
        b1 = self._b1 + b
        b2 = self._b2 + b
        b3 = self._b3 + b
        value = 0.0
        if not is_zero(b1):
            value += 4.0 * (a1 / b1)
        if not is_zero(b2):
            value += 2.0 * (a2 / b2)
        if not is_zero(b3):
            value += a3 / b3
        # drop the bar that leaves each window
        p1 = self._p1
        p2 = self._p2
        self._a1 = a1 - ring_a[-p1]
        self._b1 = b1 - ring_b[-p1]
        self._a2 = a2 - ring_a[-p2]
        self._b2 = b2 - ring_b[-p2]
        self._a3 = a3 - ring_a[0]
        self._b3 = b3 - ring_b[0]
        return 100.0 * (value / 7.0)
