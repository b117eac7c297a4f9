"""One CCXT exchange (async ``ccxt.pro`` class: REST and ``watch_*`` streams) behind the venue
rules: our token bucket instead of ccxt's throttler, our retries, and ccxt's exceptions sorted
into the broker errors.

Endpoints are ccxt's own for the exchange (``sandbox = true`` switches to its testnet where
ccxt knows one). ``api_url`` / ``ws_url`` in ``[venues.ccxt.<id>]`` move every REST / stream
URL of the exchange to that base, keeping each URL's path (ccxt documents overriding
``exchange.urls['api']``); the tests point Binance, Coinbase and Kraken at loopback this way.

| ccxt raises | broker error |
|---|---|
| ``RateLimitExceeded``, ``DDoSProtection`` | ``RateLimitedError`` (``Retry-After`` when sent) |
| ``RequestTimeout``, other ``NetworkError`` | ``AmbiguousBrokerError`` |
| ``ExchangeNotAvailable`` caused by a refused connection | ``NotSentError`` |
| ``DuplicateOrderId``, an ``ExchangeError`` saying "duplicate" | ``DuplicateClientOrderIdError`` |
| other ``ExchangeError`` (funds, invalid order, auth, not found) | ``DefinitiveBrokerError`` |
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from signaltrust.core.errors import (
    AmbiguousBrokerError,
    ConfigError,
    DefinitiveBrokerError,
    RateLimitedError,
)
from signaltrust.live.adapters.execution import DuplicateClientOrderIdError
from signaltrust.live.adapters.plumbing import Plumbing
from signaltrust.live.http import retry_after_seconds
from signaltrust.live.retry import NotSentError, call_with_retries
from signaltrust.live.secrets import Redactor

log = logging.getLogger("signaltrust.live.adapters.ccxt")

#: ccxt options that keep each exchange to its spot markets and away from calls the adapter
#: does not need (Binance's currency list and margin pairs are private, signed calls)
OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {"fetchCurrencies": False, "fetchMargins": False,
                "fetchMarkets": {"types": ["spot"]}, "defaultType": "spot",
                "newOrderRespType": {"market": "FULL", "limit": "FULL"}},
    "kraken": {},
    "coinbase": {"fetchMarkets": "fetchMarketsV3", "fetchBalance": "v3PrivateGetBrokerageAccounts"},
}
#: seconds to wait after a rate-limit answer that names no wait (Kraken's "EAPI:Rate limit
#: exceeded" comes without Retry-After; its counter drains one call per ~3 s on the base tier)
RATE_LIMIT_WAIT_S: dict[str, float] = {"kraken": 3.0}
#: the exchanges the conformance suite runs against (others open, untested)
TESTED = tuple(OPTIONS)


class RedactingLogger(logging.LoggerAdapter):
    """The logger handed to ccxt: it logs every request's headers at DEBUG, keys included, so
    each message goes through the venue's redactor first."""

    def __init__(self, logger: logging.Logger, redact: Redactor) -> None:
        super().__init__(logger, {})
        self.redact = redact

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            text = str(msg) % args if args else str(msg)
            self.logger.log(level, "%s", self.redact(text), **kwargs)


def move_urls(tree: Any, http_base: str | None, ws_base: str | None) -> Any:
    """Every URL in ccxt's ``urls['api']`` with its scheme and host replaced by ``http_base``
    (``ws_base`` for ``ws``/``wss`` URLs), its path kept."""
    if isinstance(tree, dict):
        return {k: move_urls(v, http_base, ws_base) for k, v in tree.items()}
    if isinstance(tree, list):
        return [move_urls(v, http_base, ws_base) for v in tree]
    if isinstance(tree, str) and "://" in tree:
        parts = urlsplit(tree)
        base = ws_base if parts.scheme.startswith("ws") else http_base
        if base:
            return base.rstrip("/") + tree[len(parts.scheme) + 3 + len(parts.netloc):]
    return tree


class CcxtSession:
    """One exchange's ccxt.pro object with the venue's limits, retries and error rules."""

    def __init__(self, exchange_id: str, settings: Any, plumbing: Plumbing,
                 exchange: Any = None) -> None:
        import ccxt.pro as ccxtpro

        if exchange is None and not hasattr(ccxtpro, exchange_id):
            raise ConfigError(
                f"ccxt has no exchange {exchange_id!r}", field="venue", value=exchange_id,
                fix="use a ccxt exchange id such as binance, coinbase or kraken")
        self.id = exchange_id
        self.name = f"ccxt:{exchange_id}"
        self.settings = settings
        self.plumbing = plumbing
        self.redact = Redactor(settings.api_key, settings.secret, settings.password)
        config: dict[str, Any] = {
            "enableRateLimit": False,  # our token bucket paces the requests
            "timeout": int(settings.timeout_s * 1000),
            "options": dict(OPTIONS.get(exchange_id, {})),
            "logger": RedactingLogger(logging.getLogger("ccxt.base.exchange"), self.redact),
        }
        for field, key in (("api_key", "apiKey"), ("secret", "secret"), ("password", "password")):
            value = getattr(settings, field)
            if value is not None and value.get_secret_value():
                config[key] = value.get_secret_value()
        self.exchange = exchange or getattr(ccxtpro, exchange_id)(config)
        if settings.sandbox:
            self.exchange.set_sandbox_mode(True)
        if settings.api_url or settings.ws_url:
            self.exchange.urls["api"] = move_urls(self.exchange.urls["api"], settings.api_url,
                                                  settings.ws_url)
        self._retry_after: str | None = None
        self._catch_retry_after()
        per_second = 1000.0 / max(float(self.exchange.rateLimit or 100), 1.0)
        self.policy = plumbing.policy(settings)
        self.limiter = plumbing.bucket(max(1.0, per_second), per_second)

    def _catch_retry_after(self) -> None:
        """Keep a 429's ``Retry-After``: ccxt raises without the headers, and its
        ``last_response_headers`` may already belong to a concurrent request."""
        original = self.exchange.handle_errors

        def handle_errors(code, reason, url, method, headers, body, *rest):
            if code == 429:
                self._retry_after = (headers or {}).get("Retry-After")
            return original(code, reason, url, method, headers, body, *rest)

        self.exchange.handle_errors = handle_errors

    def __repr__(self) -> str:  # never the exchange object: it holds the keys
        return f"CcxtSession({self.id!r})"

    def has_keys(self) -> bool:
        return bool(getattr(self.exchange, "apiKey", None))

    async def call(self, what: str, fn: Callable[..., Awaitable[Any]], *args: Any,
                   idempotent: bool = True, **kwargs: Any) -> Any:
        """``await fn(*args, **kwargs)`` with the venue's limits, retries and errors."""
        async def once() -> Any:
            try:
                return await fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - sorted into the broker errors
                raise self.classify(what, exc) from None

        return await call_with_retries(once, policy=self.policy, limiter=self.limiter,
                                       idempotent=idempotent, what=f"{self.name} {what}")

    def classify(self, what: str, exc: Exception) -> Exception:
        """A ccxt exception as a broker error (the table in the module doc)."""
        import aiohttp
        import ccxt

        where = f"{self.name} {what}"
        text = self.redact(exc)[:400]
        if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
            wait = retry_after_seconds(self._retry_after)
            self._retry_after = None
            if wait is None:
                wait = RATE_LIMIT_WAIT_S.get(self.id)
            return RateLimitedError(f"{where}: rate limited ({text})", venue=self.name,
                                    status=429, retry_after=wait)
        if isinstance(exc, ccxt.DuplicateOrderId) or (
                isinstance(exc, ccxt.ExchangeError) and "duplicate" in text.lower()):
            # Binance answers a reused newClientOrderId with -2010 "Duplicate order sent.",
            # which ccxt raises as InvalidOrder; Kraken with "EOrder:Duplicate order"
            return DuplicateClientOrderIdError(f"{where}: {text}", venue=self.name)
        if isinstance(exc, ccxt.RequestTimeout):
            return AmbiguousBrokerError(
                f"{where}: no answer ({text})", venue=self.name,
                fix="the outcome is unknown; the order stays open until the venue says")
        if isinstance(exc, ccxt.NetworkError):
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, aiohttp.ClientConnectorError):
                return NotSentError(f"{where}: not sent ({type(cause).__name__})",
                                    venue=self.name)
            return AmbiguousBrokerError(f"{where}: {type(exc).__name__} ({text})",
                                        venue=self.name)
        if isinstance(exc, ccxt.BaseError):  # ExchangeError and the rest: the venue refused
            error = DefinitiveBrokerError(f"{where}: refused ({text})", venue=self.name,
                                          status=type(exc).__name__, value=None)
            error.ccxt = type(exc).__name__  # type: ignore[attr-defined]
            return error
        return exc

    async def close(self) -> None:
        await self.exchange.close()


__all__ = ["OPTIONS", "TESTED", "CcxtSession", "RedactingLogger", "move_urls"]
