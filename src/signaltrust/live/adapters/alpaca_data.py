"""Alpaca on alpaca-py: the session (clients, limits, errors), instruments and bars.

Endpoints (paper by default): trading ``https://paper-api.alpaca.markets`` (live
``https://api.alpaca.markets``), market data ``https://data.alpaca.markets``, trade updates
``wss://paper-api.alpaca.markets/stream``. Each can be replaced in ``[venues.alpaca]``
(``trading_url``, ``data_url``, ``trading_stream_url``); alpaca-py's clients take them as
``url_override``.

alpaca-py's REST clients are synchronous (``requests``), so every call runs in a worker thread
(``asyncio.to_thread``) under the venue's token bucket and :func:`call_with_retries`. Two
defaults of alpaca-py are turned off because they would hide what happened from the retry
rules: its own 429 retry loop (real ``time.sleep``) and its lack of a timeout (a request could
hang forever). Errors are sorted as for every venue: connection refused -> not sent; read
timeout or a dropped connection -> ambiguous; 429 -> rate limited (``Retry-After`` or
``X-RateLimit-Reset``); 5xx -> ambiguous; other 4xx -> refused with Alpaca's message. Alpaca
refuses a second order under a client order id (``40010001 client_order_id must be unique``),
which is how a resend never makes a second order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import requests
from requests.adapters import HTTPAdapter

from signaltrust.core.errors import (
    AmbiguousBrokerError,
    DefinitiveBrokerError,
    RateLimitedError,
    ValidationError,
)
from signaltrust.core.events import Bar, Tick
from signaltrust.core.instrument import AssetClass, Instrument
from signaltrust.core.timeframe import Timeframe
from signaltrust.live.adapters.bars import BarGate, bar_frame, merge, utc
from signaltrust.live.adapters.plumbing import Plumbing
from signaltrust.live.adapters.symbols import from_alpaca, to_alpaca
from signaltrust.live.contract import DataClient, InstrumentProvider
from signaltrust.live.http import retry_after_seconds, venue_message
from signaltrust.live.retry import NotSentError, call_with_retries
from signaltrust.live.secrets import Redactor, reveal

log = logging.getLogger("signaltrust.live.adapters.alpaca")
PAPER_STREAM = "wss://paper-api.alpaca.markets/stream"
LIVE_STREAM = "wss://api.alpaca.markets/stream"
DUPLICATE_CODE = 40010001


class _TimeoutAdapter(HTTPAdapter):
    """requests' adapter with a default timeout (alpaca-py passes none)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def send(self, request, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_s
        return super().send(request, **kwargs)


def _tame(client: Any, timeout_s: float) -> Any:
    """No silent 429 loop with real sleeps, and a timeout on every request (see module doc)."""
    client._retry = 0  # alpaca-py's RESTClient retries 429/504 itself with time.sleep
    adapter = _TimeoutAdapter(timeout_s)
    client._session.mount("http://", adapter)
    client._session.mount("https://", adapter)
    return client


def alpaca_timeframe(timeframe: str):
    """Our ``1m``/``5m``/``1h``/``1d`` as alpaca-py's ``TimeFrame``."""
    from alpaca.data.timeframe import TimeFrame, TimeFrameUnit

    tf = Timeframe.parse(timeframe)
    seconds = tf.approx_nanos // 1_000_000_000
    for unit, size, most in ((TimeFrameUnit.Week, 604800, 1), (TimeFrameUnit.Day, 86400, 1),
                             (TimeFrameUnit.Hour, 3600, 23), (TimeFrameUnit.Minute, 60, 59)):
        if seconds % size == 0 and 1 <= seconds // size <= most:
            return TimeFrame(seconds // size, unit)
    raise ValidationError("Alpaca has no bars of this length", field="timeframe",
                          value=timeframe, fix="use 1m..59m, 1h..23h, 1d or 1w")


class AlpacaSession:
    """The account's alpaca-py clients, shared by the three Alpaca clients."""

    def __init__(self, settings: Any, plumbing: Plumbing) -> None:
        from alpaca.data.historical import CryptoHistoricalDataClient, StockHistoricalDataClient
        from alpaca.trading.client import TradingClient

        key = reveal(settings.api_key, field="venues.alpaca.api_key", venue="alpaca")
        secret = reveal(settings.secret_key, field="venues.alpaca.secret_key", venue="alpaca")
        self.settings = settings
        self.plumbing = plumbing
        self.credentials = (key, secret)
        self.redact = Redactor(settings.api_key, settings.secret_key)
        self.policy = plumbing.policy(settings)
        per_second = settings.requests_per_minute / 60.0
        self.limiter = plumbing.bucket(max(1.0, per_second * 5), per_second)
        self.trading = _tame(TradingClient(key, secret, paper=settings.paper, raw_data=True,
                                           url_override=settings.trading_url), settings.timeout_s)
        self.stocks = _tame(StockHistoricalDataClient(key, secret, raw_data=True,
                                                      url_override=settings.data_url),
                            settings.timeout_s)
        self.crypto = _tame(CryptoHistoricalDataClient(key, secret, raw_data=True,
                                                       url_override=settings.data_url),
                            settings.timeout_s)
        self.stream_url = settings.trading_stream_url or (
            PAPER_STREAM if settings.paper else LIVE_STREAM)

    def __repr__(self) -> str:  # never the clients: they hold the keys
        return f"AlpacaSession(paper={self.settings.paper})"

    async def call(self, what: str, fn: Callable[..., Any], *args: Any,
                   idempotent: bool = True) -> Any:
        """``fn(*args)`` in a worker thread, with the venue's limits, retries and errors."""
        async def once() -> Any:
            try:
                return await asyncio.to_thread(fn, *args)
            except Exception as exc:  # noqa: BLE001 - sorted into the broker errors
                raise self.classify(what, exc) from None

        return await call_with_retries(once, policy=self.policy, limiter=self.limiter,
                                       idempotent=idempotent, what=f"alpaca {what}")

    def classify(self, what: str, exc: Exception) -> Exception:
        """An alpaca-py or requests error as a broker error (see the module doc)."""
        from alpaca.common.exceptions import APIError

        where = f"alpaca {what}"
        if isinstance(exc, APIError):
            status = exc.status_code
            try:
                body = json.loads(str(exc))
            except ValueError:
                body = str(exc)
            text = self.redact(venue_message(body))
            headers = exc.response.headers if exc.response is not None else {}
            if status == 429:
                wait = retry_after_seconds(headers.get("Retry-After"))
                if wait is None and headers.get("X-RateLimit-Reset"):
                    wait = max(0.0, float(headers["X-RateLimit-Reset"]) - time.time())
                return RateLimitedError(f"{where}: rate limited ({text})", venue="alpaca",
                                        status=status, retry_after=wait)
            if status is None or status >= 500:
                return AmbiguousBrokerError(f"{where}: venue error {status} ({text})",
                                            venue="alpaca", status=status)
            error = DefinitiveBrokerError(f"{where}: refused {status} ({text})", venue="alpaca",
                                          status=status, value=None)
            error.body = body  # type: ignore[attr-defined]
            return error
        if isinstance(exc, requests.exceptions.ConnectTimeout) or (
                isinstance(exc, requests.exceptions.ConnectionError)
                and "NewConnectionError" in repr(exc.args)):
            return NotSentError(f"{where}: not sent ({type(exc).__name__})", venue="alpaca")
        if isinstance(exc, requests.exceptions.RequestException):
            return AmbiguousBrokerError(
                f"{where}: no answer ({type(exc).__name__})", venue="alpaca",
                fix="the outcome is unknown; the order stays open until the venue says")
        if isinstance(exc, ValueError | TypeError | KeyError):  # a body we cannot read
            return AmbiguousBrokerError(f"{where}: unreadable answer ({self.redact(exc)})",
                                        venue="alpaca")
        return exc


class AlpacaInstruments(InstrumentProvider):
    unknown = "unknown Alpaca asset"
    spelling = "call load() first; stocks are AAPL, crypto BTC-USD"
    venue = "alpaca"

    def __init__(self, session: AlpacaSession) -> None:
        self.session = session
        self.loaded: dict[str, Instrument] = {}

    async def load(self) -> dict[str, Instrument]:
        from alpaca.trading.enums import AssetStatus
        from alpaca.trading.requests import GetAssetsRequest

        assets = await self.session.call(
            "GET /v2/assets", self.session.trading.get_all_assets,
            GetAssetsRequest(status=AssetStatus.ACTIVE))
        out = {}
        for item in assets:
            if not item.get("tradable", True):
                continue
            symbol = from_alpaca(item["symbol"])
            crypto = item.get("class") == "crypto"
            out[symbol] = Instrument(
                symbol=symbol, venue="ALPACA",
                asset_class=AssetClass.CRYPTO if crypto else AssetClass.EQUITY,
                currency=symbol.split("-")[1] if crypto else "USD",
                tick_size=Decimal(str(item.get("price_increment") or "0.01")),
                lot_size=Decimal(str(item.get("min_trade_increment") or (
                    "0.000000001" if item.get("fractionable") else "1"))),
            )
        self.loaded = out
        return out



class AlpacaData(DataClient):
    venue = "alpaca"

    def __init__(self, session: AlpacaSession) -> None:
        self.session = session

    async def _bars(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp | None,
                    timeframe: str, limit: int | None = None) -> list[tuple]:
        from alpaca.data.enums import Adjustment, DataFeed
        from alpaca.data.requests import CryptoBarsRequest, StockBarsRequest

        name, tf = to_alpaca(symbol), alpaca_timeframe(timeframe)
        window = {"start": start.to_pydatetime(), "limit": limit,
                  "end": end.to_pydatetime() if end is not None else None}
        if "-" in symbol:  # a crypto pair
            request = CryptoBarsRequest(symbol_or_symbols=name, timeframe=tf, **window)
            body = await self.session.call("GET crypto bars", self.session.crypto.get_crypto_bars,
                                           request)
        else:
            request = StockBarsRequest(symbol_or_symbols=name, timeframe=tf,
                                       adjustment=Adjustment.RAW,
                                       feed=DataFeed(self.session.settings.feed), **window)
            body = await self.session.call("GET stock bars", self.session.stocks.get_stock_bars,
                                           request)
        return [(b["t"], b["o"], b["h"], b["l"], b["c"], b["v"]) for b in body.get(name, [])]

    async def history(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp,
                      timeframe: str) -> pd.DataFrame:
        """Bars ``[start, end)``; alpaca-py follows ``next_page_token`` through the pages."""
        rows = await self._bars(symbol, utc(start), utc(end), timeframe)
        return bar_frame(rows, start, end)

    def stream(self, symbols: Sequence[str], *, timeframe: str = "1m", quotes: bool = False,
               trades: bool = False) -> AsyncIterator[Bar | Tick]:
        """Complete bars, asked from the bars endpoint just after each bar ends (a bar on
        Alpaca's own stream may be corrected later; a finished REST bar is the settled one)."""
        return merge(self._poll(symbols, timeframe))

    async def _poll(self, symbols: Sequence[str], timeframe: str) -> AsyncIterator[Bar]:
        gate = BarGate(timeframe)
        plumbing = self.session.plumbing
        while True:
            now = plumbing.clock_ns()
            for symbol in symbols:
                since = gate.last.get(symbol, now - 3 * gate.step)
                try:
                    rows = await self._bars(symbol, pd.Timestamp(since, tz="UTC"), None,
                                            timeframe, limit=10)
                except DefinitiveBrokerError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a drop: asked again next period
                    log.info("alpaca bars of %s: %s", symbol, self.session.redact(exc))
                    continue
                for row in sorted(rows, key=lambda r: utc(r[0])):
                    bar = gate.bar(symbol, *row)
                    if gate.admit(bar, plumbing.clock_ns()):
                        yield bar
            wait = gate.step - (plumbing.clock_ns() % gate.step)
            await plumbing.sleep(wait / 1e9 + 0.5)


__all__ = ["AlpacaData", "AlpacaInstruments", "AlpacaSession", "alpaca_timeframe"]
