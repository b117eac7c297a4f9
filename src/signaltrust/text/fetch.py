"""Fetching a feed over HTTP: timeouts, a User-Agent, bounded retries on rate limits.

A refused connection, a time-out and an HTTP error are told apart in the message, so the user
knows whether the server said no or did not answer. ``429`` and ``5xx`` answers are retried a
bounded number of times, waiting what ``Retry-After`` asks (capped); every other status fails
at once.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from signaltrust.core.errors import SignalTrustError

USER_AGENT = "SignalTrust/0.1 (research; https://github.com/signaltrust)"


class FetchError(SignalTrustError):
    """A feed that could not be fetched: refused, no answer in time, or an HTTP error."""


@dataclass(frozen=True)
class FetchOptions:
    """How to fetch: ``timeout`` seconds per try, ``retries`` after a 429/5xx, the longest
    ``Retry-After`` wait honoured (``max_wait``), and extra ``headers`` (an API key, the
    contact address SEC EDGAR asks for in the User-Agent)."""

    timeout: float = 15.0
    retries: int = 2
    max_wait: float = 30.0
    headers: Mapping[str, str] | None = None


def fetch_bytes(url: str, options: FetchOptions | None = None, *,
                sleep: Callable[[float], None] = time.sleep) -> bytes:
    """The body of ``url`` (FetchError naming the URL and what happened)."""
    opts = options or FetchOptions()
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", **(opts.headers or {})}
    if not url.startswith(("http://", "https://")):
        raise FetchError("only http(s) URLs can be fetched", field="url", value=url,
                         fix="give a URL such as https://example.com/feed.xml, or a file path")
    attempt = 0
    while True:
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=opts.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            retryable = exc.code == 429 or 500 <= exc.code < 600
            if retryable and attempt < opts.retries:
                attempt += 1
                sleep(_wait(exc.headers.get("Retry-After"), attempt, opts.max_wait))
                continue
            hint = ("the server limits the request rate: wait, or lower the polling rate"
                    if exc.code == 429 else
                    "check the API key" if exc.code in (401, 403) else "check the URL")
            raise FetchError(f"HTTP {exc.code} {exc.reason} from the feed", field="url",
                             value=url, fix=hint) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ConnectionRefusedError):
                raise FetchError("the server refused the connection", field="url", value=url,
                                 fix="check the host and port; is the service running?") from None
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise FetchError(f"no answer within {opts.timeout:g} s (not refused: the "
                                 "server may still be working)", field="url", value=url,
                                 fix="try again later or raise the timeout") from None
            raise FetchError(f"cannot reach the feed: {reason}", field="url", value=url,
                             fix="check the address and the network") from None
        except TimeoutError:
            raise FetchError(f"no answer within {opts.timeout:g} s (not refused: the server "
                             "may still be working)", field="url", value=url,
                             fix="try again later or raise the timeout") from None
        except (ConnectionResetError, http_incomplete()) as exc:
            if attempt < opts.retries:
                attempt += 1
                sleep(_wait(None, attempt, opts.max_wait))
                continue
            raise FetchError(f"the connection broke while reading: {type(exc).__name__}",
                             field="url", value=url, fix="try again later") from None


def http_incomplete() -> type[Exception]:
    import http.client

    return http.client.HTTPException


def _wait(retry_after: str | None, attempt: int, cap: float) -> float:
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), cap)
        except ValueError:
            pass
    return min(0.5 * 2 ** (attempt - 1), cap)


__all__ = ["FetchError", "FetchOptions", "USER_AGENT", "fetch_bytes"]
