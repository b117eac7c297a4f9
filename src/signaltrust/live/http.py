"""One venue's REST connection (httpx): rate limit, retries and the error classification.

:class:`VenueHttp` sends every request through the venue's :class:`TokenBucket` and
:func:`call_with_retries`, and turns what went wrong into the broker errors of
``signaltrust.core.errors``:

| what happened | error |
|---|---|
| connection refused, connect timeout, no pooled connection | ``NotSentError`` (safe to retry) |
| read or write timeout, connection dropped mid-request | ``AmbiguousBrokerError`` |
| HTTP 429 (``Retry-After`` in seconds or as a date) | ``RateLimitedError`` |
| HTTP 5xx | ``AmbiguousBrokerError`` (the venue may have acted) |
| any other 4xx | ``DefinitiveBrokerError`` with the venue's own message |

Messages go through the venue's :class:`Redactor`, so no key reaches a log or an error.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from signaltrust.core.errors import (
    AmbiguousBrokerError,
    DefinitiveBrokerError,
    RateLimitedError,
)
from signaltrust.live.ratelimit import TokenBucket
from signaltrust.live.retry import NotSentError, RetryPolicy, call_with_retries
from signaltrust.live.secrets import Redactor

log = logging.getLogger("signaltrust.live.http")
Signer = Callable[[str, str, str], dict[str, str]]  # method, path with query, body -> headers


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (the wait until then)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def venue_message(body: Any) -> str:
    """The human part of a venue's error body (``message``, ``msg``, ``errorMessage``...)."""
    if isinstance(body, dict):
        for key in ("message", "msg", "errorMessage", "error_description", "detail", "error"):
            if body.get(key):
                return str(body[key])
        if isinstance(body.get("errors"), list) and body["errors"]:
            return "; ".join(str(e.get("detail", e)) if isinstance(e, dict) else str(e)
                             for e in body["errors"])
    return str(body)[:300]


class VenueHttp:
    """A venue's REST API: ``await http.request("GET", "/v3/...", params=...)`` -> JSON."""

    def __init__(
        self,
        venue: str,
        base_url: str,
        *,
        policy: RetryPolicy,
        limiter: TokenBucket,
        timeout_s: float = 10.0,
        headers: dict[str, str] | None = None,
        signer: Signer | None = None,
        redact: Redactor | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.venue = venue
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.limiter = limiter
        self.timeout_s = timeout_s
        self._headers = headers or {}
        self._signer = signer
        self.redact = redact or Redactor()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def _session(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.base_url, timeout=self.timeout_s, headers=self._headers,
                transport=self._transport,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool; safe to call twice."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def __repr__(self) -> str:  # never the headers: they hold keys
        return f"VenueHttp({self.venue!r}, {self.base_url!r})"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        weight: float = 1.0,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request with the venue's limits and retries; its JSON (None when empty).

        Reads, PUTs and DELETEs are idempotent; a POST is only when the caller says so (an
        order sent under its client order id)."""
        if idempotent is None:
            idempotent = method.upper() != "POST"
        content = json.dumps(body, separators=(",", ":")) if body is not None else ""
        query = str(httpx.QueryParams(params or {}))
        target = path + (f"?{query}" if query else "")

        async def once() -> Any:
            headers = {"Content-Type": "application/json"} if content else {}
            if self._signer is not None:
                headers.update(self._signer(method.upper(), target, content))
            try:
                response = await self._session().request(
                    method, target, content=content or None, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                raise NotSentError(
                    f"{self.venue} {method} {path}: not sent ({type(exc).__name__})",
                    venue=self.venue,
                ) from None
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise AmbiguousBrokerError(
                    f"{self.venue} {method} {path}: no answer ({type(exc).__name__}: "
                    f"{self.redact(exc)})", venue=self.venue,
                    fix="the outcome is unknown; the order stays open until the venue says",
                ) from None
            return self._answer(method, path, response)

        return await call_with_retries(
            once, policy=self.policy, limiter=self.limiter, weight=weight,
            idempotent=idempotent, what=f"{self.venue} {method} {path}",
        )

    def _answer(self, method: str, path: str, response: httpx.Response) -> Any:
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        status = response.status_code
        if status < 400:
            return body
        text = self.redact(venue_message(body))
        where = f"{self.venue} {method} {path}"
        if status == 429:
            raise RateLimitedError(
                f"{where}: rate limited ({text})", venue=self.venue, status=status,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise AmbiguousBrokerError(f"{where}: venue error {status} ({text})",
                                       venue=self.venue, status=status)
        error = DefinitiveBrokerError(f"{where}: refused {status} ({text})", venue=self.venue,
                                      status=status, value=None)
        error.body = body  # type: ignore[attr-defined]  # the adapter reads the venue's code
        raise error

    async def lines(
        self, path: str, *, params: dict[str, Any] | None = None, stream_url: str | None = None
    ) -> AsyncIterator[Any]:
        """A streaming endpoint's JSON lines (OANDA's price and transaction streams); ends
        when the venue closes it, raises ``AmbiguousBrokerError`` when it drops."""
        await self.limiter.acquire(1.0)
        url = (stream_url or self.base_url).rstrip("/") + path
        headers = dict(self._headers)
        timeout = httpx.Timeout(self.timeout_s, read=max(self.timeout_s, 30.0))
        try:
            async with (
                httpx.AsyncClient(timeout=timeout, transport=self._transport) as client,
                client.stream("GET", url, params=params, headers=headers) as reply,
            ):
                if reply.status_code >= 400:
                    await reply.aread()
                    self._answer("GET", path, reply)
                async for line in reply.aiter_lines():
                    if line.strip():
                        yield json.loads(line)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            raise AmbiguousBrokerError(
                f"{self.venue} stream {path} dropped ({type(exc).__name__})", venue=self.venue
            ) from None


__all__ = ["VenueHttp", "retry_after_seconds", "venue_message"]
