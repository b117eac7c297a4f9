"""The Robinhood crypto trading API (``https://trading.robinhood.com``) over httpx, every request
signed with the account's ed25519 key.

Keys: ``venues.robinhood.api_key`` and ``private_key`` (the base64 ed25519 seed Robinhood's key
page gives; ``SIGNALTRUST__VENUES__ROBINHOOD__API_KEY`` / ``..._PRIVATE_KEY``). Each request
carries ``x-api-key``, ``x-timestamp`` (Unix seconds) and ``x-signature``: the base64 ed25519
signature of ``api_key + timestamp + path (with its query) + method + body``.

The API has trading pairs, holdings, best bid/ask and orders, but no candles: the venue has no
data client (history for these pairs comes from a CCXT exchange or Yahoo). Robinhood wants a
UUID as ``client_order_id``; ours is mapped to a UUID5 of it, so a resend carries the same UUID.
An order's ``executions`` carry no ids: a fill is keyed by the order id and the cumulative
quantity after it, as the executions come in time order. Trading is commission-free (the spread
is the cost), so fills report no fee.
"""

from __future__ import annotations

import base64
import uuid
from decimal import Decimal
from typing import Any

import pandas as pd

from signaltrust.core.errors import DefinitiveBrokerError, ValidationError
from signaltrust.core.instrument import AssetClass, Instrument
from signaltrust.core.orders import Order, OrderSide, OrderStatus, OrderType
from signaltrust.execution.venue_state import VenueAccountState, VenueFill, VenueOrder
from signaltrust.live.adapters.bars import utc
from signaltrust.live.adapters.execution import (
    DuplicateClientOrderIdError,
    Placed,
    VenueExecutionClient,
)
from signaltrust.live.adapters.plumbing import Plumbing
from signaltrust.live.contract import InstrumentProvider, Venue
from signaltrust.live.http import VenueHttp
from signaltrust.live.secrets import Redactor, reveal

API = "https://trading.robinhood.com"
TRADING = "/api/v1/crypto/trading"
NAMESPACE = uuid.UUID("6f0c1c1e-5b7a-4f49-9d1e-2a7f3e9c8b10")  # our client ids -> UUID5
STATE = {"open": OrderStatus.ACCEPTED, "pending": OrderStatus.SUBMITTED,
         "partially_filled": OrderStatus.PARTIALLY_FILLED, "filled": OrderStatus.FILLED,
         "canceled": OrderStatus.CANCELED, "failed": OrderStatus.REJECTED}


def client_uuid(client_order_id: str) -> str:
    """The UUID Robinhood is sent for our client order id (the same one on every resend)."""
    return str(uuid.uuid5(NAMESPACE, client_order_id))


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


class RobinhoodSigner:
    """Signs a request: ``x-signature`` = base64 ed25519(api_key + ts + path + method + body)."""

    def __init__(self, api_key: str, private_key_b64: str, clock_ns) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            seed = base64.b64decode(private_key_b64, validate=True)
            self._key = Ed25519PrivateKey.from_private_bytes(seed[:32])
        except ValueError:
            raise ValidationError(
                "is not a base64 ed25519 private key", field="venues.robinhood.private_key",
                value="********", fix="paste the base64 private key from Robinhood's API key "
                "page (32 bytes once decoded)") from None
        self._api_key = api_key
        self._clock_ns = clock_ns

    def __repr__(self) -> str:
        return "RobinhoodSigner(********)"

    def __call__(self, method: str, path: str, body: str) -> dict[str, str]:
        timestamp = str(self._clock_ns() // 1_000_000_000)
        message = f"{self._api_key}{timestamp}{path}{method}{body}"
        signature = base64.b64encode(self._key.sign(message.encode())).decode()
        return {"x-api-key": self._api_key, "x-timestamp": timestamp, "x-signature": signature}


class RobinhoodSession:
    def __init__(self, settings: Any, plumbing: Plumbing, transport: Any = None) -> None:
        key = reveal(settings.api_key, field="venues.robinhood.api_key", venue="robinhood")
        private = reveal(settings.private_key, field="venues.robinhood.private_key",
                         venue="robinhood")
        self.plumbing = plumbing
        per_second = settings.requests_per_minute / 60.0
        self.http = VenueHttp(
            "robinhood", settings.api_url or API, policy=plumbing.policy(settings),
            limiter=plumbing.bucket(max(1.0, per_second * 5), per_second),
            timeout_s=settings.timeout_s, signer=RobinhoodSigner(key, private, plumbing.clock_ns),
            redact=Redactor(settings.api_key, settings.private_key), transport=transport,
        )

    def __repr__(self) -> str:
        return "RobinhoodSession()"

    async def pages(self, path: str, params: dict | None = None, most: int = 20) -> list[dict]:
        """Every ``results`` item of a paginated list (following ``cursor`` from ``next``)."""
        out: list[dict] = []
        params = dict(params or {})
        for _ in range(most):
            body = await self.http.request("GET", path, params=params)
            out += body.get("results", [])
            nxt = body.get("next")
            if not nxt:
                break
            cursor = dict(pair.split("=", 1) for pair in nxt.split("?", 1)[-1].split("&")
                          if "=" in pair).get("cursor")
            if not cursor:
                break
            params["cursor"] = cursor
        return out


class RobinhoodInstruments(InstrumentProvider):
    unknown = "unknown Robinhood crypto pair"
    spelling = "call load() first; pairs are written BTC-USD"
    venue = "robinhood"

    def __init__(self, session: RobinhoodSession) -> None:
        self.session = session
        self.loaded: dict[str, Instrument] = {}

    async def load(self) -> dict[str, Instrument]:
        out = {}
        for item in await self.session.pages(f"{TRADING}/trading_pairs/"):
            if item.get("status") != "tradable":
                continue
            out[item["symbol"]] = Instrument(
                symbol=item["symbol"], venue="ROBINHOOD", asset_class=AssetClass.CRYPTO,
                currency=item.get("quote_code", "USD"),
                tick_size=_dec(item["quote_increment"]).normalize(),
                lot_size=_dec(item["asset_increment"]).normalize())
        self.loaded = out
        return out



class RobinhoodExecution(VenueExecutionClient):
    venue = "robinhood"

    def __init__(self, session: RobinhoodSession) -> None:
        p = session.plumbing
        super().__init__(policy=session.http.policy, clock_ns=p.clock_ns,
                         poll_interval_s=p.poll_interval_s, sleep=p.sleep)
        self.session = session

    def __repr__(self) -> str:
        return "RobinhoodExecution()"

    def _ours(self, sent_uuid: str | None) -> str | None:
        for cid in self.orders:
            if client_uuid(cid) == sent_uuid:
                return cid
        return None

    def _body(self, order: Order) -> dict:
        quantity = format(order.quantity, "f")
        body: dict[str, Any] = {"client_order_id": client_uuid(order.client_order_id),
                                "side": order.side.value.lower(), "symbol": order.symbol}
        if order.order_type is OrderType.MARKET:
            body.update(type="market", market_order_config={"asset_quantity": quantity})
        elif order.order_type is OrderType.LIMIT:
            body.update(type="limit", limit_order_config={
                "asset_quantity": quantity, "limit_price": format(order.limit_price, "f"),
                "time_in_force": "gtc"})
        else:
            raise DefinitiveBrokerError(
                f"Robinhood adapter does not send {order.order_type} orders", venue="robinhood",
                field="order_type", value=order.order_type.value, fix="use MARKET or LIMIT")
        return body

    def _placed(self, item: dict) -> Placed:
        cid = self._ours(item.get("client_order_id"))
        side = OrderSide.BUY if item["side"] == "buy" else OrderSide.SELL
        config = (item.get("market_order_config") or item.get("limit_order_config") or {})
        fills, cumulative = [], Decimal(0)
        for ex in sorted(item.get("executions") or [], key=lambda e: utc(e["timestamp"]).value):
            cumulative += _dec(ex["quantity"])
            fills.append(VenueFill(
                f"{item['id']}:{cumulative.normalize():f}", cid, item["id"], item["symbol"],
                side, _dec(ex["quantity"]), _dec(ex["effective_price"]), Decimal(0),
                utc(ex["timestamp"]).value, "USD"))
        filled = _dec(item.get("filled_asset_quantity")) or cumulative
        average = item.get("average_price")
        order = VenueOrder(cid, item["id"], item["symbol"], side,
                           _dec(config.get("asset_quantity")) or filled, filled,
                           STATE.get(item.get("state", ""), OrderStatus.ACCEPTED),
                           utc(item.get("updated_at") or item["created_at"]).value,
                           _dec(average) if average else None)
        return Placed(order, tuple(fills))

    async def _place(self, order: Order) -> Placed:
        try:
            item = await self.session.http.request("POST", f"{TRADING}/orders/",
                                                   body=self._body(order), idempotent=True)
        except DefinitiveBrokerError as exc:
            errors = (getattr(exc, "body", None) or {}).get("errors") or []
            if any(e.get("attr") == "client_order_id" for e in errors if isinstance(e, dict)):
                raise DuplicateClientOrderIdError(exc.message, venue="robinhood") from None
            raise
        return self._placed(item)

    async def _cancel(self, order: Order, venue_order_id: str | None) -> None:
        if venue_order_id is None:
            found = await self._find(order.client_order_id)
            if found is None:
                return None
            venue_order_id = found.order.venue_order_id
        await self.session.http.request("POST", f"{TRADING}/orders/{venue_order_id}/cancel/")
        return None  # "cancel request was submitted": the order's state says when it ended

    async def _recent(self, since_ns: int | None = None) -> list[dict]:
        since = since_ns or (self.clock_ns() - 86_400 * 10**9)
        start = pd.Timestamp(since, tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        return await self.session.pages(f"{TRADING}/orders/", {"created_at_start": start})

    async def _find(self, client_order_id: str) -> Placed | None:
        wanted = client_uuid(client_order_id)
        for item in await self._recent():
            if item.get("client_order_id") == wanted:
                return self._placed(item)
        return None

    async def account_state(self, since_ns: int | None = None) -> VenueAccountState:
        http = self.session.http
        account = await http.request("GET", f"{TRADING}/accounts/")
        holdings = await self.session.pages(f"{TRADING}/holdings/")
        orders, fills = [], []
        for item in await self._recent(since_ns):
            placed = self._placed(item)
            orders.append(placed.order)
            fills += placed.fills
        positions = {f"{h['asset_code']}-USD": _dec(h["total_quantity"]) for h in holdings
                     if _dec(h.get("total_quantity"))}
        cash = {account.get("buying_power_currency", "USD"): _dec(account["buying_power"])}
        return VenueAccountState(self.clock_ns(), cash, positions, tuple(orders), tuple(fills))

    async def close(self) -> None:
        await super().close()
        await self.session.http.aclose()


def open_robinhood(settings: Any, plumbing: Plumbing | None = None,
                   transport: Any = None) -> Venue:
    """The Robinhood crypto venue from ``settings.venues.robinhood`` (no data client)."""
    session = RobinhoodSession(settings, plumbing or Plumbing(), transport)
    return Venue("robinhood", RobinhoodInstruments(session), None, RobinhoodExecution(session))


__all__ = ["RobinhoodExecution", "RobinhoodInstruments", "RobinhoodSigner", "client_uuid",
           "open_robinhood"]
