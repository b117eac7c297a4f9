"""The simulated venue's book-data hook: limit orders filled by queue position.

:class:`QueueFills` is the part of :class:`~signaltrust.execution.simulated.SimulatedVenue`
that reads L2 books and prints (:meth:`QueueFills.on_book`, :meth:`QueueFills.on_trade`) and
fills limit orders with the queue model of :mod:`signaltrust.execution.queue`; the rules are
in the venue's module doc. It works on the venue's own state (its order book per symbol, the
activation times, the report sink), so it is only ever a base of the venue.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from signaltrust.core.book import BookUpdate, Trade
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
from signaltrust.execution.queue import BookQueues, QueuePosition

_BUY = OrderSide.BUY
_LIMIT = OrderType.LIMIT
_IOC, _FOK = TimeInForce.IOC, TimeInForce.FOK
_DONE = frozenset(s for s in OrderStatus if s.is_terminal)
_FILL = ReportKind.FILL
_TAKER, _MAKER = Liquidity.TAKER, Liquidity.MAKER


class QueueFills:
    """On a simulated venue: book messages and prints fill its limit orders by queue."""

    # the venue's state this part reads (set by SimulatedVenue)
    queues: BookQueues
    book: list[list[Order]]
    fees: Any
    _booked: set[int]
    _slot: dict[str, int]
    _active: dict[str, int]
    _venue_ids: dict[str, str]
    _trade: dict[int, tuple[int, float]]
    _fills_made: int

    if TYPE_CHECKING:  # the venue's methods and report sink

        def _report(self, report: ExecutionReport) -> None: ...

        def _prune(self, slot: int) -> None: ...

        def _attempted(self, order: Order, now_ns: int) -> None: ...

    def on_book(self, update: BookUpdate) -> None:
        """An L2 snapshot or delta of a traded symbol: from the first one on, that symbol's
        limit orders fill by queue position (module doc); refused like
        :meth:`~signaltrust.core.book.OrderBook.apply` refuses (gaps, crossed books)."""
        slot = self._book_slot(update.symbol)
        self.queues.apply(slot, update)
        self._booked.add(slot)
        self.queues.refresh(slot, ((o.client_order_id, 1 if o.side is _BUY else -1,
                                    float(o.limit_price))  # type: ignore[arg-type]
                                   for o in self.book[slot]
                                   if o.order_type is _LIMIT and o.status not in _DONE))
        self._join_queues(slot, update.ts_ns)
        self._prune(slot)

    def on_trade(self, trade: Trade) -> None:
        """A print of a traded symbol with book data: it fills the resting limit orders that
        its volume reaches beyond their queue ahead (at their limit, maker)."""
        slot = self._book_slot(trade.symbol)
        if not (trade.price > 0.0 and 0.0 <= trade.size < float("inf")):
            bad = "price" if not trade.price > 0.0 else "size"
            raise ValidationError("a print needs a price > 0 and a finite size >= 0",
                                  field=bad, value=getattr(trade, bad),
                                  fix="drop or correct the print (check_ticks finds these)")
        if slot not in self._booked:
            return  # no book yet: nothing is queued, bars fill the orders
        now_ns = trade.ts_ns
        self._join_queues(slot, now_ns)
        resting = [(o.client_order_id, 1 if o.side is _BUY else -1,
                    float(o.limit_price), float(o.remaining_quantity))  # type: ignore[arg-type]
                   for o in self.book[slot]
                   if o.order_type is _LIMIT and o.status not in _DONE
                   and o.client_order_id in self.queues.positions]
        if resting:
            orders = {o.client_order_id: o for o in self.book[slot]}
            for cid, quantity in self.queues.on_trade(trade, resting):
                order = orders[cid]
                self._book_fill(order, slot, quantity, float(order.limit_price),  # type: ignore[arg-type]
                                now_ns, _MAKER)
        self._prune(slot)

    def queue_position(self, client_order_id: str) -> QueuePosition | None:
        """Where a resting limit order stands in its queue (None when it is not queued)."""
        return self.queues.positions.get(client_order_id)

    def _book_slot(self, symbol: str) -> int:
        slot = self._slot.get(symbol)
        if slot is None:
            raise ValidationError("book data for a symbol the venue does not trade",
                                  field="symbol", value=symbol,
                                  fix=f"send data of the traded symbols {list(self._slot)}")
        return slot

    def _join_queues(self, slot: int, now_ns: int) -> None:
        """Active limit orders of ``slot`` not yet queued: take what the displayed book
        offers up to their limit, then rest in the queue (IOC and FOK end instead)."""
        queues = self.queues
        for order in self.book[slot]:
            cid = order.client_order_id
            if (order.order_type is not _LIMIT or order.status in _DONE
                    or cid in queues.positions or self._active[cid] > now_ns):
                continue
            side = 1 if order.side is _BUY else -1
            limit = float(order.limit_price)  # type: ignore[arg-type]
            remaining = float(order.remaining_quantity)
            tif = order.time_in_force
            if tif is _FOK and queues.available(slot, side, limit) < remaining:
                self._attempted(order, now_ns)
                continue
            for price, quantity in queues.take(slot, side, limit, remaining):
                self._book_fill(order, slot, quantity, price, now_ns, _TAKER)
            if order.status in _DONE:
                continue
            if tif is _IOC or tif is _FOK:
                self._attempted(order, now_ns)
                continue
            queues.join(cid, slot, side, limit)

    def _book_fill(self, order: Order, slot: int, quantity: float, price: float, now_ns: int,
                   liquidity: Liquidity) -> None:
        """Report a fill of ``quantity`` (at most the order's remaining) at ``price``."""
        remaining = order.remaining_quantity
        exact = remaining if quantity >= float(remaining) else min(
            remaining, Decimal(repr(quantity)))
        if exact <= 0:
            return
        units = float(exact)
        self._trade[slot] = (now_ns, price)
        self._fills_made += 1
        _, exact_price, exact_fee = positive_fill_values(
            exact, Decimal(repr(float(price))), self.fees.fee(units * price))
        cid = order.client_order_id
        self._report(
            ExecutionReport(
                _FILL, cid, self._venue_ids.get(cid), now_ns, f"SIM-F-{self._fills_made}",
                exact, exact_price, exact_fee, liquidity,
            )
        )


__all__ = ["QueueFills"]
