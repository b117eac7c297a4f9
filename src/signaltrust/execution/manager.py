"""Order management: idempotent submission, state changes as events, fills, brackets and OCO.

The :class:`OrderManager` is venue-agnostic. The engine (or a live node) drives it::

    manager.submit(order)               # registered at NEW (idempotent by client_order_id)
    manager.deny(id, reason, ts)        # risk engine said no              -> DENIED
    manager.mark_submitted(id, ts)      # risk passed, sent to the venue    -> SUBMITTED
    manager.accept(id, ts)              # venue acknowledged                -> ACCEPTED
    manager.reject(id, reason, ts)      # venue refused                     -> REJECTED
    manager.apply_fill(fill)            # -> PARTIALLY_FILLED / FILLED (+ bracket / OCO effects)
    manager.after_match_attempt(id, ts) # IOC / FOK: cancel what did not fill at once
    manager.expire_day_orders(ts)       # session end: DAY orders           -> EXPIRED
    manager.take_released()             # bracket exits whose entry filled: send like new orders

Every state change goes through :func:`signaltrust.execution.state.transition`, is appended to
``manager.events`` and is passed, synchronously and in order, to every listener. Each method
returns the events it caused (its own and the cascades: OCO cancels, bracket children).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import (
    DuplicateFillError,
    DuplicateOrderError,
    OrderNotFoundError,
    OverfillError,
    ValidationError,
)
from signaltrust.core.orders import (
    EXACT_CONTEXT,
    RATIO_CONTEXT,
    Fill,
    Order,
    OrderEvent,
    OrderSide,
    OrderStatus,
    TimeInForce,
    order_event,
)
from signaltrust.execution.brackets import BracketLinks
from signaltrust.execution.ids import IdGenerator
from signaltrust.execution.state import transition
from signaltrust.execution.time_in_force import TimeInForceRules

S = OrderStatus
OrderListener = Callable[[OrderEvent], None]
_WORKING = (S.ACCEPTED, S.PARTIALLY_FILLED)
_TERMINAL = frozenset(s for s in S if s.is_terminal)
_LAST: list[Any] = [None, None]


def utc_timestamp(time_ns: int) -> pd.Timestamp:
    """``pd.Timestamp(time_ns, tz="UTC")``; the last one is reused (an order's events share it)."""
    if _LAST[0] != time_ns:
        _LAST[0], _LAST[1] = time_ns, pd.Timestamp(time_ns, tz=UTC)
    return _LAST[1]


class OrderManager(BracketLinks, TimeInForceRules):
    """Holds every order by client order id and applies state changes, fills and linkages.

    ``ids`` generates client order, fill and OCO group ids (deterministic per run). Brackets
    and OCO groups come from :class:`~signaltrust.execution.brackets.BracketLinks`, IOC, FOK,
    DAY and trailing stops from :class:`~signaltrust.execution.time_in_force.TimeInForceRules`.
    """

    def __init__(self, ids: IdGenerator | None = None) -> None:
        self.ids = ids if ids is not None else IdGenerator()
        # the event log: OrderEvents, or the fields of one (a tuple) recorded by a hot path
        # while nobody listens, built into an OrderEvent when ``events`` is read
        self._log: list[OrderEvent | tuple[object, ...]] = []
        self._compact_from = -1  # index of the first tuple in the log (-1: none)
        self._by_id: dict[str, Order] = {}
        self._open: dict[str, Order] = {}
        self._fills_by_id: dict[str, Fill] = {}
        # market orders filled whole at once, kept as their fields until something reads the
        # orders, fills or events (see record_filled_at_once); their ids, for __contains__
        self._deferred: list[tuple[Any, ...]] = []
        self._deferred_ids: set[str] = set()
        self._listeners: list[OrderListener] = []
        self._groups: dict[str, list[Order]] = {}
        self._children: dict[str, list[Order]] = {}
        self._held: dict[str, Order] = {}
        self._released: list[Order] = []

    # ------------------------------------------------------------------ lookup

    @property
    def _orders(self) -> dict[str, Order]:
        """Every order by client order id, in submission order (deferred ones built first)."""
        if self._deferred:
            self._settle()
        return self._by_id

    @property
    def _fills(self) -> dict[str, Fill]:
        """Every fill by fill id, in order (deferred ones built first)."""
        if self._deferred:
            self._settle()
        return self._fills_by_id

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._by_id or client_order_id in self._deferred_ids

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def get(self, client_order_id: str) -> Order:
        """The order with this client order id, or :class:`OrderNotFoundError`."""
        try:
            return self._orders[client_order_id]
        except KeyError:
            raise OrderNotFoundError(
                "no order with this client order id",
                field="client_order_id",
                value=client_order_id,
                fix="submit the order first, or check the id",
            ) from None

    def open_orders(self, symbol: str | None = None, strategy_id: str | None = None) -> list[Order]:
        """Orders not yet terminal (including held bracket exits), in submission order."""
        return [
            o
            for o in self._open.values()
            if (symbol is None or o.symbol == symbol)
            and (strategy_id is None or o.strategy_id == strategy_id)
        ]

    def working_orders(self, symbol: str | None = None) -> list[Order]:
        """Orders a venue should try to match: ACCEPTED or PARTIALLY_FILLED, in submission order."""
        return [
            o
            for o in self._open.values()
            if o.status in _WORKING and (symbol is None or o.symbol == symbol)
        ]

    @property
    def fills(self) -> list[Fill]:
        """Every fill applied, in order."""
        return list(self._fills.values())

    def children(self, parent_id: str) -> list[Order]:
        """The bracket exits linked to an entry order (empty when it has none)."""
        return list(self._children.get(parent_id, ()))

    def is_held(self, client_order_id: str) -> bool:
        """True for a bracket exit that waits for its entry to fill (not to be sent yet)."""
        return client_order_id in self._held

    # ------------------------------------------------------------------ listeners, ids

    def add_listener(self, listener: OrderListener) -> None:
        """Call ``listener(event)`` synchronously for every future order event."""
        self._listeners.append(listener)

    def remove_listener(self, listener: OrderListener) -> None:
        """Stop calling ``listener``."""
        self._listeners.remove(listener)

    def next_client_order_id(self, strategy_id: str = "default") -> str:
        """A new, unique, deterministic client order id for ``strategy_id`` (``"sma-1"``, ...)."""
        while True:
            cid = self.ids.next_client_order_id(strategy_id)
            if cid not in self:
                return cid

    @property
    def events(self) -> list[OrderEvent]:
        """Every order event so far, in order (the same list object on every read)."""
        if self._deferred:
            self._settle()
        log, start = self._log, self._compact_from
        if start >= 0:
            for i in range(start, len(log)):
                item = log[i]
                if type(item) is tuple:
                    log[i] = order_event(*item)
            self._compact_from = -1
        return log  # type: ignore[return-value]

    def record_compact(
        self,
        client_order_id: str,
        previous_status: OrderStatus | None,
        status: OrderStatus,
        timestamp: datetime | None,
        fill: Fill | None,
        strategy_id: str,
        symbol: str,
    ) -> None:
        """Log an event without building it now (only when no listener waits for events)."""
        if self._deferred:
            self._settle()
        if self._compact_from < 0:
            self._compact_from = len(self._log)
        self._log.append(
            (client_order_id, previous_status, status, timestamp, None, fill, strategy_id, symbol)
        )

    def record_filled_at_once(
        self,
        client_order_id: str,
        strategy_id: str,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        time_in_force: TimeInForce,
        tags: tuple[str, ...],
        time_ns: int,
        fill_id: str,
        price: Decimal,
        fee: Decimal,
        currency: str,
    ) -> None:
        """Record a market order that was registered, sent, accepted and filled whole at
        ``time_ns`` in one step, as its fields (a simulated venue's fused path, only while no
        listener waits for events and every order passes the risk check).

        The :class:`Order` (FILLED), its :class:`Fill` and its four events (NEW, SUBMITTED,
        ACCEPTED, FILLED) are built, in their place, the first time anything reads the
        orders, the fills or the events: equal to those the step by step path builds. The
        caller guarantees what :meth:`Order.market` and :meth:`Fill.trusted` assume, a fresh
        ``client_order_id`` and ``fill_id``, and books the fill in its ledger itself.
        """
        self._deferred.append(
            (
                client_order_id,
                strategy_id,
                symbol,
                side,
                quantity,
                time_in_force,
                tags,
                time_ns,
                fill_id,
                price,
                fee,
                currency,
            )
        )
        self._deferred_ids.add(client_order_id)

    def _settle(self) -> None:
        """Build the deferred orders, fills and events (see :meth:`record_filled_at_once`)."""
        deferred, self._deferred = self._deferred, []
        orders, log = self._by_id, self._log
        if self._compact_from < 0:
            self._compact_from = len(log)
        add = log.append
        # the timestamps in one go (pandas boxes them in C), one per record
        times = np.fromiter((record[7] for record in deferred), np.int64)  # their time_ns
        stamps = pd.DatetimeIndex(times, tz=UTC)
        for (cid, sid, symbol, side, qty, tif, tags, _, fill_id, price, fee, ccy), ts in zip(
            deferred, stamps, strict=True
        ):
            order = Order.market(cid, symbol, side, qty, tif, sid, tags)
            order.created_at = order.updated_at = ts
            fill = Fill.trusted(fill_id, cid, symbol, side, qty, price, fee, ccy, ts, sid)
            self.filled_whole_at_once(order, fill)
            orders[cid] = order
            add((cid, None, S.NEW, ts, None, None, sid, symbol))
            add((cid, S.NEW, S.SUBMITTED, ts, None, None, sid, symbol))
            add((cid, S.SUBMITTED, S.ACCEPTED, ts, None, None, sid, symbol))
            add((cid, S.ACCEPTED, S.FILLED, ts, None, fill, sid, symbol))
        self._deferred_ids.clear()

    def filled_whole_at_once(self, order: Order, fill: Fill) -> None:
        """An order filled whole by one ``fill`` from nothing filled: FILLED, its totals (the
        average is the fill price), the fill stored. For the fused paths, which checked that
        the transition is allowed; :meth:`apply_fill` is the checked way."""
        order.status = S.FILLED
        order.filled_quantity = fill.quantity
        order.filled_notional = EXACT_CONTEXT.multiply(fill.quantity, fill.price)
        order.average_fill_price = fill.price
        order.fees = fill.fee
        self._fills_by_id[fill.fill_id] = fill

    def _emit(self, event: OrderEvent) -> None:
        if self._deferred:
            self._settle()
        self._log.append(event)
        listeners = self._listeners
        if len(listeners) == 1:
            listeners[0](event)
        else:
            for listener in tuple(listeners):  # a listener may add or remove listeners
                listener(event)

    # ------------------------------------------------------------------ submission

    def submit(self, order: Order, timestamp: datetime | None = None) -> Order:
        """Register a NEW order; idempotent by ``client_order_id``.

        Submitting the same request again returns the order already held (no new order, no
        event); a different order under an id in use raises :class:`DuplicateOrderError`.
        Emits one event (previous status None -> NEW) for a new order.
        """
        existing = self._orders.get(order.client_order_id)
        if existing is not None:
            if existing is order or existing.same_request(order):
                return existing
            raise DuplicateOrderError(
                "a different order already uses this client order id",
                field="client_order_id",
                value=order.client_order_id,
                fix="use manager.next_client_order_id(strategy_id) for a new order",
            )
        if order.status is not S.NEW or order.filled_quantity != 0:
            raise ValidationError(
                "only a NEW, unfilled order can be submitted",
                field="status",
                value=order.status,
                fix="construct a fresh Order",
            )
        if order.created_at is None and timestamp is not None:
            order.created_at = timestamp
        self._orders[order.client_order_id] = order
        self._open[order.client_order_id] = order
        self.ids.reserve(order.client_order_id)
        self._emit(
            order_event(
                order.client_order_id,
                None,
                S.NEW,
                timestamp if timestamp is not None else order.created_at,
                None,
                None,
                order.strategy_id,
                order.symbol,
            )
        )
        return order

    # ------------------------------------------------------------------ state changes

    def _change(
        self,
        order: Order,
        status: OrderStatus,
        timestamp: datetime | None,
        reason: str | None = None,
        fill: Fill | None = None,
    ) -> list[OrderEvent]:
        event = transition(order, status, timestamp, reason=reason, fill=fill)
        terminal = status in _TERMINAL
        if terminal:
            self._open.pop(order.client_order_id, None)
            self._held.pop(order.client_order_id, None)
        self._emit(event)
        if terminal:
            return [event, *self._after_terminal(order, timestamp)]
        return [event]

    def mark_submitted(self, client_order_id: str, timestamp: datetime | None) -> list[OrderEvent]:
        """NEW -> SUBMITTED: the order passed the risk check and was sent to the venue."""
        order = self._orders.get(client_order_id) or self.get(client_order_id)
        if client_order_id in self._held:
            raise ValidationError(
                "this bracket exit waits for its entry to fill",
                field="client_order_id",
                value=client_order_id,
                fix="send it after manager.take_released() returns it",
            )
        return self._change(order, S.SUBMITTED, timestamp)

    def accept(self, client_order_id: str, timestamp: datetime | None) -> list[OrderEvent]:
        """SUBMITTED -> ACCEPTED: the venue acknowledged the order."""
        order = self._orders.get(client_order_id) or self.get(client_order_id)
        return self._change(order, S.ACCEPTED, timestamp)

    def reject(
        self, client_order_id: str, reason: str, timestamp: datetime | None
    ) -> list[OrderEvent]:
        """SUBMITTED -> REJECTED: the venue refused the order (``reason`` says why)."""
        return self._change(self.get(client_order_id), S.REJECTED, timestamp, reason)

    def deny(
        self, client_order_id: str, reason: str, timestamp: datetime | None
    ) -> list[OrderEvent]:
        """NEW or SUBMITTED -> DENIED: our risk engine refused it (``reason`` names the check)."""
        return self._change(self.get(client_order_id), S.DENIED, timestamp, reason)

    def cancel(
        self, client_order_id: str, timestamp: datetime | None, reason: str = "canceled"
    ) -> list[OrderEvent]:
        """Cancel an open order (raises :class:`InvalidTransitionError` when it is terminal)."""
        return self._change(self.get(client_order_id), S.CANCELED, timestamp, reason)

    def expire(
        self, client_order_id: str, timestamp: datetime | None, reason: str = "expired"
    ) -> list[OrderEvent]:
        """ACCEPTED or PARTIALLY_FILLED -> EXPIRED (time in force ran out)."""
        return self._change(self.get(client_order_id), S.EXPIRED, timestamp, reason)

    # ------------------------------------------------------------------ fills

    def apply_fill(self, fill: Fill) -> list[OrderEvent]:
        """Record a fill on its order: -> PARTIALLY_FILLED or FILLED, with exact fill totals.

        The order must be ACCEPTED or PARTIALLY_FILLED; symbol, side and strategy must match;
        the filled quantity never exceeds the order's (:class:`OverfillError`); a FOK order
        fills whole or not at all. Re-applying the same fill (same ``fill_id``, same content)
        changes nothing and returns ``[]``; a different fill under a used id raises
        :class:`DuplicateFillError`. Nothing changes when an error is raised.
        """
        seen = self._fills.get(fill.fill_id)
        if seen is not None:
            if seen == fill:
                return []
            raise DuplicateFillError(
                "a different fill was already applied under this fill id",
                field="fill_id",
                value=fill.fill_id,
                fix="give every fill a new id (manager.ids.next_fill_id())",
            )
        order = self._orders.get(fill.client_order_id) or self.get(fill.client_order_id)
        if (
            fill.symbol != order.symbol
            or fill.side is not order.side
            or fill.strategy_id != order.strategy_id
        ):
            for name in ("symbol", "side", "strategy_id"):
                if getattr(fill, name) == getattr(order, name):
                    continue
                raise ValidationError(
                    f"the fill's {name} differs from its order's ({getattr(order, name)!r})",
                    field=name,
                    value=getattr(fill, name),
                    fix="report the fill against the right order",
                )
        filled = EXACT_CONTEXT.add(order.filled_quantity, fill.quantity)
        if filled > order.quantity:
            raise OverfillError(
                f"order {order.client_order_id!r} has {order.remaining_quantity} left to fill",
                field="quantity",
                value=fill.quantity,
                fix="fill at most the remaining quantity",
            )
        if order.time_in_force is TimeInForce.FOK and filled != order.quantity:
            raise ValidationError(
                f"a FOK order fills its whole quantity {order.quantity} at once or not at all",
                field="quantity",
                value=fill.quantity,
                fix="fill the whole order, or cancel it (manager.after_match_attempt)",
            )
        status = S.FILLED if filled == order.quantity else S.PARTIALLY_FILLED
        events = self._fill_transition(order, status, fill, filled)
        return events

    def _fill_transition(
        self, order: Order, status: OrderStatus, fill: Fill, filled: Decimal
    ) -> list[OrderEvent]:
        # the transition validates the state first and raises before anything is changed
        event = transition(order, status, fill.timestamp, fill=fill)
        order.filled_quantity = filled
        order.filled_notional = EXACT_CONTEXT.add(
            order.filled_notional, EXACT_CONTEXT.multiply(fill.quantity, fill.price)
        )
        order.average_fill_price = RATIO_CONTEXT.divide(order.filled_notional, filled)
        order.fees = EXACT_CONTEXT.add(order.fees, fill.fee)
        self._fills[fill.fill_id] = fill
        if status is S.FILLED:
            self._open.pop(order.client_order_id, None)
            self._emit(event)
            return [event, *self._after_terminal(order, fill.timestamp)]
        self._emit(event)
        self._resize_bracket_siblings(order)
        return [event]
