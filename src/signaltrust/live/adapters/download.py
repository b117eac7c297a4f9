"""Historical bars from a venue or Yahoo Finance, shaped for the bar store.

``source`` is ``alpaca``, ``ccxt:<exchange>`` (``ccxt:binance``...), ``oanda`` or ``yahoo``. The
venues download through their adapter's :meth:`~signaltrust.live.contract.DataClient.history`
(paged, with the venue's rate limit and retries); Yahoo through yfinance. Every source comes back
as the store's frame: ``open, high, low, close, volume`` indexed by the UTC start of each bar.
Daily and longer bars are labelled by their session date at 00:00 UTC, as the store wants
(Alpaca stamps a daily bar at midnight New York time, Yahoo at midnight of the exchange).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pandas as pd

from signaltrust.core.errors import BrokerError, ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.live.adapters.bars import COLUMNS, bar_frame, utc
from signaltrust.live.adapters.plumbing import Plumbing

SOURCES = ("alpaca", "ccxt:<exchange>", "oanda", "yahoo")
YAHOO_INTERVALS = {"1m": "1m", "2m": "2m", "5m": "5m", "15m": "15m", "30m": "30m", "1h": "1h",
                   "90m": "90m", "1d": "1d", "5d": "5d", "1w": "1wk", "1mo": "1mo", "3mo": "3mo"}


@dataclass(frozen=True)
class Download:
    """Bars from one source, with the venue name the store files them under."""

    bars: pd.DataFrame
    venue: str
    source: str


def store_venue(source: str) -> str:
    """The store's venue for a source: ``ccxt:binance`` -> ``BINANCE``, ``yahoo`` -> ``YAHOO``."""
    return source.split(":", 1)[-1].upper()


def check_source(source: str) -> str:
    """``source`` lower-cased, or a ``ValidationError`` listing the sources."""
    text = source.strip().lower()
    if text in ("alpaca", "oanda", "yahoo") or (text.startswith("ccxt:") and len(text) > 5):
        return text
    raise ValidationError("unknown download source", field="source", value=source,
                          fix=f"use one of {', '.join(SOURCES)}")


def by_session_date(frame: pd.DataFrame, timeframe: str, tz: str) -> pd.DataFrame:
    """Daily and longer bars relabelled at 00:00 UTC of their session date in ``tz``;
    intraday bars unchanged."""
    if Timeframe.parse(timeframe).is_intraday or frame.empty:
        return frame
    dates = frame.index.tz_convert(tz).normalize().tz_localize(None).tz_localize("UTC")
    out = frame.copy()
    out.index = pd.DatetimeIndex(dates, name="timestamp").as_unit("ns")
    return out[~out.index.duplicated(keep="last")]


def yahoo_history(symbol: str, start: pd.Timestamp, end: pd.Timestamp,
                  timeframe: str) -> pd.DataFrame:
    """Bars ``[start, end)`` from Yahoo Finance (yfinance), unadjusted, UTC."""
    import yfinance as yf

    key = str(Timeframe.parse(timeframe))
    if key not in YAHOO_INTERVALS:
        raise ValidationError("Yahoo has no bars of this length", field="timeframe",
                              value=timeframe, fix=f"use one of {', '.join(YAHOO_INTERVALS)}")
    try:
        raw = yf.Ticker(symbol).history(start=utc(start).to_pydatetime(),
                                        end=utc(end).to_pydatetime(),
                                        interval=YAHOO_INTERVALS[key], auto_adjust=False,
                                        actions=False)
    except Exception as exc:  # noqa: BLE001 - yfinance raises many kinds; one clear error
        raise BrokerError(f"yahoo: no bars for {symbol} ({type(exc).__name__}: {exc})",
                          venue="yahoo", field="symbol", value=symbol,
                          fix="check the Yahoo ticker (^GSPC, AAPL, BTC-USD, EURUSD=X), the "
                          "dates, and that Yahoo keeps this bar length that far back") from None
    if raw.empty:  # yfinance logs what went wrong and hands back an empty frame
        raise BrokerError(f"yahoo: no bars for {symbol} from {start} to {end}", venue="yahoo",
                          field="symbol", value=symbol,
                          fix="check the Yahoo ticker (^GSPC, AAPL, BTC-USD, EURUSD=X) and the "
                          "dates (intraday bars go back 7 to 730 days, by length)")
    tz = str(raw.index.tz or "UTC")
    frame = raw.rename(columns=str.lower)[COLUMNS].astype("float64")
    frame.index = pd.DatetimeIndex(raw.index).tz_convert("UTC")
    frame = by_session_date(frame, key, tz)
    return bar_frame(((ts, *row) for ts, row in zip(frame.index, frame.to_numpy(), strict=True)),
                     start, end)


async def venue_history(source: str, symbol: str, start: pd.Timestamp, end: pd.Timestamp,
                        timeframe: str, venues: Any, plumbing: Plumbing | None = None,
                        transport: Any = None) -> pd.DataFrame:
    """Bars from a venue adapter's history (``venues`` is the ``[venues]`` settings)."""
    from signaltrust.core.config import CcxtSettings

    plumbing = plumbing or Plumbing()
    tz = "UTC"
    if source == "alpaca":
        from signaltrust.live.adapters.alpaca import open_alpaca

        venue, tz = open_alpaca(venues.alpaca, plumbing), "America/New_York"
    elif source == "oanda":
        from signaltrust.live.adapters.oanda import open_oanda

        venue = open_oanda(venues.oanda, plumbing, transport)
    else:
        from signaltrust.live.adapters.ccxt import open_ccxt

        exchange = source.split(":", 1)[1]
        venue = open_ccxt(exchange, venues.ccxt.get(exchange) or CcxtSettings(), plumbing)
    try:
        frame = await venue.data.history(symbol, start, end, timeframe)
    finally:
        await venue.data.close()
        if venue.execution is not None:
            await venue.execution.close()
    return by_session_date(frame, timeframe, tz)


def download(source: str, symbol: str, start: Any, end: Any | None, timeframe: str,
             venues: Any, plumbing: Plumbing | None = None) -> Download:
    """Bars of ``symbol`` from ``source`` over ``[start, end)`` (``end`` defaults to now)."""
    source = check_source(source)
    timeframe = str(Timeframe.parse(timeframe))
    begin = utc(start)
    stop = utc(end) if end is not None else pd.Timestamp.now("UTC").floor("min")
    if not begin < stop:
        raise ValidationError("the start must come before the end", field="start",
                              value=str(begin), fix=f"give a start before {stop}")
    if source == "yahoo":
        bars = yahoo_history(symbol, begin, stop, timeframe)
    else:
        bars = asyncio.run(venue_history(source, symbol, begin, stop, timeframe, venues,
                                         plumbing))
    return Download(bars, store_venue(source), source)


__all__ = ["SOURCES", "Download", "by_session_date", "check_source", "download",
           "store_venue", "venue_history", "yahoo_history"]
