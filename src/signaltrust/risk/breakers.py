"""Circuit breakers: daily loss, consecutive losses, volatility spikes and stale data.

Each breaker only measures and says when it trips; the risk engine turns a trip into a trading
state hold (HALTED until the next day, REDUCING for some bars...) and audits it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

NS_PER_DAY = 86_400_000_000_000


def next_day_ns(now_ns: int) -> int:
    """Midnight UTC after ``now_ns``: when a daily-loss halt ends."""
    return (int(now_ns) // NS_PER_DAY + 1) * NS_PER_DAY


@dataclass(frozen=True)
class Trip:
    """A breaker tripped: which one, the measured value, the threshold and the details."""

    breaker: str
    value: float
    threshold: float
    detail: str


class DailyLossBreaker:
    """Trips when equity falls ``limit`` (a fraction) below the equity at the day's start.

    The day's start equity is the last equity seen before the first update of a new UTC day
    (realised and unrealised P&L together, as equity marks positions to the latest prices).
    """

    name = "daily_loss"

    def __init__(self, limit: float) -> None:
        self.limit = float(limit)
        self.day: int | None = None
        self.day_start_equity = float("nan")
        self._last_equity = float("nan")

    def update(self, now_ns: int, equity: float) -> Trip | None:
        day = int(now_ns) // NS_PER_DAY
        if day != self.day:
            self.day = day
            self.day_start_equity = (self._last_equity if self._last_equity == self._last_equity
                                     else float(equity))
        self._last_equity = float(equity)
        start = self.day_start_equity
        if not start > 0.0:
            return None
        loss = 1.0 - float(equity) / start
        if loss >= self.limit:
            return Trip(self.name, loss, self.limit,
                        f"equity {equity:.2f} is {loss:.2%} below the day's start {start:.2f}")
        return None


class ConsecutiveLossBreaker:
    """Trips after ``limit`` losing trades in a row (a winning or flat trade resets the count)."""

    name = "consecutive_losses"

    def __init__(self, limit: int) -> None:
        self.limit = int(limit)
        self.count = 0

    def record(self, pnl: float) -> Trip | None:
        self.count = self.count + 1 if pnl < 0.0 else 0
        if self.count >= self.limit:
            count, self.count = self.count, 0
            return Trip(self.name, float(count), float(self.limit),
                        f"{count} losing trades in a row")
        return None


class VolatilitySpikeBreaker:
    """Trips when a bar's |return| exceeds ``k`` x the standard deviation of the ``window``
    returns before it (the trailing volatility excludes the bar being judged)."""

    name = "volatility_spike"

    def __init__(self, k: float, window: int = 20) -> None:
        self.k = float(k)
        self.window = int(window)
        self._last: dict[str, float] = {}
        self._returns: dict[str, deque[float]] = {}

    def update(self, symbol: str, close: float) -> Trip | None:
        close = float(close)
        previous = self._last.get(symbol)
        self._last[symbol] = close
        if previous is None or not previous > 0.0 or close != close:
            return None
        ret = close / previous - 1.0
        history = self._returns.setdefault(symbol, deque(maxlen=self.window))
        trip = None
        if len(history) == self.window:
            vol = float(np.std(np.asarray(history), ddof=1))
            if vol > 0.0 and abs(ret) > self.k * vol:
                trip = Trip(self.name, abs(ret) / vol, self.k,
                            f"{symbol} moved {ret:+.2%}, {abs(ret) / vol:.1f} x its trailing "
                            f"volatility {vol:.2%} over {self.window} bars")
        history.append(ret)
        return trip


class StaleDataGuard:
    """The age of each instrument's latest bar or quote; stale beyond ``after_seconds``."""

    name = "stale_data"

    def __init__(self, after_seconds: float) -> None:
        self.after_ns = int(round(float(after_seconds) * 1e9))
        self.seen: dict[str, int] = {}

    def update(self, symbol: str, ts_ns: int) -> None:
        if ts_ns > self.seen.get(symbol, -1):
            self.seen[symbol] = int(ts_ns)

    def age_seconds(self, symbol: str, now_ns: int) -> float:
        """Seconds since the latest data of ``symbol`` (inf when none was ever seen)."""
        last = self.seen.get(symbol)
        return math.inf if last is None else (int(now_ns) - last) / 1e9

    def is_stale(self, symbol: str, now_ns: int) -> bool:
        last = self.seen.get(symbol)
        return last is not None and int(now_ns) - last > self.after_ns
