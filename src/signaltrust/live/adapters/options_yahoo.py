"""Option chains from Yahoo Finance's options endpoint (``/v7/finance/options/{symbol}``).

One request per expiry (``?date=<epoch>``); the first answer lists the expiries and carries
the nearest one. Yahoo stamps an expiry at 00:00 UTC of its date: we move it to the 16:00
New York close. Contracts that appear twice in an answer keep their latest trade; missing
bids, asks and vols become NaN (never zero). Yahoo may ask a browser for a cookie and crumb;
``headers`` and ``params`` pass them when needed. Not a licensed data feed: check its terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from signaltrust.core.errors import DefinitiveBrokerError, ValidationError
from signaltrust.live.adapters.options_chain import OptionChainClient
from signaltrust.live.adapters.plumbing import Plumbing
from signaltrust.live.http import VenueHttp
from signaltrust.live.retry import RetryPolicy
from signaltrust.options.chain import COLUMNS, OptionChain

YAHOO_URL = "https://query2.finance.yahoo.com"
NEW_YORK = ZoneInfo("America/New_York")


def expiry_at_close(epoch_s: int) -> pd.Timestamp:
    """Yahoo's expiry (midnight UTC of the date) as the 16:00 New York close, in UTC."""
    day = pd.Timestamp(int(epoch_s), unit="s", tz="UTC").date()
    return pd.Timestamp(f"{day} 16:00", tz=NEW_YORK).tz_convert("UTC")


def _number(row: dict[str, Any], key: str) -> float:
    value = row.get(key)
    if isinstance(value, dict):  # the formatted variant: {"raw": 1.2, "fmt": "1.20"}
        value = value.get("raw")
    try:
        return float(value) if value is not None else np.nan
    except (TypeError, ValueError):
        return np.nan


def parse_options(symbol: str, body: Any) -> tuple[dict[str, Any], list[int], pd.DataFrame]:
    """(quote, expiry epochs, contracts) of one options answer; ValidationError if empty."""
    section = (body or {}).get("optionChain", {}) if isinstance(body, dict) else {}
    results = section.get("result") or []
    error = section.get("error")
    if not results:
        text = error.get("description") if isinstance(error, dict) else "no result"
        raise ValidationError(f"Yahoo has no options for {symbol} ({text})", field="symbol",
                              value=symbol, fix="check the symbol (options of US listings)")
    result = results[0]
    rows = []
    for block in result.get("options") or []:
        for kind, key in (("call", "calls"), ("put", "puts")):
            for c in block.get(key) or []:
                rows.append({
                    "contract": c.get("contractSymbol"),
                    "expiry": expiry_at_close(c.get("expiration", block.get("expirationDate"))),
                    "kind": kind, "strike": _number(c, "strike"), "bid": _number(c, "bid"),
                    "ask": _number(c, "ask"), "last": _number(c, "lastPrice"),
                    "volume": _number(c, "volume"), "open_interest": _number(c, "openInterest"),
                    "venue_iv": _number(c, "impliedVolatility"),
                    "_traded": _number(c, "lastTradeDate"),
                })
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "_traded"])
    if len(frame):
        frame = (frame.sort_values("_traded", na_position="first", kind="stable")
                 .drop_duplicates("contract", keep="last")
                 .sort_values(["expiry", "kind", "strike"], kind="stable"))
    frame = frame.drop(columns="_traded").reset_index(drop=True)
    return result.get("quote") or {}, list(result.get("expirationDates") or []), frame


class YahooOptionChains(OptionChainClient):
    """Yahoo Finance option chains through the venue HTTP plumbing (limits and retries)."""

    venue = "yahoo"

    def __init__(self, base_url: str = YAHOO_URL, *, plumbing: Plumbing | None = None,
                 retries: int = 3, per_second: float = 2.0,
                 headers: dict[str, str] | None = None,
                 params: dict[str, str] | None = None, transport: Any = None) -> None:
        self.plumbing = plumbing or Plumbing()
        self.params = dict(params or {})
        self.http = VenueHttp(
            "yahoo", base_url,
            policy=RetryPolicy(retries=retries, base_s=0.5, seed=self.plumbing.seed,
                               sleep=self.plumbing.sleep),
            limiter=self.plumbing.bucket(max(1.0, per_second), per_second),
            headers={"User-Agent": "Mozilla/5.0", **(headers or {})}, transport=transport,
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _get(self, symbol: str, date: int | None = None) -> Any:
        params = dict(self.params)
        if date is not None:
            params["date"] = str(int(date))
        try:
            return await self.http.request("GET", f"/v7/finance/options/{symbol}", params=params)
        except DefinitiveBrokerError as exc:
            if exc.status == 404:
                parse_options(symbol, getattr(exc, "body", None))  # raises with Yahoo's words
            raise

    async def expiries(self, symbol: str) -> list[pd.Timestamp]:
        _, epochs, _ = parse_options(symbol, await self._get(symbol))
        return [expiry_at_close(e) for e in sorted(epochs)]

    async def chain(self, symbol: str,
                    expiries: Sequence[pd.Timestamp] | None = None) -> OptionChain:
        quote, epochs, first = parse_options(symbol, await self._get(symbol))
        by_close = {expiry_at_close(e): e for e in epochs}
        frames = [first]
        if expiries:
            wanted = [pd.Timestamp(e) for e in expiries]
            unknown = [str(e) for e in wanted if e not in by_close]
            if unknown:
                raise ValidationError("Yahoo lists no such expiry", field="expiry",
                                      value=unknown[0],
                                      fix=f"use one of {[str(e) for e in sorted(by_close)]}")
            have = set(first["expiry"])
            for when in wanted:
                if when not in have:
                    frames.append(parse_options(symbol, await self._get(
                        symbol, by_close[when]))[2])
            quotes = pd.concat(frames, ignore_index=True)
            quotes = quotes[quotes["expiry"].isin(wanted)].reset_index(drop=True)
        else:
            quotes = first
        spot = _number(quote, "regularMarketPrice")
        stamp = quote.get("regularMarketTime")
        as_of = pd.Timestamp(int(stamp), unit="s", tz="UTC") if stamp else \
            pd.Timestamp(self.plumbing.clock_ns(), unit="ns", tz="UTC")
        if not spot > 0:
            raise ValidationError(f"Yahoo's answer for {symbol} has no underlying price",
                                  field="regularMarketPrice", value=quote.get(
                                      "regularMarketPrice"), fix="try again in market hours")
        return OptionChain(str(quote.get("symbol") or symbol), spot, as_of, quotes)


__all__ = ["YAHOO_URL", "YahooOptionChains", "expiry_at_close", "parse_options"]
