"""Retries with jittered exponential backoff, and which broker errors may be retried.

The rules every adapter follows (``call_with_retries``):

- a 429 (:class:`RateLimitedError`) was refused before it did anything: wait what the venue
  asked (``Retry-After``) or the backoff, pause the venue's token bucket, and send it again;
- an ambiguous failure (a timeout, a dropped connection, a 5xx) is retried only when the
  request is idempotent: a read, a cancel, or an order sent again under the **same** client
  order id, which the venue deduplicates;
- a definitive refusal is never retried;
- a request that never left (the connection was refused) may always be retried; when every
  attempt failed so, the venue certainly did nothing (a definitive error), but once any
  attempt may have reached it, the outcome is ambiguous.

Waits go through an injected ``sleep`` and a seeded random generator, so tests run without
real sleeps and the same seed gives the same waits.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from signaltrust.core.errors import (
    AmbiguousBrokerError,
    BrokerError,
    DefinitiveBrokerError,
    RateLimitedError,
    ValidationError,
)
from signaltrust.live.ratelimit import Sleep, TokenBucket

T = TypeVar("T")
log = logging.getLogger("signaltrust.live.retry")


class NotSentError(BrokerError):
    """The request never reached the venue (connection refused, no free connection)."""


@dataclass
class RetryPolicy:
    """``retries`` after the first try; waits ``uniform(0, min(cap_s, base_s * 2**n))`` (full
    jitter) or the venue's ``Retry-After`` when it is longer."""

    retries: int = 4
    base_s: float = 0.5
    cap_s: float = 30.0
    seed: int | None = None
    sleep: Sleep = asyncio.sleep
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.retries < 0 or not self.base_s > 0 or self.cap_s < self.base_s:
            raise ValidationError(
                "a retry policy needs retries >= 0 and 0 < base_s <= cap_s", field="retries",
                value=(self.retries, self.base_s, self.cap_s), fix="e.g. RetryPolicy(4, 0.5, 30)",
            )
        self._rng = random.Random(self.seed)

    def backoff(self, attempt: int) -> float:
        """The jittered wait before retry number ``attempt`` (0 for the first retry)."""
        return self._rng.uniform(0.0, min(self.cap_s, self.base_s * 2.0**attempt))


async def call_with_retries(
    request: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    limiter: TokenBucket | None = None,
    weight: float = 1.0,
    idempotent: bool = True,
    what: str = "request",
) -> T:
    """Run ``request`` under the venue's token bucket, retrying as the module doc says.

    ``request`` raises :class:`BrokerError` subclasses (the adapter classifies its library's
    errors); the last one is raised when the retries are spent, as an
    :class:`AmbiguousBrokerError` once any attempt may have reached the venue.
    """
    maybe_reached = False
    attempt = 0
    while True:
        if limiter is not None:
            await limiter.acquire(weight)
        try:
            return await request()
        except DefinitiveBrokerError:
            raise
        except RateLimitedError as exc:
            wait = max(exc.retry_after or 0.0, policy.backoff(attempt))
            if limiter is not None:
                limiter.pause(wait)
            last: BrokerError = exc
        except NotSentError as exc:
            wait = policy.backoff(attempt)
            last = exc
        except AmbiguousBrokerError as exc:
            maybe_reached = True
            if not idempotent:
                raise
            wait = policy.backoff(attempt)
            last = exc
        if attempt >= policy.retries:
            break
        log.warning("%s failed (%s); retry %d of %d in %.2fs", what, last.message, attempt + 1,
                    policy.retries, wait)
        attempt += 1
        await policy.sleep(wait)
    if maybe_reached and not isinstance(last, AmbiguousBrokerError):
        raise AmbiguousBrokerError(
            f"{what}: outcome unknown after {attempt + 1} attempts (an earlier one may have "
            f"reached the venue); last: {last.message}", venue=last.venue, status=last.status,
            fix="the order stays open; reconciliation asks the venue by client order id",
        )
    if isinstance(last, NotSentError | RateLimitedError):
        raise DefinitiveBrokerError(
            f"{what}: not accepted after {attempt + 1} attempts; last: {last.message}",
            venue=last.venue, status=last.status, fix=last.fix,
        )
    raise last


__all__ = ["NotSentError", "RetryPolicy", "call_with_retries"]
