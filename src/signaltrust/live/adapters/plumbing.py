"""The clock, sleep and randomness an adapter runs on: real by default, injected in tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signaltrust.live.ratelimit import Clock, Sleep, TokenBucket
from signaltrust.live.retry import RetryPolicy


@dataclass
class Plumbing:
    """What an adapter waits with: ``sleep`` (backoff, polling, rate limits), ``clock``
    (monotonic seconds for the token bucket), ``clock_ns`` (UTC now, for complete bars and
    report times), ``seed`` (backoff jitter) and the report polling interval."""

    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic
    clock_ns: Callable[[], int] = time.time_ns
    seed: int | None = None
    poll_interval_s: float = 2.0
    reconnect_cap_s: float = 30.0

    def policy(self, section: Any) -> RetryPolicy:
        """The retry policy of a ``[venues.*]`` section (``retries``, ``backoff_s``)."""
        return RetryPolicy(retries=section.retries, base_s=section.backoff_s,
                           cap_s=max(self.reconnect_cap_s, section.backoff_s),
                           seed=self.seed, sleep=self.sleep)

    def bucket(self, capacity: float, per_second: float) -> TokenBucket:
        return TokenBucket(capacity, per_second, clock=self.clock, sleep=self.sleep)


__all__ = ["Plumbing"]
