"""Streaming stochastic oscillators: STOCH, STOCHF, STOCHRSI.

Fast %K follows ``nb.momentum.fast_k`` (TA-Lib's window extremes, rescanned when the extreme leaves
the window); the moving averages are TA-Lib's MA by type code, started where the kernel starts them.
"""

from __future__ import annotations

from signaltrust.ta import _inputs as check
from signaltrust.ta.stream.averages import ma_lookback, moving_average
from signaltrust.ta.stream.base import NAN, NAN2, StreamingIndicator, started
from signaltrust.ta.stream.momentum import RSI
from signaltrust.ta.stream.window import RollingExtreme


class _FastK:
    """Fast %K, 100 * (close - lowest low) / (highest high - lowest low), from its first bar."""

    __slots__ = ("_first", "_bar", "_highest", "_lowest")

    def __init__(self, period: int) -> None:
        self._first = period - 1
        self._bar = 0
        # the kernel's rescan keeps the earliest of equal extremes
        self._highest = RollingExtreme(period, rescan_latest=False)
        self._lowest = RollingExtreme(period, lowest=True, rescan_latest=False)

    def update(self, high: float, low: float, close: float) -> float:
        if self._bar < self._first:
            self._bar += 1
            self._lowest.add(low)
            self._highest.add(high)
            return NAN
        lowest = self._lowest.push(low)
        highest = self._highest.push(high)
        diff = (highest - lowest) / 100.0
        return (close - lowest) / diff if diff != 0.0 else 0.0


class STOCH(StreamingIndicator):
    """Slow stochastic oscillator (``ta.stoch``) -> (slowk, slowd)."""

    name = "stoch"
    inputs = ("high", "low", "close")
    outputs = ("slowk", "slowd")
    __slots__ = (
        "fastk_period",
        "slowk_period",
        "slowk_matype",
        "slowd_period",
        "slowd_matype",
        "_fast_k",
        "_slow_k",
        "_slow_d",
        "_k_from",
        "_d_from",
        "_first",
        "_bar",
    )

    def __init__(
        self,
        fastk_period: int = 5,
        slowk_period: int = 3,
        slowk_matype: int = 0,
        slowd_period: int = 3,
        slowd_matype: int = 0,
    ) -> None:
        super().__init__()
        self.fastk_period = check.period("fastk_period", fastk_period, 1)
        self.slowk_period = check.period("slowk_period", slowk_period, 1)
        self.slowk_matype = check.matype("slowk_matype", slowk_matype)
        self.slowd_period = check.period("slowd_period", slowd_period, 1)
        self.slowd_matype = check.matype("slowd_matype", slowd_matype)
        self._fast_k = _FastK(self.fastk_period)
        self._slow_k = moving_average(self.slowk_period, self.slowk_matype)
        self._slow_d = moving_average(self.slowd_period, self.slowd_matype)
        self._k_from = self.fastk_period - 1
        self._d_from = self._k_from + ma_lookback(self.slowk_period, self.slowk_matype)
        self._first = self._d_from + ma_lookback(self.slowd_period, self.slowd_matype)
        self._bar = 0

    def update(self, high: float, low: float, close: float) -> tuple[float, float]:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN2
            self._waiting = False
        bar = self._bar
        fast_k = self._fast_k.update(high, low, close)
        if bar > self._first:
            slow_k = self._slow_k.update(fast_k)
            return slow_k, self._slow_d.update(slow_k)
        self._bar = bar + 1
        if bar < self._k_from:
            return NAN2
        slow_k = self._slow_k.update(fast_k)
        if bar < self._d_from:
            return NAN2
        slow_d = self._slow_d.update(slow_k)
        if bar < self._first:
            return NAN2
        return slow_k, slow_d


class STOCHF(StreamingIndicator):
    """Fast stochastic oscillator (``ta.stochf``) -> (fastk, fastd)."""

    name = "stochf"
    inputs = ("high", "low", "close")
    outputs = ("fastk", "fastd")
    __slots__ = (
        "fastk_period",
        "fastd_period",
        "fastd_matype",
        "_fast_k",
        "_fast_d",
        "_k_from",
        "_first",
        "_bar",
    )

    def __init__(self, fastk_period: int = 5, fastd_period: int = 3, fastd_matype: int = 0) -> None:
        super().__init__()
        self.fastk_period = check.period("fastk_period", fastk_period, 1)
        self.fastd_period = check.period("fastd_period", fastd_period, 1)
        self.fastd_matype = check.matype("fastd_matype", fastd_matype)
        self._fast_k = _FastK(self.fastk_period)
        self._fast_d = moving_average(self.fastd_period, self.fastd_matype)
        self._k_from = self.fastk_period - 1
        self._first = self._k_from + ma_lookback(self.fastd_period, self.fastd_matype)
        self._bar = 0

    def update(self, high: float, low: float, close: float) -> tuple[float, float]:
        if self._waiting:
            if high != high or low != low or close != close:
                return NAN2
            self._waiting = False
        fast_k = self._fast_k.update(high, low, close)
        bar = self._bar
        if bar < self._first:
            self._bar = bar + 1
            if bar >= self._k_from:
                self._fast_d.update(fast_k)
            return NAN2
        return fast_k, self._fast_d.update(fast_k)


class STOCHRSI(StreamingIndicator):
    """Stochastic RSI: STOCHF applied to the RSI (``ta.stochrsi``) -> (fastk, fastd)."""

    name = "stochrsi"
    inputs = ("close",)
    outputs = ("fastk", "fastd")
    __slots__ = (
        "timeperiod",
        "fastk_period",
        "fastd_period",
        "fastd_matype",
        "_rsi",
        "_stochf",
        "_bar",
    )

    def __init__(
        self,
        timeperiod: int = 14,
        fastk_period: int = 5,
        fastd_period: int = 3,
        fastd_matype: int = 0,
    ) -> None:
        super().__init__()
        self.timeperiod = check.period("timeperiod", timeperiod, 2)
        self.fastk_period = check.period("fastk_period", fastk_period, 1)
        self.fastd_period = check.period("fastd_period", fastd_period, 1)
        self.fastd_matype = check.matype("fastd_matype", fastd_matype)
        self._rsi = started(RSI(self.timeperiod))
        self._stochf = started(STOCHF(self.fastk_period, self.fastd_period, self.fastd_matype))
        self._bar = 0

    def update(self, close: float) -> tuple[float, float]:
        if self._waiting:
            if close != close:
                return NAN2
            self._waiting = False
        rsi = self._rsi.update(close)
        if self._bar < self.timeperiod:  # the RSI's warm-up: %K starts on its first value
            self._bar += 1
            return NAN2
        return self._stochf.update(rsi, rsi, rsi)
