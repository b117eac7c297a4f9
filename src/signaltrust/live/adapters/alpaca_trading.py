"""Alpaca orders: placement, cancel and lookup through alpaca-py's ``TradingClient``, reports
from the ``trade_updates`` WebSocket stream and, as a safety net, from polling.

The trade-updates stream speaks the protocol alpaca-py's ``TradingStream`` speaks
(``authenticate``, then ``listen`` to ``trade_updates``) and parses each update with alpaca-py's
``TradeUpdate`` model; it runs on the node's event loop with the adapter's own clock and
backoff rather than ``TradingStream.run()``, which owns a loop and sleeps in real time. After a
disconnect it reconnects and polls once, so an update missed while it was away is still
reported. Updates may come twice or out of order: each fill is reported once (keyed by
:func:`fill_id`), and an order's end (``canceled``, ``expired``) is held back until the fills
it counted were reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from decimal import Decimal
from typing import Any

import pandas as pd

from signaltrust.core.errors import DefinitiveBrokerError
from signaltrust.core.orders import Order, OrderSide, OrderStatus, OrderType, TimeInForce
from signaltrust.execution.venue_state import VenueAccountState, VenueFill, VenueOrder
from signaltrust.live.adapters.alpaca_data import DUPLICATE_CODE, AlpacaSession
from signaltrust.live.adapters.bars import utc
from signaltrust.live.adapters.execution import (
    DuplicateClientOrderIdError,
    Placed,
    VenueExecutionClient,
)
from signaltrust.live.adapters.symbols import from_alpaca, to_alpaca

log = logging.getLogger("signaltrust.live.adapters.alpaca")
STATUS = {
    "new": OrderStatus.ACCEPTED, "accepted": OrderStatus.ACCEPTED,
    "pending_new": OrderStatus.SUBMITTED, "accepted_for_bidding": OrderStatus.ACCEPTED,
    "partially_filled": OrderStatus.PARTIALLY_FILLED, "filled": OrderStatus.FILLED,
    "done_for_day": OrderStatus.ACCEPTED, "pending_cancel": OrderStatus.ACCEPTED,
    "pending_replace": OrderStatus.ACCEPTED, "calculated": OrderStatus.ACCEPTED,
    "stopped": OrderStatus.ACCEPTED, "suspended": OrderStatus.ACCEPTED,
    "canceled": OrderStatus.CANCELED, "expired": OrderStatus.EXPIRED,
    "replaced": OrderStatus.CANCELED, "rejected": OrderStatus.REJECTED,
}
TIF = {TimeInForce.GTC: "gtc", TimeInForce.DAY: "day", TimeInForce.IOC: "ioc",
       TimeInForce.FOK: "fok"}


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _ns(value: Any) -> int:
    return utc(value).value


def venue_order(item: dict) -> VenueOrder:
    """An Alpaca order object as the venue's view of our order."""
    avg = item.get("filled_avg_price")
    return VenueOrder(
        item.get("client_order_id"), str(item["id"]), from_alpaca(item["symbol"]),
        OrderSide.BUY if item["side"] == "buy" else OrderSide.SELL, _dec(item.get("qty")),
        _dec(item.get("filled_qty")), STATUS.get(item.get("status", ""), OrderStatus.ACCEPTED),
        _ns(item.get("updated_at") or item.get("submitted_at") or item["created_at"]),
        _dec(avg) if avg else None,
    )


def fill_id(venue_order_id: str, cumulative: Any) -> str:
    """One id for a fill whether the stream or the activities endpoint reports it: the order's
    id and its cumulative filled quantity after the fill (the stream's ``execution_id`` and the
    activity's ``id`` are different names for the same fill, so neither can be the key)."""
    return f"{venue_order_id}:{_dec(cumulative).normalize():f}"


def activity_fill(item: dict, cid: str | None) -> VenueFill:
    """A ``FILL`` account activity (``/v2/account/activities/FILL``) as a fill."""
    return VenueFill(
        fill_id(item["order_id"], item["cum_qty"]), cid, str(item["order_id"]),
        from_alpaca(item["symbol"]),
        OrderSide.BUY if item["side"] == "buy" else OrderSide.SELL, _dec(item["qty"]),
        _dec(item["price"]), Decimal(0), _ns(item["transaction_time"]), "USD",
    )


class AlpacaExecution(VenueExecutionClient):
    venue = "alpaca"

    def __init__(self, session: AlpacaSession) -> None:
        p = session.plumbing
        super().__init__(policy=session.policy, clock_ns=p.clock_ns,
                         poll_interval_s=p.poll_interval_s, sleep=p.sleep)
        self.session = session
        self._held: dict[str, VenueOrder] = {}  # ends that wait for their fills
        self._stream: asyncio.Task | None = None
        self.stream_connections = 0

    def __repr__(self) -> str:
        return f"AlpacaExecution({self.session!r})"

    # --- requests ------------------------------------------------------------------------
    def _request(self, order: Order):
        from alpaca.trading import requests as r

        common = {"symbol": to_alpaca(order.symbol), "qty": float(order.quantity),
                  "side": "buy" if order.side is OrderSide.BUY else "sell",
                  "time_in_force": TIF[order.time_in_force],
                  "client_order_id": order.client_order_id}
        if order.order_type is OrderType.MARKET:
            return r.MarketOrderRequest(**common)
        if order.order_type is OrderType.LIMIT:
            return r.LimitOrderRequest(limit_price=float(order.limit_price), **common)
        if order.order_type is OrderType.STOP:
            return r.StopOrderRequest(stop_price=float(order.stop_price), **common)
        if order.order_type is OrderType.STOP_LIMIT:
            return r.StopLimitOrderRequest(limit_price=float(order.limit_price),
                                           stop_price=float(order.stop_price), **common)
        trail = ({"trail_price": float(order.trail_amount)} if order.trail_amount is not None
                 else {"trail_percent": float(order.trail_percent)})
        return r.TrailingStopOrderRequest(**trail, **common)

    async def _place(self, order: Order) -> Placed:
        try:
            body = await self.session.call("POST /v2/orders", self.session.trading.submit_order,
                                           self._request(order), idempotent=True)
        except DefinitiveBrokerError as exc:
            answer = getattr(exc, "body", None)
            if isinstance(answer, dict) and answer.get("code") == DUPLICATE_CODE:
                raise DuplicateClientOrderIdError(exc.message, venue="alpaca") from None
            raise
        return Placed(venue_order(body))

    async def _cancel(self, order: Order, venue_order_id: str | None) -> VenueOrder | None:
        trading = self.session.trading
        if venue_order_id is None:
            found = await self._find(order.client_order_id)
            if found is None:
                return None
            venue_order_id = found.order.venue_order_id
        await self.session.call("DELETE /v2/orders/{id}", trading.cancel_order_by_id,
                                venue_order_id)
        body = await self.session.call("GET /v2/orders/{id}", trading.get_order_by_id,
                                       venue_order_id)
        return venue_order(body)

    async def _find(self, client_order_id: str) -> Placed | None:
        try:
            body = await self.session.call("GET /v2/orders:by_client_order_id",
                                           self.session.trading.get_order_by_client_id,
                                           client_order_id)
        except DefinitiveBrokerError as exc:
            if exc.status == 404:
                return None
            raise
        order = venue_order(body)
        fills: tuple[VenueFill, ...] = ()
        if order.filled > 0:
            since = order.ts_ns - 86_400 * 10**9
            fills = tuple(f for f in await self._fills(since)
                          if f.venue_order_id == order.venue_order_id)
            fills = tuple(VenueFill(f.venue_fill_id, client_order_id, *_rest(f)) for f in fills)
        return Placed(order, fills)

    async def _fills(self, since_ns: int | None) -> list[VenueFill]:
        params: dict[str, Any] = {"direction": "asc", "page_size": 100}
        if since_ns is not None:
            params["after"] = pd.Timestamp(since_ns, tz="UTC").isoformat()
        trading = self.session.trading
        body = await self.session.call("GET /v2/account/activities/FILL", trading.get,
                                       "/account/activities/FILL", params)
        return [activity_fill(item, None) for item in body or []]

    async def account_state(self, since_ns: int | None = None) -> VenueAccountState:
        from alpaca.trading.enums import QueryOrderStatus
        from alpaca.trading.requests import GetOrdersRequest

        call, trading = self.session.call, self.session.trading
        account = await call("GET /v2/account", trading.get_account)
        positions = await call("GET /v2/positions", trading.get_all_positions)
        after = pd.Timestamp(since_ns, tz="UTC").to_pydatetime() if since_ns else None
        orders = await call("GET /v2/orders", trading.get_orders,
                            GetOrdersRequest(status=QueryOrderStatus.ALL, after=after, limit=500))
        venue_orders = tuple(venue_order(o) for o in orders)
        cids = {o.venue_order_id: o.client_order_id for o in venue_orders}
        fills = tuple(VenueFill(f.venue_fill_id, cids.get(f.venue_order_id), *_rest(f))
                      for f in await self._fills(since_ns))
        held = {}
        for pos in positions:
            qty = _dec(pos["qty"])
            held[from_alpaca(pos["symbol"])] = -abs(qty) if pos.get("side") == "short" else qty
        return VenueAccountState(self.clock_ns(), {account.get("currency", "USD"):
                                                   _dec(account["cash"])},
                                 held, venue_orders, fills)

    # --- the trade-updates stream ----------------------------------------------------------
    def on_trade_update(self, data: dict) -> None:
        """Report what one ``trade_updates`` message says (once, in order; see module doc)."""
        from alpaca.trading.models import TradeUpdate

        update = TradeUpdate(**data)  # alpaca-py validates the shape
        order = venue_order(data["order"])
        cid = order.client_order_id
        if cid is None or cid not in self.orders:
            return  # another program's order on the same account
        fills: tuple[VenueFill, ...] = ()
        event = str(getattr(update.event, "value", update.event))
        if event in ("fill", "partial_fill") and update.qty:
            fills = (VenueFill(
                fill_id(order.venue_order_id, order.filled), cid, order.venue_order_id,
                order.symbol, order.side,
                _dec(data.get("qty")), _dec(data.get("price")), Decimal(0),
                _ns(data.get("timestamp") or order.ts_ns), "USD"),)
        if order.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
            self._held[cid] = order
        # an older state arriving late never goes back: fills and ends are what matter
        self.apply(order, fills)
        held = self._held.get(cid)
        if held is not None:
            self.apply(held, ())

    async def _listen(self) -> None:
        from websockets.asyncio.client import connect

        key, secret = self.session.credentials
        attempt = 0
        while True:
            try:
                async with connect(self.session.stream_url, open_timeout=10) as socket:
                    await socket.send(json.dumps({"action": "authenticate",
                                                  "data": {"key_id": key, "secret_key": secret}}))
                    answer = json.loads(await socket.recv())
                    if answer.get("data", {}).get("status") != "authorized":
                        raise DefinitiveBrokerError(
                            "alpaca trade updates: not authorized", venue="alpaca",
                            fix="check venues.alpaca.api_key and secret_key (paper keys for "
                            "the paper endpoint)")
                    await socket.send(json.dumps({"action": "listen",
                                                  "data": {"streams": ["trade_updates"]}}))
                    self.stream_connections += 1
                    if attempt:  # back after a drop: what happened meanwhile
                        await self.poll_reports()
                    attempt = 0
                    async for message in socket:
                        frame = json.loads(message)
                        if frame.get("stream") == "trade_updates":
                            self.on_trade_update(frame["data"])
            except DefinitiveBrokerError:
                raise
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - dropped: reconnect after a backoff
                log.warning("alpaca trade updates dropped: %s", self.session.redact(
                    type(exc).__name__))
            await self._sleep(self.policy.backoff(attempt))
            attempt += 1

    async def open(self) -> None:
        """Start the trade-updates stream and the report poller."""
        await super().open()
        if self._stream is None:
            self._stream = asyncio.get_running_loop().create_task(self._listen())

    async def close(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._stream
            self._stream = None
        await super().close()


def _rest(fill: VenueFill) -> tuple:
    return (fill.venue_order_id, fill.symbol, fill.side, fill.quantity, fill.price, fill.fee,
            fill.ts_ns, fill.fee_currency, fill.liquidity)


__all__ = ["AlpacaExecution", "activity_fill", "venue_order"]
