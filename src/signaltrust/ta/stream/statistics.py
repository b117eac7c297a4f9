"""Streaming window statistics: VWAP, z-score, realized volatility (kernels in
``signaltrust.ta.nb.extra``).

Over a rolling window these kernels sum the window afresh at every bar rather than keep running
sums, so that no rounding accumulates and a flat window is exactly flat; the streaming forms do
the same sums in the same order, O(timeperiod) a bar, so their values are the batch function's
bit for bit (a running sum would drift from them by rounding, and miss their zero tests).
"""

from __future__ import annotations

import math
from collections import deque

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.base import NAN, StreamingIndicator, ieee_div, ieee_log


class VWAP(StreamingIndicator):
    """Volume-weighted average of the typical price (``ta.vwap``): cumulative when timeperiod is
    None (O(1) a bar), else over the last timeperiod bars; NaN where the volume summed is zero."""

    name = "vwap"
    inputs = ("high", "low", "close", "volume")
    __slots__ = ("timeperiod", "_price_volume", "_volume", "_total_pv", "_total_v")

    def __init__(self, timeperiod: int | None = None) -> None:
        super().__init__()
        self.timeperiod = None if timeperiod is None else check.period("timeperiod", timeperiod, 1)
        window = self.timeperiod or 1
        self._price_volume: deque[float] = deque(maxlen=window)
        self._volume: deque[float] = deque(maxlen=window)
        self._total_pv = 0.0
        self._total_v = 0.0

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        if self._waiting:
            if high != high or low != low or close != close or volume != volume:
                return NAN
            self._waiting = False
        price_volume = ((high + low + close) / 3.0) * volume
        period = self.timeperiod
        if period is None:
            total_pv = self._total_pv = self._total_pv + price_volume
            total_v = self._total_v = self._total_v + volume
            return total_pv / total_v if total_v != 0.0 else NAN
        window_pv = self._price_volume
        window_v = self._volume
        full = len(window_pv) == period
        window_pv.append(price_volume)
        window_v.append(volume)
        if full:
            total_pv = 0.0
            for value in window_pv:
                total_pv += value
            total_v = 0.0
            for value in window_v:
                total_v += value
        else:
            total_pv = self._total_pv = self._total_pv + price_volume
            total_v = self._total_v = self._total_v + volume
            if len(window_pv) < period:
                return NAN
        return total_pv / total_v if total_v != 0.0 else NAN


class ZScore(StreamingIndicator):
    """Rolling z-score (``ta.zscore``): (close - mean) / population std of the last timeperiod
    bars; NaN for a flat window. O(timeperiod) a bar, as the kernel's two-pass sums."""

    name = "zscore"
    inputs = ("close",)
    __slots__ = ("timeperiod", "_window")

    def __init__(self, timeperiod: int = 20) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 2)
        self._window: deque[float] = deque(maxlen=self.timeperiod)

    def update(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
        window = self._window
        window.append(close)
        period = self.timeperiod
        if len(window) < period:
            return NAN
        mean = 0.0
        flat = True
        for value in window:
            mean += value
            if value != close:
                flat = False
        mean /= period
        var = 0.0
        for value in window:
            deviation = value - mean
            var += deviation * deviation
        std = math.sqrt(var / period)
        return (close - mean) / std if std > 0.0 and not flat else NAN


class RealizedVolatility(StreamingIndicator):
    """Annualised realized volatility (``ta.realized_volatility``): sample std (ddof 1) of the
    last timeperiod log returns times sqrt(periods_per_year). O(timeperiod) a bar."""

    name = "realized_volatility"
    inputs = ("close",)
    __slots__ = ("timeperiod", "periods_per_year", "_scale", "_returns", "_prev_close")

    def __init__(self, timeperiod: int = 20, periods_per_year: float = 252) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 2)
        self.periods_per_year = check.number("periods_per_year", periods_per_year, positive=True)
        self._scale = math.sqrt(self.periods_per_year)
        self._returns: deque[float] = deque(maxlen=self.timeperiod)
        self._prev_close = NAN

    def update(self, close: float) -> float:
        if self._waiting:
            if close != close:
                return NAN
            self._waiting = False
            self._prev_close = close
            return NAN
        prev_close = self._prev_close
        self._prev_close = close
        try:
            ratio = close / prev_close
        except ZeroDivisionError:
            ratio = ieee_div(close, prev_close)
        try:
            log_return = math.log(ratio)
        except ValueError:  # NumPy's -inf at 0 and NaN below
            log_return = ieee_log(ratio)
        returns = self._returns
        returns.append(log_return)
        period = self.timeperiod
        if len(returns) < period:
            return NAN
        mean = 0.0
        for value in returns:
            mean += value
        mean /= period
        var = 0.0
        for value in returns:
            deviation = value - mean
            var += deviation * deviation
        return math.sqrt(var / (period - 1)) * self._scale
