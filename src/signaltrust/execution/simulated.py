"""The simulated venue: a broker that fills orders against bars, with its own cost models.

Fill rules: a market order fills at the next bar's open plus slippage (or at the bar's close
with ``fill_at="close"``); limit, stop, stop-limit and trailing-stop orders fill within a bar
when its range touches them, at their price, or at the open when the bar gaps through it (the
worse price for a stop). Within one bar: fills at the open first, then triggered stops
(adverse first), then limits; a fill of one bracket exit cancels the other. Stops fill with
slippage, limits at their price. A volume participation cap fills an order partly; the rest
keeps working per its time in force (IOC/FOK cancel it).

Book data, when there is some, changes how limit orders fill: the venue's named hook
:meth:`SimulatedVenue.on_book` (L2 snapshots and deltas) and :meth:`SimulatedVenue.on_trade`
(prints) switch a symbol to queue-position matching (:mod:`signaltrust.execution.queue`, model
``queue=QueueModel(...)``) from its first book message on. A limit order of that symbol then
never fills from a bar's range: when it becomes active it takes what the displayed other side
offers up to its limit (taker fills at each level's price), and the rest rests at the back of
the queue at its price (IOC/FOK: canceled), filled at its limit (maker) only from the volume
printed at its price beyond the queue ahead, or from a print through its price. Market and
stop orders, and symbols without book data, fill against bars exactly as above.

It is one broker among others: it answers every order with execution reports (venue order
id ``SIM-<n>``, fill id ``SIM-F-<n>``, the fee of its fee model, taker liquidity for market and
stop fills, maker for limits) sent to the report sink at once. The trading core drives it
through :class:`~signaltrust.execution.broker.BarSimulator`: each bar's open, range and close.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from signaltrust.core.errors import ValidationError
from signaltrust.core.events import ExecutionReport, ReportKind
from signaltrust.core.orders import (
    Liquidity,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    positive_fill_values,
)
from signaltrust.execution.broker import Broker, ReportSink
from signaltrust.execution.models import (
    FeeModel,
    FixedLatency,
    FixedSlippage,
    LatencyModel,
    PercentFee,
    SlippageModel,
    VolumeParticipation,
)
from signaltrust.execution.queue import BookQueues, QueueModel
from signaltrust.execution.queue_fills import QueueFills

_DAY_NS = 86_400_000_000_000
_STOPS = (OrderType.STOP, OrderType.TRAILING_STOP)
_BUY, _SELL = OrderSide.BUY, OrderSide.SELL
_MARKET, _LIMIT, _STOP_LIMIT = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_LIMIT
_TRAILING = OrderType.TRAILING_STOP
_DAY, _IOC, _FOK = TimeInForce.DAY, TimeInForce.IOC, TimeInForce.FOK
_DONE = frozenset(s for s in OrderStatus if s.is_terminal)
_ZERO = Decimal(0)
_INF = float("inf")
_FILL = ReportKind.FILL
_TAKER, _MAKER = Liquidity.TAKER, Liquidity.MAKER


class PositionsView(Protocol):
    """What the venue reads of the account: net units and the latest price per symbol slot."""

    qty: list[float]
    last: list[float]


class TrailingStops(Protocol):
    """The order book's trailing-stop triggers, which the venue moves as prices move."""

    def update_trailing_stop(self, client_order_id: str, reference_price: float) -> Any: ...


def _path_key(order: Order) -> float:
    """Order along the price path: of two sell stops the higher is hit first as prices fall,
    of two sell limits the lower as they rise (mirrored for buys)."""
    if order.order_type is _LIMIT:
        price = float(order.limit_price)  # type: ignore[arg-type]
        return price if order.side is _SELL else -price
    price = float(order.stop_price) if order.stop_price is not None else 0.0
    return -price if order.side is _SELL else price


def _decimals(price: Any, fee: Any) -> tuple[Decimal, Decimal]:
    """A fill's price and fee as exact Decimals (a model's NumPy float or int converted too);
    ValidationError when a model gave a price <= 0, a negative fee or a non-finite value."""
    if type(price) is float and 0.0 < price < _INF and type(fee) is float and 0.0 <= fee < _INF:
        return Decimal(repr(price)), (Decimal(repr(fee)) if fee else _ZERO)
    _, exact_price, exact_fee = positive_fill_values(1, price, fee)
    return exact_price, exact_fee


class SimulatedVenue(QueueFills, Broker):
    """Fills orders against bars with pluggable fee, slippage, latency and participation
    models; with book data (:meth:`on_book`, :meth:`on_trade`) limit orders by queue position."""

    def __init__(
        self,
        *,
        fees: FeeModel | None = None,
        slippage: SlippageModel | None = None,
        latency: LatencyModel | None = None,
        participation: float | None = None,
        fill_at: str = "next_open",
        queue: QueueModel | None = None,
    ) -> None:
        if fill_at not in ("next_open", "close"):
            raise ValidationError(
                "unknown fill_at",
                field="fill_at",
                value=fill_at,
                fix="use 'next_open' (default) or 'close'",
            )
        self.fees = fees if fees is not None else PercentFee()
        self.slippage = slippage if slippage is not None else FixedSlippage()
        self.latency = latency if latency is not None else FixedLatency()
        self.participation = VolumeParticipation(participation)
        self._capped = participation is not None
        self.fill_at = fill_at
        self.book: list[list[Order]] = []
        self.working = 0  # orders in the book (all symbols)
        self._active: dict[str, int] = {}
        self._venue_ids: dict[str, str] = {}
        self._session: dict[str, int] = {}
        self._triggered: set[str] = set()
        self._used: list[float] = []
        self._used_bar: list[int | None] = []
        self._orders_seen = 0
        self._fills_made = 0
        self._trade: dict[int, tuple[int, float]] = {}  # slot -> (time, price) of last fill
        #: the book-driven state (books, queue positions); symbols without book data never
        #: touch it
        self.queues = BookQueues(queue if queue is not None else QueueModel())
        self._booked: set[int] = set()  # slots with book data: limit orders fill by queue

    # -- wiring -----------------------------------------------------------------------------
    def connect(self, reports: ReportSink, symbols: tuple[str, ...]) -> None:
        super().connect(reports, symbols)
        self._report = reports.on_execution_report
        self._slot = {s: i for i, s in enumerate(symbols)}
        self.book = [[] for _ in symbols]
        self._used = [0.0] * len(symbols)
        self._used_bar = [None] * len(symbols)

    def bind_account(self, positions: PositionsView, orders: TrailingStops) -> None:
        """Read positions and prices from ``positions`` and move trailing-stop triggers
        through ``orders`` (the trading core's portfolio and order manager)."""
        self._qty = positions.qty
        self._last = positions.last
        self._trail = orders.update_trailing_stop

    def has_orders(self, slot: int) -> bool:
        return bool(self.book[slot])

    # -- the fast path: a market order filled whole the moment it is sent --------------------
    def fills_at_once(self, slot: int) -> bool:
        """True when a market order of ``slot`` sent now fills whole at once at the price of
        the moment: no participation cap, no latency, and no other order working on the
        symbol (none may fill before it)."""
        latency = self.latency
        return (
            not self.book[slot]
            and not self._capped
            and type(latency) is FixedLatency
            and latency.ns == 0
        )

    def fill_at_once(
        self, order: Order, slot: int, volume: float, now_ns: int, units: float
    ) -> tuple[str, Decimal, Decimal]:
        """Take a market ``order`` of ``units`` (its quantity as a float) and fill it whole now
        at the latest price plus slippage (only when :meth:`fills_at_once`); its fill id, price
        and fee. The same fill as :meth:`submit` then :meth:`match_market` give, without the
        reports in between."""
        self._orders_seen += 1
        price = self.slippage.price(
            self._last[slot], 1 if order.side is _BUY else -1, units, volume
        )
        exact_price, exact_fee = _decimals(price, self.fees.fee(units * price))
        self._trade[slot] = (now_ns, float(price))
        self._fills_made += 1
        return f"SIM-F-{self._fills_made}", exact_price, exact_fee

    # -- broker interface -------------------------------------------------------------------
    def submit(self, order: Order, now_ns: int) -> None:
        cid = order.client_order_id
        slot = self._slot.get(order.symbol)
        self._orders_seen += 1
        venue_id = f"SIM-{self._orders_seen}"
        if slot is None:
            self._report(
                ExecutionReport(
                    ReportKind.REJECTED, cid, venue_id, now_ns,
                    reason=f"unknown symbol {order.symbol}",
                )
            )
            return
        self._venue_ids[cid] = venue_id
        self._report(ExecutionReport(ReportKind.ACCEPTED, cid, venue_id, now_ns))
        if order.status in _DONE:  # refused on acceptance (e.g. a stale report ordering)
            return
        self.book[slot].append(order)
        self.working += 1
        self._active[cid] = now_ns + self.latency.delay_ns(order)
        if slot in self._booked and order.order_type is _LIMIT:
            self._join_queues(slot, now_ns)
            self._prune(slot)
        if order.order_type is _TRAILING and order.stop_price is None:
            # trail from the latest trade: a fill at this very time (e.g. the entry it
            # protects), else the latest bar price
            traded = self._trade.get(slot)
            last = traded[1] if traded and traded[0] == now_ns else self._last[slot]
            if last == last:
                self._trail(cid, last)

    def cancel(self, order: Order, now_ns: int) -> None:
        slot = self._slot.get(order.symbol)
        if slot is None:
            return
        if order.status not in _DONE:  # still open on our side: confirm the cancel
            self._report(
                ExecutionReport(
                    ReportKind.CANCELED, order.client_order_id,
                    self._venue_ids.get(order.client_order_id), now_ns,
                    reason="canceled by the strategy",
                )
            )
        self._prune(slot)

    def _prune(self, slot: int) -> None:
        book = self.book[slot]
        kept = [o for o in book if o.status not in _DONE]
        if len(kept) != len(book) and slot in self._booked:
            for order in book:
                if order.status in _DONE:
                    self.queues.forget(order.client_order_id)
        self.working -= len(book) - len(kept)
        self.book[slot] = kept

    # -- the bar ----------------------------------------------------------------------------
    def open_bar(self, slot: int, start_ns: int) -> None:
        """A new bar of ``slot`` starts: expire its DAY orders of past sessions."""
        if not self.book[slot]:
            return
        day = start_ns // _DAY_NS
        for order in self.book[slot]:
            if order.time_in_force is not _DAY or order.status in _DONE:
                continue
            cid = order.client_order_id
            if self._active[cid] > start_ns:
                continue
            first = self._session.setdefault(cid, day)
            if first != day:
                self._report(
                    ExecutionReport(
                        ReportKind.EXPIRED, cid, self._venue_ids.get(cid), start_ns,
                        reason="DAY order expired at session end",
                    )
                )
        self._prune(slot)

    def _capacity(self, slot: int, volume: float, bar_ns: int) -> float:
        if self._used_bar[slot] != bar_ns:  # a new bar: its whole volume is available
            self._used_bar[slot] = bar_ns
            self._used[slot] = 0.0
        return self.participation.capacity(volume) - self._used[slot]

    def _fill(
        self,
        order: Order,
        slot: int,
        price: float,
        volume: float,
        now_ns: int,
        bar_ns: int,
        market: bool,
    ) -> None:
        remaining = order.remaining_quantity
        quantity = remaining
        if self._capped:  # a volume participation cap: fill what this bar has room for
            room = self._capacity(slot, volume, bar_ns)
            if order.time_in_force is _FOK and float(remaining) > room:
                return  # the match attempt cancels it
            if room < float(remaining):
                if room <= 0.0:
                    return
                quantity = min(remaining, Decimal(repr(room)))
        units = float(quantity)
        if market:
            side = 1 if order.side is _BUY else -1
            price = self.slippage.price(price, side, units, volume)
        if self._capped:
            self._used[slot] += units
        self._trade[slot] = (now_ns, float(price))
        self._fills_made += 1
        exact_price, exact_fee = _decimals(price, self.fees.fee(units * price))
        cid = order.client_order_id
        self._report(
            ExecutionReport(
                _FILL, cid, self._venue_ids.get(cid), now_ns, f"SIM-F-{self._fills_made}",
                quantity, exact_price, exact_fee,
                _TAKER if market or order.order_type is _MARKET else _MAKER,
            )
        )

    def _attempted(self, order: Order, now_ns: int) -> None:
        """After an IOC/FOK order's first matching attempt: its unfilled rest is canceled."""
        if order.status in _DONE:
            return
        tif = order.time_in_force
        if tif is _IOC or tif is _FOK:
            reason = (
                "IOC: unfilled rest canceled" if tif is _IOC
                else "FOK: the whole quantity could not fill at once"
            )
            cid = order.client_order_id
            self._report(
                ExecutionReport(
                    ReportKind.CANCELED, cid, self._venue_ids.get(cid), now_ns, reason=reason
                )
            )

    def match_market(
        self, slot: int, price: float, volume: float, now_ns: int, bar_ns: int, reducing: bool
    ) -> None:
        """Fill working market orders of ``slot`` at ``price`` (+ slippage): the reducing ones
        (side against the position) when ``reducing``, else all that remain. ``bar_ns`` is the
        start of the bar whose volume the participation cap shares."""
        if not self.book[slot]:
            return
        qty = self._qty
        for order in list(self.book[slot]):
            if order.order_type is not _MARKET or order.status in _DONE:
                continue
            if self._active[order.client_order_id] > now_ns:
                continue
            if reducing:
                position = qty[slot]
                if not (position < 0 if order.side is _BUY else position > 0):
                    continue
            self._fill(order, slot, price, volume, now_ns, bar_ns, True)
            self._attempted(order, now_ns)
        self._prune(slot)

    # -- orders with a price ----------------------------------------------------------------
    def _trigger(self, order: Order, o: float, h: float, lo: float) -> tuple[int, float] | None:
        """(rank, price) when this bar fills ``order``: rank 0 at the open, 1 stop, 2 limit."""
        buy = order.side is _BUY
        kind = order.order_type
        if kind is _LIMIT or (
            kind is _STOP_LIMIT and order.client_order_id in self._triggered
        ):
            lp = float(order.limit_price)  # type: ignore[arg-type]
            if (o <= lp) if buy else (o >= lp):
                return 0, o
            if (lo <= lp) if buy else (h >= lp):
                return 2, lp
            return None
        sp = float(order.stop_price) if order.stop_price is not None else None
        if sp is None:
            return None
        if (o >= sp) if buy else (o <= sp):
            at_open = True
        elif (h >= sp) if buy else (lo <= sp):
            at_open = False
        else:
            return None
        if kind in _STOPS:
            return (0, o) if at_open else (1, sp)
        # stop-limit: the stop turned it into a limit order
        self._triggered.add(order.client_order_id)
        lp = float(order.limit_price)  # type: ignore[arg-type]
        if at_open and ((o <= lp) if buy else (o >= lp)):
            return 0, o
        if lo <= lp <= h:
            return 1, lp
        return None

    def match_range(
        self, slot: int, o: float, h: float, lo: float, volume: float, now_ns: int, bar_ns: int
    ) -> None:
        """Fill the priced orders of ``slot`` that this bar's range touches (adverse first)."""
        if not self.book[slot]:
            return
        trail = self._trail
        by_queue = slot in self._booked
        hits: list[tuple[int, float, int, Order, float]] = []
        tried: list[Order] = []
        for seq, order in enumerate(self.book[slot]):
            if order.order_type is _MARKET or order.status in _DONE:
                continue
            if by_queue and order.order_type is _LIMIT:
                continue  # the book and the prints fill it (on_book, on_trade)
            if self._active[order.client_order_id] > now_ns:
                continue
            if order.order_type is _TRAILING:
                trail(order.client_order_id, o)
            tried.append(order)
            hit = self._trigger(order, o, h, lo)
            if hit is not None:
                hits.append((hit[0], _path_key(order), seq, order, hit[1]))
        hits.sort(key=lambda item: (item[0], item[1], item[2]))
        for rank, _, _, order, price in hits:
            if order.status in _DONE:
                continue  # e.g. canceled by its OCO sibling's fill
            market = rank < 2 and order.order_type in _STOPS
            self._fill(order, slot, price, volume, now_ns, bar_ns, market)
        for order in tried:
            if order.status in _DONE:
                continue
            if order.time_in_force in (_IOC, _FOK):
                self._attempted(order, now_ns)
            elif order.order_type is _TRAILING:
                trail(order.client_order_id, h if order.side is _SELL else lo)
        self._prune(slot)


__all__ = ["SimulatedVenue"]
