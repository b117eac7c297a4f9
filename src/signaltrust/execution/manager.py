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
from datetime import datetime
from decimal import Decimal

from signaltrust.core.errors import (
    DuplicateFillError,
    DuplicateOrderError,
    InvalidTransitionError,
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
    OrderStatus,
    TimeInForce,
    order_event,
)
from signaltrust.execution.brackets import BracketLinks
from signaltrust.execution.ids import IdGenerator
from signaltrust.execution.state import move
from signaltrust.execution.time_in_force import TimeInForceRules

S = OrderStatus
_NEW = S.NEW
_SUBMITTED = S.SUBMITTED
_ACCEPTED = S.ACCEPTED
_PARTIALLY_FILLED = S.PARTIALLY_FILLED
_FILLED = S.FILLED
_CANCELED = S.CANCELED
_REJECTED = S.REJECTED
_EXPIRED = S.EXPIRED
_DENIED = S.DENIED
OrderListener = Callable[[OrderEvent], None]
_WORKING = (_ACCEPTED, _PARTIALLY_FILLED)
_TERMINAL = frozenset(s for s in S if s.is_terminal)
_FOK = TimeInForce.FOK


class OrderManager(BracketLinks, TimeInForceRules):
    """Holds every order by client order id and applies state changes, fills and linkages.

    ``ids`` generates client order, fill and OCO group ids (deterministic per run). Brackets
    and OCO groups come from :class:`~signaltrust.execution.brackets.BracketLinks`, IOC, FOK,
    DAY and trailing stops from :class:`~signaltrust.execution.time_in_force.TimeInForceRules`.
    """

    def __init__(self, ids: IdGenerator | None = None, *, compact_log: bool = False) -> None:
        self.ids = ids if ids is not None else IdGenerator()
        #: while nobody listens, log each event as its fields and build the OrderEvent when
        #: ``events`` is read (a backtest setting: listeners always get events as they happen)
        self.compact_log = compact_log
        self._unbuilt = False  # the log holds fields not yet built into events
        self._log: list[OrderEvent] = []
        self._orders: dict[str, Order] = {}
        self._open: dict[str, Order] = {}
        self._fills: dict[str, Fill] = {}
        self._listeners: list[OrderListener] = []
        self._groups: dict[str, list[Order]] = {}
        self._children: dict[str, list[Order]] = {}
        self._held: dict[str, Order] = {}
        self._released: list[Order] = []

    # ------------------------------------------------------------------ lookup

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._orders

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def find(self, client_order_id: str) -> Order | None:
        """The order with this client order id, or None."""
        return self._orders.get(client_order_id)

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
        issue, orders = self.ids.next_client_order_id, self._orders
        while True:
            cid = issue(strategy_id)
            if cid not in orders:
                return cid

    @property
    def events(self) -> list[OrderEvent]:
        """Every order event so far, in order (the same list object on every read)."""
        if self._unbuilt:
            log = self._log
            for i, item in enumerate(log):
                if type(item) is tuple:
                    log[i] = order_event(*item)
            self._unbuilt = False
        return self._log

    def has_released(self) -> bool:
        """True when bracket exits wait in :meth:`take_released` (their entry filled)."""
        return bool(self._released)

    def _record(
        self,
        client_order_id: str,
        previous: OrderStatus | None,
        status: OrderStatus,
        timestamp: datetime | None,
        reason: str | None,
        fill: Fill | None,
        strategy_id: str,
        symbol: str,
    ) -> OrderEvent | None:
        """Log an order event and pass it to the listeners; with ``compact_log`` and no
        listener, log its fields only (built when ``events`` is read) and return None."""
        if self.compact_log and not self._listeners:
            self._log.append((client_order_id, previous, status, timestamp, reason, fill,
                              strategy_id, symbol))  # type: ignore[arg-type]
            self._unbuilt = True
            return None
        event = order_event(client_order_id, previous, status, timestamp, reason, fill,
                            strategy_id, symbol)
        self._emit(event)
        return event

    def _emit(self, event: OrderEvent) -> None:
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
        if order.status is not _NEW or order.filled_quantity != 0:
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
        self._record(
            order.client_order_id, None, _NEW,
            timestamp if timestamp is not None else order.created_at, None, None,
            order.strategy_id, order.symbol,
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
        previous = move(order, status, timestamp, reason)
        terminal = status in _TERMINAL
        if terminal:
            self._open.pop(order.client_order_id, None)
            self._held.pop(order.client_order_id, None)
        event = self._record(order.client_order_id, previous, status, timestamp, reason, fill,
                             order.strategy_id, order.symbol)
        events = [] if event is None else [event]
        if terminal:
            events += self._after_terminal(order, timestamp)
        return events

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
        return self._change(order, _SUBMITTED, timestamp)

    def accept(self, client_order_id: str, timestamp: datetime | None) -> list[OrderEvent]:
        """SUBMITTED -> ACCEPTED: the venue acknowledged the order."""
        order = self._orders.get(client_order_id) or self.get(client_order_id)
        return self._change(order, _ACCEPTED, timestamp)

    def reject(
        self, client_order_id: str, reason: str, timestamp: datetime | None
    ) -> list[OrderEvent]:
        """SUBMITTED -> REJECTED: the venue refused the order (``reason`` says why)."""
        return self._change(self.get(client_order_id), _REJECTED, timestamp, reason)

    def deny(
        self, client_order_id: str, reason: str, timestamp: datetime | None
    ) -> list[OrderEvent]:
        """NEW or SUBMITTED -> DENIED: our risk engine refused it (``reason`` names the check)."""
        return self._change(self.get(client_order_id), _DENIED, timestamp, reason)

    def cancel(
        self, client_order_id: str, timestamp: datetime | None, reason: str = "canceled"
    ) -> list[OrderEvent]:
        """Cancel an open order (raises :class:`InvalidTransitionError` when it is terminal)."""
        return self._change(self.get(client_order_id), _CANCELED, timestamp, reason)

    def expire(
        self, client_order_id: str, timestamp: datetime | None, reason: str = "expired"
    ) -> list[OrderEvent]:
        """ACCEPTED or PARTIALLY_FILLED -> EXPIRED (time in force ran out)."""
        return self._change(self.get(client_order_id), _EXPIRED, timestamp, reason)

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
        if order.time_in_force is _FOK and filled != order.quantity:
            raise ValidationError(
                f"a FOK order fills its whole quantity {order.quantity} at once or not at all",
                field="quantity",
                value=fill.quantity,
                fix="fill the whole order, or cancel it (manager.after_match_attempt)",
            )
        status = _FILLED if filled == order.quantity else _PARTIALLY_FILLED
        events = self._fill_transition(order, status, fill, filled)
        return events

    def fill_at_once(self, client_order_id: str, fill: Fill) -> None:
        """A NEW order the broker took and filled whole in one step (the simulated venue's
        fast path): SUBMITTED, ACCEPTED, FILLED, each an event at the fill's time, with the
        order's fill totals. The fill must be for the whole order and match its symbol, side
        and strategy (ValidationError otherwise; nothing changes then)."""
        order = self._orders.get(client_order_id) or self.get(client_order_id)
        if order.status is not _NEW or client_order_id in self._held:
            raise InvalidTransitionError(
                f"order {client_order_id!r} is {order.status.value}, not a NEW order to send",
                order_id=client_order_id, from_status=order.status, to_status=_SUBMITTED,
                allowed=(), fix="send only NEW orders that are not held bracket exits",
            )
        if (
            fill.client_order_id != client_order_id
            or fill.symbol != order.symbol
            or fill.side is not order.side
            or fill.strategy_id != order.strategy_id
            or fill.quantity != order.quantity
        ):
            raise ValidationError(
                "a fill at once must fill the whole order it names", field="fill",
                value=fill.fill_id, fix="apply partial or other fills with apply_fill",
            )
        if fill.fill_id in self._fills:
            raise DuplicateFillError(
                "a fill was already applied under this fill id", field="fill_id",
                value=fill.fill_id, fix="give every fill a new id",
            )
        ts = fill.timestamp
        sid, symbol = order.strategy_id, order.symbol
        order.filled_quantity = fill.quantity
        order.filled_notional = EXACT_CONTEXT.multiply(fill.quantity, fill.price)
        order.average_fill_price = fill.price
        order.fees = fill.fee
        order.status = _FILLED
        order.updated_at = ts
        self._fills[fill.fill_id] = fill
        del self._open[client_order_id]
        if self.compact_log and not self._listeners:  # _record's compact form, three at once
            self._log += (
                (client_order_id, _NEW, _SUBMITTED, ts, None, None, sid, symbol),
                (client_order_id, _SUBMITTED, _ACCEPTED, ts, None, None, sid, symbol),
                (client_order_id, _ACCEPTED, _FILLED, ts, None, fill, sid, symbol),
            )  # type: ignore[arg-type]
            self._unbuilt = True
        else:
            record = self._record
            record(client_order_id, _NEW, _SUBMITTED, ts, None, None, sid, symbol)
            record(client_order_id, _SUBMITTED, _ACCEPTED, ts, None, None, sid, symbol)
            record(client_order_id, _ACCEPTED, _FILLED, ts, None, fill, sid, symbol)
        if order.oco_group is not None or client_order_id in self._children:
            self._after_terminal(order, ts)  # OCO siblings, bracket exits (none otherwise)

    def apply_late_fill(self, fill: Fill) -> OrderEvent | None:
        """Record a fill the broker reports for an order that already ended on our side (a
        cancel that lost the race with a fill): the trade happened, so its quantity, price
        and fee join the order's totals, but the order keeps its final state. The event's
        previous and new status are that state; its reason says it was a late fill. A fill
        id already recorded raises :class:`DuplicateFillError`."""
        if fill.fill_id in self._fills:
            raise DuplicateFillError(
                "a fill was already applied under this fill id",
                field="fill_id",
                value=fill.fill_id,
                fix="apply each broker fill once",
            )
        order = self.get(fill.client_order_id)
        order.filled_quantity = EXACT_CONTEXT.add(order.filled_quantity, fill.quantity)
        order.filled_notional = EXACT_CONTEXT.add(
            order.filled_notional, EXACT_CONTEXT.multiply(fill.quantity, fill.price)
        )
        order.average_fill_price = RATIO_CONTEXT.divide(
            order.filled_notional, order.filled_quantity
        )
        order.fees = EXACT_CONTEXT.add(order.fees, fill.fee)
        self._fills[fill.fill_id] = fill
        return self._record(
            order.client_order_id, order.status, order.status, fill.timestamp,
            f"late fill after the order was {order.status.value}", fill, order.strategy_id,
            order.symbol,
        )

    def _fill_transition(
        self, order: Order, status: OrderStatus, fill: Fill, filled: Decimal
    ) -> list[OrderEvent]:
        previous = move(order, status, fill.timestamp)  # raises before anything is changed
        order.filled_quantity = filled
        order.filled_notional = EXACT_CONTEXT.add(
            order.filled_notional, EXACT_CONTEXT.multiply(fill.quantity, fill.price)
        )
        order.average_fill_price = RATIO_CONTEXT.divide(order.filled_notional, filled)
        order.fees = EXACT_CONTEXT.add(order.fees, fill.fee)
        self._fills[fill.fill_id] = fill
        if status is _FILLED:
            self._open.pop(order.client_order_id, None)
        event = self._record(order.client_order_id, previous, status, fill.timestamp, None, fill,
                             order.strategy_id, order.symbol)
        events = [] if event is None else [event]
        if status is _FILLED:
            return events + self._after_terminal(order, fill.timestamp)
        self._resize_bracket_siblings(order)
        return events
