"""OANDA v20 (FX) over plain httpx: REST for instruments, candles and orders, its streaming
endpoint for prices.

Endpoints (``practice`` by default): ``https://api-fxpractice.oanda.com`` and
``https://stream-fxpractice.oanda.com``; live: ``api-fxtrade`` / ``stream-fxtrade``. Orders
carry our client order id in ``clientExtensions.id`` and are looked up as ``@<id>``; OANDA
refuses a second order under the same id (``CLIENT_ORDER_ID_ALREADY_EXISTS``), which is how a
resend never creates a second order. Candles are asked with ``dailyAlignment=0`` in UTC so
daily bars are labelled at midnight UTC; only ``complete`` candles are streamed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from signaltrust.core.errors import DefinitiveBrokerError, ValidationError
from signaltrust.core.events import Bar, Tick
from signaltrust.core.instrument import AssetClass, Instrument
from signaltrust.core.orders import Order, OrderSide, OrderStatus, OrderType
from signaltrust.execution.venue_state import VenueAccountState, VenueFill, VenueOrder
from signaltrust.live.adapters.bars import BarGate, bar_frame, merge, step_ns, utc
from signaltrust.live.adapters.execution import (
    DuplicateClientOrderIdError,
    Placed,
    VenueExecutionClient,
)
from signaltrust.live.adapters.plumbing import Plumbing
from signaltrust.live.adapters.symbols import from_oanda, to_oanda
from signaltrust.live.contract import DataClient, InstrumentProvider, Venue
from signaltrust.live.http import VenueHttp
from signaltrust.live.secrets import Redactor, reveal

PRACTICE = ("https://api-fxpractice.oanda.com", "https://stream-fxpractice.oanda.com")
LIVE = ("https://api-fxtrade.oanda.com", "https://stream-fxtrade.oanda.com")
GRANULARITY = {"5s": "S5", "10s": "S10", "15s": "S15", "30s": "S30", "1m": "M1", "2m": "M2",
               "4m": "M4", "5m": "M5", "10m": "M10", "15m": "M15", "30m": "M30", "1h": "H1",
               "2h": "H2", "3h": "H3", "4h": "H4", "6h": "H6", "8h": "H8", "12h": "H12",
               "1d": "D", "1w": "W", "1mo": "M"}
PAGE = 5000  # OANDA's most candles per request
_STATE = {"PENDING": OrderStatus.ACCEPTED, "TRIGGERED": OrderStatus.ACCEPTED,
          "FILLED": OrderStatus.FILLED, "CANCELLED": OrderStatus.CANCELED}


def granularity(timeframe: str) -> str:
    from signaltrust.core.timeframe import Timeframe

    key = str(Timeframe.parse(timeframe))
    if key not in GRANULARITY:
        raise ValidationError("OANDA has no candles of this length", field="timeframe",
                              value=timeframe, fix=f"use one of {', '.join(GRANULARITY)}")
    return GRANULARITY[key]


def _ns(text: Any) -> int:
    return utc(text).value


def _dec(text: Any) -> Decimal:
    return Decimal(str(text))


class OandaSession:
    """The account's REST and stream connections, shared by the three clients."""

    def __init__(self, settings: Any, plumbing: Plumbing, transport: Any = None) -> None:
        token = reveal(settings.token, field="venues.oanda.token", venue="oanda")
        if not settings.account_id:
            raise ValidationError(
                "oanda needs an account id", field="venues.oanda.account_id", value=None,
                fix="set venues.oanda.account_id (e.g. 101-004-1234567-001) or "
                "SIGNALTRUST__VENUES__OANDA__ACCOUNT_ID",
            )
        api, stream = PRACTICE if settings.practice else LIVE
        self.account = settings.account_id
        self.stream_url = settings.stream_url or stream
        self.plumbing = plumbing
        per_second = settings.requests_per_second
        self.http = VenueHttp(
            "oanda", settings.api_url or api, policy=plumbing.policy(settings),
            limiter=plumbing.bucket(per_second, per_second), timeout_s=settings.timeout_s,
            headers={"Authorization": f"Bearer {token}", "Accept-Datetime-Format": "RFC3339"},
            redact=Redactor(settings.token), transport=transport,
        )

    def path(self, tail: str) -> str:
        return f"/v3/accounts/{self.account}{tail}"


class OandaInstruments(InstrumentProvider):
    unknown = "unknown OANDA instrument"
    spelling = "call load() first, or use a pair such as EUR-USD"
    venue = "oanda"

    def __init__(self, session: OandaSession) -> None:
        self.session = session
        self.loaded: dict[str, Instrument] = {}

    async def load(self) -> dict[str, Instrument]:
        body = await self.session.http.request("GET", self.session.path("/instruments"))
        out = {}
        for item in body.get("instruments", []):
            symbol = from_oanda(item["name"])
            quote = item["name"].split("_")[1]
            out[symbol] = Instrument(
                symbol=symbol, venue="OANDA",
                asset_class=AssetClass.FX if item.get("type") == "CURRENCY" else (
                    AssetClass.COMMODITY),
                currency=quote if len(quote) <= 5 else "USD",
                tick_size=Decimal(1).scaleb(-int(item["displayPrecision"])),
                lot_size=Decimal(1).scaleb(-int(item.get("tradeUnitsPrecision", 0))),
            )
        self.loaded = out
        return out



class OandaData(DataClient):
    venue = "oanda"
    page = PAGE  # candles per request

    def __init__(self, session: OandaSession) -> None:
        self.session = session

    async def history(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp,
                      timeframe: str) -> pd.DataFrame:
        rows = []
        cursor, stop = utc(start), utc(end)
        step = pd.Timedelta(step_ns(timeframe), "ns")
        while cursor < stop:
            candles = await self._candles(symbol, timeframe, cursor, count=self.page)
            page = [c for c in candles if c.get("complete", True)]
            rows += [self._row(c) for c in page]
            if len(candles) < self.page or not page:
                break
            cursor = utc(page[-1]["time"]) + step
        return bar_frame(rows, start, end)

    async def _candles(self, symbol: str, timeframe: str, start: pd.Timestamp,
                       count: int) -> list[dict]:
        params = {"granularity": granularity(timeframe), "price": "M", "count": count,
                  "from": start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "dailyAlignment": 0,
                  "alignmentTimezone": "UTC", "includeFirst": "true"}
        body = await self.session.http.request(
            "GET", f"/v3/instruments/{to_oanda(symbol)}/candles", params=params)
        return body.get("candles", [])

    @staticmethod
    def _row(candle: dict) -> tuple:
        mid = candle["mid"]
        return (candle["time"], float(mid["o"]), float(mid["h"]), float(mid["l"]),
                float(mid["c"]), float(candle.get("volume", 0)))

    def stream(self, symbols: Sequence[str], *, timeframe: str = "1m", quotes: bool = False,
               trades: bool = False) -> AsyncIterator[Bar | Tick]:
        sources = [self._bars(symbols, timeframe)]
        if quotes:
            sources.append(self._prices(symbols))
        return merge(*sources)

    async def _bars(self, symbols: Sequence[str], timeframe: str) -> AsyncIterator[Bar]:
        """Complete candles, asked for just after each bar ends (OANDA streams no bars)."""
        gate = BarGate(timeframe)
        plumbing = self.session.plumbing
        while True:
            now = plumbing.clock_ns()
            for symbol in symbols:
                since = gate.last.get(symbol, now - 3 * gate.step)
                try:
                    candles = await self._candles(symbol, timeframe,
                                                  pd.Timestamp(since, tz="UTC"), count=10)
                except DefinitiveBrokerError:
                    raise
                except Exception:  # noqa: BLE001 - a drop: asked again next period
                    continue
                for candle in candles:
                    if not candle.get("complete", False):
                        continue
                    bar = gate.bar(symbol, *self._row(candle))
                    if gate.admit(bar, plumbing.clock_ns()):
                        yield bar
            wait = gate.step - (plumbing.clock_ns() % gate.step)
            await plumbing.sleep(wait / 1e9 + 0.5)

    async def _prices(self, symbols: Sequence[str]) -> AsyncIterator[Tick]:
        session, attempt = self.session, 0
        params = {"instruments": ",".join(to_oanda(s) for s in symbols)}
        while True:
            try:
                async for line in session.http.lines(session.path("/pricing/stream"),
                                                     params=params,
                                                     stream_url=session.stream_url):
                    attempt = 0
                    if line.get("type") != "PRICE":
                        continue
                    yield Tick(from_oanda(line["instrument"]), _ns(line["time"]), "quote",
                               bid=float(line["bids"][0]["price"]),
                               ask=float(line["asks"][0]["price"]))
            except DefinitiveBrokerError:
                raise
            except Exception:  # noqa: BLE001 - dropped: reconnect after a backoff
                pass
            await session.plumbing.sleep(session.http.policy.backoff(attempt))
            attempt += 1


class OandaExecution(VenueExecutionClient):
    venue = "oanda"

    def __init__(self, session: OandaSession) -> None:
        p = session.plumbing
        super().__init__(policy=session.http.policy, clock_ns=p.clock_ns,
                         poll_interval_s=p.poll_interval_s, sleep=p.sleep)
        self.session = session
        self.currency = "USD"

    def _body(self, order: Order) -> dict:
        units = order.quantity if order.side is OrderSide.BUY else -order.quantity
        spec: dict[str, Any] = {"instrument": to_oanda(order.symbol), "units": str(units),
                                "positionFill": "DEFAULT",
                                "clientExtensions": {"id": order.client_order_id}}
        if order.order_type is OrderType.MARKET:
            spec.update(type="MARKET", timeInForce="FOK")
        elif order.order_type is OrderType.LIMIT:
            spec.update(type="LIMIT", price=str(order.limit_price),
                        timeInForce=order.time_in_force.value)
        elif order.order_type is OrderType.STOP:
            spec.update(type="STOP", price=str(order.stop_price),
                        timeInForce=order.time_in_force.value)
        else:
            raise DefinitiveBrokerError(f"OANDA adapter does not send {order.order_type} orders",
                                        venue="oanda", field="order_type",
                                        value=order.order_type.value,
                                        fix="use MARKET, LIMIT or STOP")
        return {"order": spec}

    async def _place(self, order: Order) -> Placed:
        http = self.session.http
        try:
            body = await http.request("POST", self.session.path("/orders"),
                                      body=self._body(order), idempotent=True)
        except DefinitiveBrokerError as exc:
            answer = getattr(exc, "body", None) or {}
            reject = answer.get("orderRejectTransaction", {})
            if "CLIENT_ORDER_ID_ALREADY_EXISTS" in (reject.get("rejectReason"),
                                                    answer.get("errorCode")):
                raise DuplicateClientOrderIdError(exc.message, venue="oanda") from None
            raise
        created = body.get("orderCreateTransaction", {})
        fill = body.get("orderFillTransaction")
        canceled = body.get("orderCancelTransaction")
        status = OrderStatus.ACCEPTED
        fills: tuple[VenueFill, ...] = ()
        if fill:
            fills = (self._fill(fill, order.client_order_id),)
            status = OrderStatus.FILLED
        elif canceled:
            status = OrderStatus.CANCELED
        venue_order = VenueOrder(
            order.client_order_id, str(created.get("id", "")), order.symbol, order.side,
            order.quantity, sum((f.quantity for f in fills), Decimal(0)), status,
            _ns(created.get("time") or pd.Timestamp.now("UTC")),
            fills[0].price if fills else None,
        )
        return Placed(venue_order, fills)

    def _fill(self, txn: dict, cid: str | None = None) -> VenueFill:
        units = _dec(txn["units"])
        return VenueFill(
            str(txn["id"]), cid or txn.get("clientOrderID"), str(txn["orderID"]),
            from_oanda(txn["instrument"]), OrderSide.BUY if units > 0 else OrderSide.SELL,
            abs(units), _dec(txn["price"]), abs(_dec(txn.get("commission", "0"))),
            _ns(txn["time"]), self.currency,
        )

    async def _cancel(self, order: Order, venue_order_id: str | None) -> VenueOrder | None:
        body = await self.session.http.request(
            "PUT", self.session.path(f"/orders/@{order.client_order_id}/cancel"))
        txn = body.get("orderCancelTransaction", {})
        return VenueOrder(order.client_order_id, str(txn.get("orderID", venue_order_id or "")),
                          order.symbol, order.side, order.quantity,
                          self._reported_qty.get(order.client_order_id, Decimal(0)),
                          OrderStatus.CANCELED, _ns(txn.get("time", pd.Timestamp.now("UTC"))))

    def _order(self, item: dict) -> VenueOrder:
        units = _dec(item.get("units", "0"))
        status = _STATE.get(item.get("state", ""), OrderStatus.ACCEPTED)
        return VenueOrder(
            (item.get("clientExtensions") or {}).get("id"), str(item["id"]),
            from_oanda(item["instrument"]), OrderSide.BUY if units > 0 else OrderSide.SELL,
            abs(units), abs(units) if status is OrderStatus.FILLED else Decimal(0), status,
            _ns(item.get("createTime", pd.Timestamp.now("UTC"))),
        )

    async def _find(self, client_order_id: str) -> Placed | None:
        from signaltrust.core.errors import DefinitiveBrokerError as Refused

        try:
            body = await self.session.http.request(
                "GET", self.session.path(f"/orders/@{client_order_id}"))
        except Refused as exc:
            if exc.status == 404:
                return None
            raise
        order = self._order(body["order"])
        fills: tuple[VenueFill, ...] = ()
        fill_id = body["order"].get("fillingTransactionID")
        if fill_id:
            txn = await self.session.http.request(
                "GET", self.session.path(f"/transactions/{fill_id}"))
            fills = (self._fill(txn["transaction"], client_order_id),)
        return Placed(order, fills)

    async def account_state(self, since_ns: int | None = None) -> VenueAccountState:
        body = await self.session.http.request("GET", self.session.path(""))
        account = body["account"]
        self.currency = account.get("currency", "USD")
        positions = {}
        for pos in account.get("positions", []):
            net = _dec(pos["long"]["units"]) + _dec(pos["short"]["units"])
            if net:
                positions[from_oanda(pos["instrument"])] = net
        orders = tuple(self._order(o) for o in account.get("orders", [])
                       if o.get("instrument") and o.get("units"))
        return VenueAccountState(self.clock_ns(), {self.currency: _dec(account["balance"])},
                                 positions, orders, ())

    async def close(self) -> None:
        await super().close()
        await self.session.http.aclose()


def open_oanda(settings: Any, plumbing: Plumbing | None = None, transport: Any = None) -> Venue:
    """The OANDA venue from ``settings.venues.oanda``."""
    session = OandaSession(settings, plumbing or Plumbing(), transport)
    return Venue("oanda", OandaInstruments(session), OandaData(session), OandaExecution(session))


__all__ = ["OandaData", "OandaExecution", "OandaInstruments", "open_oanda"]
