"""Streaming volume indicators: OBV, AD, ADOSC, MFI (kernels in ``signaltrust.ta.nb.volume``)."""

from __future__ import annotations

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.base import NAN, StreamingIndicator, is_zero


class OBV(StreamingIndicator):
    """On-balance volume, starting from the first bar's volume (``ta.obv``)."""

    name = "obv"
    inputs = ("close", "volume")
    __slots__ = ("_obv", "_prev_close")

    def __init__(self) -> None:
        super().__init__()
        self._obv = NAN
        self._prev_close = NAN

    def update(self, close: float, volume: float) -> float:
        if self._waiting:
            if close != close or volume != volume:
                return NAN
            self._waiting = False
            self._obv = volume
            self._prev_close = close
        if close > self._prev_close:
            self._obv += volume
        elif close < self._prev_close:
            self._obv -= volume
        self._prev_close = close
        return self._obv


class AD(StreamingIndicator):
    """Chaikin accumulation/distribution line (``ta.ad``)."""

    name = "ad"
    inputs = ("high", "low", "close", "volume")
    __slots__ = ("_ad",)

    def __init__(self) -> None:
        super().__init__()
        self._ad = 0.0

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close or volume != volume:
                return NAN
            self._waiting = False
        spread = high - low
        if spread > 0.0:
            self._ad += (((close - low) - (high - close)) / spread) * volume
        return self._ad


class ADOSC(StreamingIndicator):
    """Chaikin A/D oscillator, fast EMA minus slow EMA of the A/D line (``ta.adosc``); the EMAs
    are seeded with the first A/D value, as TA-Lib does."""

    name = "adosc"
    inputs = ("high", "low", "close", "volume")
    __slots__ = (
        "fastperiod",
        "slowperiod",
        "_fast_k",
        "_slow_k",
        "_first",
        "_bar",
        "_ad",
        "_fast",
        "_slow",
    )

    def __init__(self, fastperiod: int = 3, slowperiod: int = 10) -> None:
        super().__init__()
        self.fastperiod = check.period("fastperiod", fastperiod, 2)
        self.slowperiod = check.period("slowperiod", slowperiod, 2)
        self._fast_k = 2.0 / (self.fastperiod + 1)
        self._slow_k = 2.0 / (self.slowperiod + 1)
        self._first = max(self.fastperiod, self.slowperiod) - 1
        self._bar = 0
        self._ad = 0.0
        self._fast = self._slow = NAN

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close or volume != volume:
                return NAN
            self._waiting = False
        ad = self._ad
        spread = high - low
        if spread > 0.0:
            ad += (((close - low) - (high - close)) / spread) * volume
        self._ad = ad
        bar = self._bar
        if bar == 0:
            self._bar = 1
            self._fast = self._slow = ad
            return 0.0 if self._first == 0 else NAN
        fast_k = self._fast_k
        slow_k = self._slow_k
        fast = self._fast = (fast_k * ad) + ((1.0 - fast_k) * self._fast)
        slow = self._slow = (slow_k * ad) + ((1.0 - slow_k) * self._slow)
        if bar < self._first:
            self._bar = bar + 1
            return NAN
        return fast - slow


class MFI(StreamingIndicator):
    """Money flow index (``ta.mfi``); 0 when the money flow over the window is below 1."""

    name = "mfi"
    inputs = ("high", "low", "close", "volume")
    __slots__ = (
        "timeperiod",
        "_positive",
        "_negative",
        "_slot",
        "_bar",
        "_prev",
        "_pos_sum",
        "_neg_sum",
    )

    def __init__(self, timeperiod: int = 14) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 2)
        # each bar's positive and negative flow, in a ring of timeperiod slots
        self._positive = [0.0] * self.timeperiod
        self._negative = [0.0] * self.timeperiod
        self._slot = 0
        self._bar = 0
        self._prev = NAN
        self._pos_sum = 0.0
        self._neg_sum = 0.0

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close or volume != volume:
                return NAN
            self._waiting = False
        typical = (high + low + close) / 3.0
        bar = self._bar
        if bar == 0:
            self._bar = 1
            self._prev = typical
            return NAN
        slot = self._slot
        positive = self._positive
        negative = self._negative
        pos_sum = self._pos_sum
        neg_sum = self._neg_sum
        if bar > self.timeperiod:
            pos_sum -= positive[slot]
            neg_sum -= negative[slot]
        change = typical - self._prev
        self._prev = typical
        flow = typical * volume
        positive[slot] = 0.0
        negative[slot] = 0.0
        # TA-Lib counts a change within 1e-8 of zero as no change
        if is_zero(change):
            pass
        elif change < 0:
            negative[slot] = flow
            neg_sum += flow
        else:
            positive[slot] = flow
            pos_sum += flow
        self._pos_sum = pos_sum
        self._neg_sum = neg_sum
        self._slot = slot + 1 if slot + 1 < self.timeperiod else 0
        if bar <= self.timeperiod:
            self._bar = bar + 1
            if bar < self.timeperiod:
                return NAN
        total = pos_sum + neg_sum
        return 0.0 if total < 1.0 else 100.0 * (pos_sum / total)
