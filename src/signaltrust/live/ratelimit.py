"""A weighted token bucket per venue: each request spends its endpoint's weight in tokens.

Why our own and not the ``limits`` package: ``limits`` counts hits in fixed or moving windows
and answers "allowed or not"; an adapter must instead *wait* until its request may go, spend
a per-endpoint weight (Binance's klines cost 2, its account 20), pause everything when the
venue answers 429, and run on an injected clock so that tests never sleep. That is thirty
lines of asyncio, below.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from signaltrust.core.errors import ValidationError

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """``capacity`` tokens refilled at ``per_second``; ``acquire(weight)`` waits for them.

    Requests are served in arrival order (a lock), so a heavy request is not starved by light
    ones. ``pause(seconds)`` empties the bucket until then: what a 429 with ``Retry-After``
    asks. ``clock`` and ``sleep`` are injectable (monotonic seconds, ``asyncio.sleep``).
    """

    def __init__(
        self, capacity: float, per_second: float, *, clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not capacity > 0 or not per_second > 0:
            raise ValidationError(
                "a token bucket needs a positive capacity and refill rate", field="capacity",
                value=(capacity, per_second), fix="give e.g. capacity=200, per_second=200/60",
            )
        self.capacity = float(capacity)
        self.per_second = float(per_second)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._stamp = clock()
        self._paused_until = 0.0
        self._lock: asyncio.Lock | None = None
        self.waited = 0.0  # seconds spent waiting, for reports and tests

    @classmethod
    def per_minute(cls, requests: int, **kwargs) -> TokenBucket:
        """A bucket allowing ``requests`` a minute, all of them in a burst."""
        return cls(requests, requests / 60.0, **kwargs)

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.per_second)
        self._stamp = now
        return now

    async def acquire(self, weight: float = 1.0) -> float:
        """Wait until ``weight`` tokens are there and spend them; the seconds waited."""
        if weight > self.capacity:
            raise ValidationError(
                "a request weighs more than the bucket holds", field="weight", value=weight,
                fix=f"keep endpoint weights at or below the capacity {self.capacity:g}",
            )
        if self._lock is None:
            self._lock = asyncio.Lock()
        waited = 0.0
        async with self._lock:
            while True:
                now = self._refill()
                wait = self._paused_until - now
                if wait <= 0 and self._tokens >= weight:
                    self._tokens -= weight
                    self.waited += waited
                    return waited
                if wait <= 0:
                    wait = (weight - self._tokens) / self.per_second
                await self._sleep(wait)
                waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (the venue said too many) and start empty."""
        now = self._refill()
        self._paused_until = max(self._paused_until, now + max(0.0, seconds))
        self._tokens = 0.0


__all__ = ["Clock", "Sleep", "TokenBucket"]
