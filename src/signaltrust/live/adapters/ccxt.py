"""Crypto spot on CCXT: one adapter class for every exchange, the exchange id a parameter
(``ccxt:binance``, ``ccxt:coinbase``, ``ccxt:kraken``; keys in ``[venues.ccxt.<id>]``).

- instruments: ``load_markets`` (spot markets only), tick and lot size from ccxt's precision;
- history: ``fetch_ohlcv`` paged forward from ``since``;
- stream: ``watch_ohlcv`` (ccxt.pro WebSocket); ccxt hands back the candles it holds, the last
  of which may still be forming, so a candle is let out only once a newer one has started (and
  its end has passed on our clock); after a drop the watch is opened again after a backoff;
- orders: ``create_order`` with our client order id (``clientOrderId``, which ccxt sends as
  Binance's ``newClientOrderId`` and Kraken's ``cl_ord_id``; Coinbase's ``client_order_id`` is
  passed as a raw parameter, since ccxt would send its own);
  looked up by it (``fetch_order`` with ``clientOrderId``; Coinbase, which has no such lookup:
  its recent orders, matched); fills from the order's trades and ``fetch_my_trades``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from signaltrust.core.errors import DefinitiveBrokerError, ValidationError
from signaltrust.core.events import Bar, Tick
from signaltrust.core.instrument import AssetClass, Instrument
from signaltrust.core.orders import Liquidity, Order, OrderSide, OrderStatus, OrderType
from signaltrust.execution.venue_state import VenueAccountState, VenueFill, VenueOrder
from signaltrust.live.adapters.bars import BarGate, bar_frame, merge, step_ns, utc
from signaltrust.live.adapters.ccxt_session import CcxtSession, log
from signaltrust.live.adapters.execution import Placed, VenueExecutionClient
from signaltrust.live.adapters.plumbing import Plumbing
from signaltrust.live.adapters.symbols import from_ccxt, to_ccxt
from signaltrust.live.contract import DataClient, InstrumentProvider, Venue

STATUS = {"open": OrderStatus.ACCEPTED, "closed": OrderStatus.FILLED,
          "canceled": OrderStatus.CANCELED, "cancelled": OrderStatus.CANCELED,
          "expired": OrderStatus.EXPIRED, "rejected": OrderStatus.REJECTED}
TYPES = {OrderType.MARKET: "market", OrderType.LIMIT: "limit"}
#: how an order is found by our client order id: ``fetch_order`` with ``clientOrderId``
#: (Binance's origClientOrderId), or a search of the open, then the closed orders, filtered
#: where the exchange can (Kraken's ``cl_ord_id``; ccxt's fetch_order would send it as the
#: integer ``userref``) and matched on ``clientOrderId`` (Coinbase has no such filter)
SEARCH_FILTER: dict[str, str | None] = {"kraken": "cl_ord_id", "coinbase": None}


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _step(value: Any, mode: int) -> Decimal:
    """ccxt precision as a step: a tick size already (TICK_SIZE mode) or a number of decimals."""
    if value is None:
        return Decimal("0.00000001")
    if mode == 4:  # ccxt.TICK_SIZE
        return _dec(value)
    return Decimal(1).scaleb(-int(value))


class CcxtInstruments(InstrumentProvider):
    spelling = "call load() first; write pairs as BTC-USDT"

    def __init__(self, session: CcxtSession) -> None:
        self.session = session
        self.venue = session.name
        self.loaded: dict[str, Instrument] = {}

    async def load(self) -> dict[str, Instrument]:
        ex = self.session.exchange
        markets = await self.session.call("load_markets", ex.load_markets, True)
        out = {}
        for market in markets.values():
            if not market.get("spot") or market.get("active") is False:
                continue
            try:
                symbol = from_ccxt(market["symbol"])
            except ValidationError:
                continue
            precision = market.get("precision") or {}
            out[symbol] = Instrument(
                symbol=symbol, venue=self.session.id.upper()[:32], asset_class=AssetClass.CRYPTO,
                currency=market["quote"] if 3 <= len(market["quote"]) <= 5 else "USD",
                tick_size=_step(precision.get("price"), ex.precisionMode),
                lot_size=_step(precision.get("amount"), ex.precisionMode),
            )
        self.loaded = out
        return out

    @property
    def unknown(self) -> str:  # type: ignore[override]
        return f"unknown {self.venue} market"


class CcxtData(DataClient):
    page = 500  # candles per request (every tested exchange allows at least this many)

    def __init__(self, session: CcxtSession) -> None:
        self.session = session
        self.venue = session.name

    def _timeframe(self, timeframe: str) -> str:
        from signaltrust.core.timeframe import Timeframe

        key = str(Timeframe.parse(timeframe))
        known = self.session.exchange.timeframes or {}
        if key not in known:
            raise ValidationError(f"{self.venue} has no candles of this length",
                                  field="timeframe", value=timeframe,
                                  fix=f"use one of {', '.join(known)}")
        return key

    async def history(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp,
                      timeframe: str) -> pd.DataFrame:
        ex, tf = self.session.exchange, self._timeframe(timeframe)
        step = step_ns(timeframe) // 1_000_000
        since, stop = utc(start).value // 1_000_000, utc(end).value // 1_000_000
        rows: list[list] = []
        while since < stop:
            page = await self.session.call("fetch_ohlcv", ex.fetch_ohlcv, to_ccxt(symbol), tf,
                                           since, self.page)
            page = [c for c in page if c[0] >= since]
            if not page:
                break
            rows += page
            since = int(page[-1][0]) + step
            if len(page) < self.page:
                break
        return bar_frame(((r[0], r[1], r[2], r[3], r[4], r[5] or 0.0) for r in rows), start,
                         end)

    def stream(self, symbols: Sequence[str], *, timeframe: str = "1m", quotes: bool = False,
               trades: bool = False) -> AsyncIterator[Bar | Tick]:
        """``watch_ohlcv`` where ccxt.pro has it; otherwise (Coinbase) the candles endpoint,
        asked just after each bar ends."""
        if self.session.exchange.has.get("watchOHLCV"):
            return merge(*[self._watch(symbol, timeframe) for symbol in symbols])
        return merge(*[self._poll(symbol, timeframe) for symbol in symbols])

    async def _poll(self, symbol: str, timeframe: str) -> AsyncIterator[Bar]:
        gate, tf = BarGate(timeframe), self._timeframe(timeframe)
        plumbing, ex = self.session.plumbing, self.session.exchange
        while True:
            since = gate.last.get(symbol, plumbing.clock_ns() - 3 * gate.step) // 1_000_000
            try:
                candles = await self.session.call("fetch_ohlcv", ex.fetch_ohlcv,
                                                  to_ccxt(symbol), tf, since, 10)
            except DefinitiveBrokerError:
                raise
            except Exception as exc:  # noqa: BLE001 - a drop: asked again next period
                log.info("%s candles of %s: %s", self.venue, symbol, exc)
                candles = []
            for c in sorted(candles, key=lambda c: c[0]):
                bar = gate.bar(symbol, c[0], c[1], c[2], c[3], c[4], c[5] or 0.0)
                if gate.admit(bar, plumbing.clock_ns()):
                    yield bar
            wait = gate.step - (plumbing.clock_ns() % gate.step)
            await plumbing.sleep(wait / 1e9 + 0.5)

    async def _watch(self, symbol: str, timeframe: str) -> AsyncIterator[Bar]:
        gate, tf = BarGate(timeframe), self._timeframe(timeframe)
        plumbing, ex = self.session.plumbing, self.session.exchange
        attempt, held = 0, {}
        while True:
            try:
                candles = await ex.watch_ohlcv(to_ccxt(symbol), tf)
                attempt = 0
            except Exception as exc:  # noqa: BLE001 - sorted, then reconnect or raise
                error = self.session.classify("watch_ohlcv", exc)
                if isinstance(error, DefinitiveBrokerError):
                    raise error from None
                log.info("%s stream of %s dropped: %s", self.venue, symbol, error)
                await plumbing.sleep(self.session.policy.backoff(attempt))
                attempt += 1
                continue
            for candle in candles:  # ccxt hands back only what changed since the last call
                held[int(candle[0])] = candle
            newest = max(held, default=None)
            for start in sorted(held):
                if start == newest:
                    break  # may still be forming
                candle = held.pop(start)
                bar = gate.bar(symbol, start, candle[1], candle[2], candle[3], candle[4],
                               candle[5] or 0.0)
                lag = bar.end_ns - plumbing.clock_ns()
                if lag > 0 and bar.ts_ns > gate.last.get(symbol, -1):
                    await plumbing.sleep(lag / 1e9)  # the venue closed it; our clock is behind
                if gate.admit(bar, plumbing.clock_ns()):
                    yield bar

    async def close(self) -> None:
        await self.session.close()


class CcxtExecution(VenueExecutionClient):
    def __init__(self, session: CcxtSession) -> None:
        p = session.plumbing
        super().__init__(policy=session.policy, clock_ns=p.clock_ns,
                         poll_interval_s=p.poll_interval_s, sleep=p.sleep)
        self.session = session
        self.venue = session.name
        self.symbols: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"CcxtExecution({self.session!r})"

    def _fill(self, trade: dict, order: dict | None = None) -> VenueFill:
        fee = trade.get("fee") or {}
        order = order or {}
        ts = trade.get("timestamp") or order.get("lastTradeTimestamp") or order.get(
            "timestamp") or self.clock_ns() // 1_000_000
        return VenueFill(
            str(trade["id"]), order.get("clientOrderId") or trade.get("clientOrderId"),
            str(trade.get("order") or order.get("id")),
            from_ccxt(trade.get("symbol") or order["symbol"]),
            OrderSide.BUY if (trade.get("side") or order.get("side")) == "buy" else OrderSide.SELL,
            _dec(trade["amount"]),
            _dec(trade["price"]), _dec(fee.get("cost")), int(ts) * 1_000_000,
            fee.get("currency"),
            Liquidity.MAKER if trade.get("takerOrMaker") == "maker" else Liquidity.TAKER,
        )

    def _order(self, item: dict) -> VenueOrder:
        ours = self.orders.get(item.get("clientOrderId") or "")
        if ours is not None:  # an answer that does not repeat the order (Kraken's AddOrder)
            item = {"symbol": to_ccxt(ours.symbol), "side": ours.side.value.lower(),
                    "amount": ours.quantity, **{k: v for k, v in item.items() if v is not None}}
        status = STATUS.get(item.get("status") or "open", OrderStatus.ACCEPTED)
        filled = _dec(item.get("filled"))
        if status is OrderStatus.ACCEPTED and filled > 0:
            status = OrderStatus.PARTIALLY_FILLED
        ts = item.get("lastUpdateTimestamp") or item.get("timestamp") or (
            self.clock_ns() // 1_000_000)
        average = item.get("average")
        return VenueOrder(
            item.get("clientOrderId"), str(item["id"]), from_ccxt(item["symbol"]),
            OrderSide.BUY if item["side"] == "buy" else OrderSide.SELL, _dec(item["amount"]),
            filled, status, int(ts) * 1_000_000, _dec(average) if average else None,
        )

    def _placed(self, item: dict) -> Placed:
        # Kraken lists only the ids of an order's trades: those come from fetch_my_trades
        fills = tuple(self._fill(t, item) for t in item.get("trades") or []
                      if t.get("id") and t.get("price") and t.get("amount"))
        return Placed(self._order(item), fills)

    async def _place(self, order: Order) -> Placed:
        kind = TYPES.get(order.order_type)
        if kind is None:
            raise DefinitiveBrokerError(
                f"{self.venue} adapter sends MARKET and LIMIT orders", venue=self.venue,
                field="order_type", value=order.order_type.value, fix="use MARKET or LIMIT")
        ex = self.session.exchange
        price = float(order.limit_price) if order.limit_price is not None else None
        params: dict[str, Any] = {"clientOrderId": order.client_order_id}
        if self.session.id == "coinbase":
            # ccxt drops clientOrderId for Coinbase and sends "ccxt-<uuid>": ours goes as is
            params["client_order_id"] = order.client_order_id
        if self.session.id == "coinbase" and kind == "market" and order.side is OrderSide.BUY:
            # ccxt sends a Coinbase market buy as a quote amount; ours is a base quantity
            params.update(createMarketBuyOrderRequiresPrice=False, order_configuration={
                "market_market_ioc": {"base_size": format(order.quantity, "f")}})
        tries = 0

        async def create() -> dict:
            nonlocal tries
            tries += 1
            return await ex.create_order(
                to_ccxt(order.symbol), kind, "buy" if order.side is OrderSide.BUY else "sell",
                float(order.quantity), price, dict(params))

        item = await self.session.call("create_order", create, idempotent=True)
        item["clientOrderId"] = item.get("clientOrderId") or order.client_order_id
        if tries > 1:
            # a resend that was answered may be answered for the first send (Coinbase returns
            # the existing order for a client order id it knows): what is its state now?
            found = await self._find_quietly(order.client_order_id)
            if found is not None:
                return found
        return self._placed(item)

    async def _cancel(self, order: Order, venue_order_id: str | None) -> VenueOrder | None:
        ex = self.session.exchange
        params = {} if venue_order_id else {"clientOrderId": order.client_order_id}
        item = await self.session.call("cancel_order", ex.cancel_order, venue_order_id,
                                       to_ccxt(order.symbol), params)
        if not item or not item.get("id") or item.get("status") not in ("canceled",
                                                                        "cancelled"):
            return None  # the answer does not say it ended: look it up
        # Binance's cancel answer carries a new clientOrderId of its own: the order is ours
        item["clientOrderId"] = order.client_order_id
        return self._order(item)

    async def _find(self, client_order_id: str) -> Placed | None:
        order = self.orders.get(client_order_id)
        symbol = to_ccxt(order.symbol) if order is not None else None
        ex, call = self.session.exchange, self.session.call
        try:
            if self.session.id in SEARCH_FILTER:
                item = await self._search(client_order_id, symbol)
            else:
                item = await call("fetch_order", ex.fetch_order, None, symbol,
                                  {"clientOrderId": client_order_id})
        except DefinitiveBrokerError as exc:
            if getattr(exc, "ccxt", "") == "OrderNotFound":
                return None
            raise
        if not item:
            return None
        item["clientOrderId"] = item.get("clientOrderId") or client_order_id
        placed = self._placed(item)
        if placed.fills or placed.order.filled == 0:
            return placed
        trades = await call("fetch_my_trades", ex.fetch_my_trades, symbol)
        fills = tuple(self._fill(t, item) for t in trades if str(t.get("order")) == item["id"])
        return Placed(placed.order, fills)

    async def _search(self, client_order_id: str, symbol: str | None) -> dict | None:
        ex, call = self.session.exchange, self.session.call
        key = SEARCH_FILTER[self.session.id]
        params = {key: client_order_id} if key else {}
        for what, fetch in (("fetch_open_orders", ex.fetch_open_orders),
                            ("fetch_closed_orders", ex.fetch_closed_orders)):
            items = await call(what, fetch, symbol, None, None, dict(params))
            found = [i for i in items if i.get("clientOrderId") == client_order_id]
            if found:
                return found[-1]
        return None

    async def account_state(self, since_ns: int | None = None) -> VenueAccountState:
        ex, call = self.session.exchange, self.session.call
        balance = await call("fetch_balance", ex.fetch_balance)
        totals = {k: _dec(v) for k, v in (balance.get("total") or {}).items() if v}
        symbols = sorted({*self.symbols, *(o.symbol for o in self.orders.values())})
        since = since_ns // 1_000_000 if since_ns else None
        orders: list[VenueOrder] = []
        fills: list[VenueFill] = []
        positions = {}
        for symbol in symbols:
            pair = to_ccxt(symbol)
            for item in await call("fetch_open_orders", ex.fetch_open_orders, pair):
                orders.append(self._order(item))
            fills += [self._fill(t) for t in await call("fetch_my_trades", ex.fetch_my_trades,
                                                           pair, since)]
            base = symbol.split("-")[0]
            if totals.get(base):
                positions[symbol] = totals[base]
        cids = {o.venue_order_id: o.client_order_id for o in orders if o.client_order_id}
        fills = [VenueFill(f.venue_fill_id, f.client_order_id or cids.get(f.venue_order_id)
                           or self._cid_of(f.venue_order_id), *_tail(f)) for f in fills]
        return VenueAccountState(self.clock_ns(), totals, positions, tuple(orders), tuple(fills))

    async def close(self) -> None:
        await super().close()
        await self.session.close()


def _tail(fill: VenueFill) -> tuple:
    return (fill.venue_order_id, fill.symbol, fill.side, fill.quantity, fill.price, fill.fee,
            fill.ts_ns, fill.fee_currency, fill.liquidity)


def open_ccxt(exchange_id: str, settings: Any, plumbing: Plumbing | None = None) -> Venue:
    """The ``ccxt:<exchange_id>`` venue from ``settings.venues.ccxt[<exchange_id>]``; without
    keys it has data and instruments but no execution client."""
    session = CcxtSession(exchange_id, settings, plumbing or Plumbing())
    execution = CcxtExecution(session) if session.has_keys() else None
    return Venue(session.name, CcxtInstruments(session), CcxtData(session), execution)


__all__ = ["CcxtData", "CcxtExecution", "CcxtInstruments", "open_ccxt"]
