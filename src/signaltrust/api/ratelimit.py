"""Rate limits per key or user and per client address (the ``limits`` library): counted in
this process by default, in Redis when ``api.rate_limit_storage`` says so, so that every worker
and every API process shares one count."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import limits
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from signaltrust.core.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to one request: allowed or not, the limit, how many remain (-1 when allowed:
    not asked, it costs a round trip to Redis) and the seconds until a retry."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int


class RateLimits:
    """The limits of one API: ``hit(kind, who)`` counts a request of ``who`` against ``kind``.

    ``namespace`` keeps two apps (tests, installations sharing a Redis) apart.
    """

    def __init__(
        self,
        storage_uri: str,
        items: dict[str, limits.RateLimitItem],
        *,
        namespace: str | None = None,
    ) -> None:
        try:
            self.storage = storage_from_string(storage_uri)
        except Exception as exc:  # limits raises ConfigurationError or ValueError
            raise ConfigError(
                f"the rate-limit storage cannot be used: {exc}", field="api.rate_limit_storage",
                value=storage_uri.split("@")[-1],
                fix="use memory:// or redis://127.0.0.1:6379/0 (the redis package installed)",
            ) from exc
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.items = dict(items)
        self.namespace = namespace or uuid.uuid4().hex[:8]
        self.backend = storage_uri.split(":", 1)[0]

    def hit(self, kind: str, who: str) -> Verdict:
        """Count one request of ``who`` (a key id, a user or an address) against ``kind``."""
        item = self.items[kind]
        if self.limiter.hit(item, self.namespace, kind, who):
            return Verdict(True, item.amount, -1, 0)  # remaining unknown: not worth a call
        stats = self.limiter.get_window_stats(item, self.namespace, kind, who)
        retry = max(1, int(stats.reset_time - time.time() + 0.999))
        return Verdict(False, item.amount, max(0, stats.remaining), retry)

    def healthy(self) -> bool:
        """Whether the storage answers (Redis reachable)."""
        try:
            return bool(self.storage.check())
        except Exception:
            return False


__all__ = ["RateLimits", "Verdict"]
