"""On-chain data: large transfers (Whale Alert), address transfers (Etherscan), daily activity
(Blockchair-style aggregates), normalised to one table of transfers and daily series.

Transfers come back as a frame with one row per transfer: ``time`` (UTC), ``chain``,
``symbol``, ``amount`` (coins), ``amount_usd`` (NaN when the source gives none), ``from_type``
and ``to_type`` (``exchange``, ``unknown``...), ``from_owner``, ``to_owner`` and ``hash``;
sorted by time, a transfer reported twice (pages overlap, sources repeat) kept once. Each client
takes its key as an argument (only the boundary reads ``$WHALE_ALERT_API_KEY`` and the like),
pages through the source's limit, waits when rate limited and never puts the key in an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

TRANSFER_COLUMNS = ("time", "chain", "symbol", "amount", "amount_usd", "from_type", "to_type",
                    "from_owner", "to_owner", "hash")
WEI_PER_ETH = 1e18


def transfers_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Rows of transfers as the normalised frame: sorted by time, duplicates dropped."""
    frame = pd.DataFrame(list(rows), columns=list(TRANSFER_COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    for col in ("amount", "amount_usd"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    for col in ("from_type", "to_type"):
        frame[col] = frame[col].fillna("unknown").astype(str).str.lower()
    frame = frame.drop_duplicates(["hash", "from_owner", "to_owner", "amount"], keep="first")
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


class _Http:
    """Shared GET with retries on 429/5xx (``Retry-After`` honoured) and key redaction."""

    def __init__(self, name: str, base_url: str, secret: str, *, timeout_s: float,
                 retries: int, backoff_s: float, sleep: Callable[[float], None],
                 transport: httpx.BaseTransport | None) -> None:
        self.name, self._secret = name, secret
        self.retries, self.backoff_s, self.sleep = retries, backoff_s, sleep
        self.client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                   transport=transport)

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def get(self, path: str, params: dict[str, Any], rate_limited: Callable[[Any], bool]
            = lambda body: False) -> Any:
        for attempt in range(self.retries + 1):
            try:
                reply = self.client.get(path, params=params)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise ValidationError(f"{self.name} did not answer ({type(exc).__name__})",
                                          field="base_url", value=str(self.client.base_url),
                                          fix="check the network and try again") from None
                self.sleep(self.backoff_s * 2**attempt)
                continue
            try:
                body = reply.json() if reply.content else None
            except ValueError:
                body = reply.text
            limited = reply.status_code == 429 or reply.status_code >= 500 or \
                (reply.status_code < 400 and rate_limited(body))
            if limited:
                if attempt == self.retries:
                    break
                wait = reply.headers.get("Retry-After", "")
                self.sleep(float(wait) if wait.isdigit() else self.backoff_s * 2**attempt)
                continue
            if reply.status_code >= 400:
                text = body.get("message", body) if isinstance(body, dict) else body
                raise ValidationError(f"{self.name} refused: {self.redact(str(text))[:300]}",
                                      field="request", value=path,
                                      fix=f"check the {self.name} key and the parameters")
            return body
        raise ValidationError(f"{self.name} kept answering 'rate limited'", field="request",
                              value=path, fix="wait and try again, or ask for fewer pages")

    def close(self) -> None:
        self.client.close()


class WhaleAlertClient:
    """Whale Alert's ``/v1/transactions``: transfers above ``min_value`` USD, cursor-paged."""

    def __init__(self, api_key: str, base_url: str = "https://api.whale-alert.io", *,
                 timeout_s: float = 20.0, retries: int = 3, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not api_key:
            raise ValidationError("Whale Alert needs an API key", field="api_key", value=None,
                                  fix="set $WHALE_ALERT_API_KEY")
        self._key = api_key
        self.http = _Http("Whale Alert", base_url, api_key, timeout_s=timeout_s,
                          retries=retries, backoff_s=backoff_s, sleep=sleep, transport=transport)

    def transfers(self, start: pd.Timestamp, end: pd.Timestamp, *, min_value: int = 500_000,
                  currency: str | None = None, max_pages: int = 1000) -> pd.DataFrame:
        """Transfers in ``[start, end)`` worth at least ``min_value`` USD."""
        start_t, end_t = _utc(start), _utc(end)
        params: dict[str, Any] = {"api_key": self._key, "start": int(start_t.timestamp()),
                                  "end": int(end_t.timestamp()), "min_value": min_value,
                                  "limit": 100}
        if currency:
            params["currency"] = currency.lower()
        rows: list[dict[str, Any]] = []
        for _ in range(max_pages):
            body = self.http.get("/v1/transactions", params)
            if not isinstance(body, dict) or body.get("result") != "success":
                message = body.get("message") if isinstance(body, dict) else body
                raise ValidationError(f"Whale Alert refused: {self.http.redact(str(message))}",
                                      field="request", value="/v1/transactions",
                                      fix="check the key and the time range")
            got = body.get("transactions") or []
            rows.extend(_whale_row(t) for t in got)
            cursor = body.get("cursor")
            if not got or not cursor or cursor == params.get("cursor"):
                break
            params["cursor"] = cursor
        frame = transfers_frame(rows)
        return frame[(frame["time"] >= start_t) & (frame["time"] < end_t)].reset_index(drop=True)

    def close(self) -> None:
        self.http.close()


def _utc(when: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(when)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _whale_row(t: dict[str, Any]) -> dict[str, Any]:
    source, target = t.get("from") or {}, t.get("to") or {}
    return {"time": pd.Timestamp(int(t["timestamp"]), unit="s", tz="UTC"),
            "chain": t.get("blockchain"), "symbol": str(t.get("symbol", "")).upper(),
            "amount": t.get("amount"), "amount_usd": t.get("amount_usd"),
            "from_type": source.get("owner_type"), "to_type": target.get("owner_type"),
            "from_owner": source.get("owner") or source.get("address"),
            "to_owner": target.get("owner") or target.get("address"), "hash": t.get("hash")}


class EtherscanClient:
    """Etherscan's ``module=account&action=txlist``: ETH transfers of watched addresses, with
    those addresses labelled (``exchanges``: address -> exchange name) as exchange wallets."""

    def __init__(self, api_key: str, base_url: str = "https://api.etherscan.io", *,
                 timeout_s: float = 20.0, retries: int = 3, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not api_key:
            raise ValidationError("Etherscan needs an API key", field="api_key", value=None,
                                  fix="set $ETHERSCAN_API_KEY")
        self._key = api_key
        self.http = _Http("Etherscan", base_url, api_key, timeout_s=timeout_s, retries=retries,
                          backoff_s=backoff_s, sleep=sleep, transport=transport)

    def transfers(self, address: str, exchanges: dict[str, str], *, start_block: int = 0,
                  end_block: int = 99_999_999, page_size: int = 1000,
                  max_pages: int = 10) -> pd.DataFrame:
        """Successful ETH transfers to or from ``address`` (amounts in ETH, no USD value)."""
        labels = {a.lower(): name for a, name in exchanges.items()}
        rows: list[dict[str, Any]] = []
        for page in range(1, max_pages + 1):
            params = {"module": "account", "action": "txlist", "address": address,
                      "startblock": start_block, "endblock": end_block, "page": page,
                      "offset": page_size, "sort": "asc", "apikey": self._key}
            body = self.http.get("/api", params, rate_limited=_etherscan_limited)
            result = body.get("result") if isinstance(body, dict) else None
            if body.get("status") != "1":
                if "no transactions found" in str(body.get("message", "")).lower():
                    break
                raise ValidationError(
                    f"Etherscan refused: {self.http.redact(str(result or body))[:300]}",
                    field="address", value=address, fix="check the address and the key")
            for tx in result or []:
                if tx.get("isError") == "1" or int(tx.get("value", "0")) == 0:
                    continue
                src, dst = str(tx["from"]).lower(), str(tx["to"]).lower()
                rows.append({"time": pd.Timestamp(int(tx["timeStamp"]), unit="s", tz="UTC"),
                             "chain": "ethereum", "symbol": "ETH",
                             "amount": int(tx["value"]) / WEI_PER_ETH, "amount_usd": np.nan,
                             "from_type": "exchange" if src in labels else "unknown",
                             "to_type": "exchange" if dst in labels else "unknown",
                             "from_owner": labels.get(src, src), "to_owner": labels.get(dst, dst),
                             "hash": tx.get("hash")})
            if len(result or []) < page_size:
                break
        return transfers_frame(rows)

    def close(self) -> None:
        self.http.close()


def _etherscan_limited(body: Any) -> bool:
    return isinstance(body, dict) and body.get("status") == "0" and \
        "rate limit" in str(body.get("result", "")).lower()


class BlockchairClient:
    """Daily aggregates in Blockchair's style (``/{chain}/{table}?a=date,<fn>&q=time(..)``):
    ``active_addresses`` counts distinct sending addresses per UTC day."""

    def __init__(self, api_key: str | None = None, base_url: str = "https://api.blockchair.com",
                 *, timeout_s: float = 20.0, retries: int = 3, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._key = api_key or ""
        self.http = _Http("Blockchair", base_url, self._key, timeout_s=timeout_s,
                          retries=retries, backoff_s=backoff_s, sleep=sleep, transport=transport)

    def daily(self, chain: str, table: str, aggregate: str, start: str, end: str) -> pd.Series:
        """One value a UTC day in ``[start, end]`` (dates), labelled by the day's start."""
        params = {"a": f"date,{aggregate}", "q": f"time({start}..{end})"}
        if self._key:
            params["key"] = self._key
        body = self.http.get(f"/{chain}/{table}", params)
        rows = body.get("data") if isinstance(body, dict) else None
        if rows is None:
            raise ValidationError("Blockchair's answer has no data", field="chain", value=chain,
                                  fix="check the chain name (bitcoin, ethereum...)")
        frame = pd.DataFrame(rows)
        if frame.empty:
            return pd.Series(dtype=float, name=aggregate)
        values = pd.to_numeric(frame[aggregate], errors="coerce").to_numpy()
        index = pd.DatetimeIndex(pd.to_datetime(frame["date"], utc=True), name="date")
        series = pd.Series(values, index=index, name=aggregate)
        return series[~series.index.duplicated(keep="last")].sort_index()

    def active_addresses(self, chain: str, start: str, end: str) -> pd.Series:
        """Distinct sending addresses a day (the value of day D is complete at D's end)."""
        return self.daily(chain, "inputs", "count(distinct(recipient))", start, end).rename(
            "active_addresses")

    def close(self) -> None:
        self.http.close()


__all__ = ["TRANSFER_COLUMNS", "BlockchairClient", "EtherscanClient", "WhaleAlertClient",
           "transfers_frame"]
