"""Order events: one frozen value per change of an order's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from signaltrust.core.orders.enums import OrderStatus
from signaltrust.core.orders.fill import Fill


@dataclass(slots=True, frozen=True)
class OrderEvent:
    """One change of an order's state: from ``previous_status`` to ``status`` at ``timestamp``.

    ``previous_status`` is None for the event that registers a new order. ``fill`` is set on
    the events that a fill caused (to PARTIALLY_FILLED or FILLED); ``reason`` says why an order
    was canceled, rejected, expired or denied.
    """

    client_order_id: str
    previous_status: OrderStatus | None
    status: OrderStatus
    timestamp: datetime | None
    reason: str | None = None
    fill: Fill | None = None
    strategy_id: str = "default"
    symbol: str = ""


_EVENT_FIELDS = tuple(
    OrderEvent.__dict__[name].__set__
    for name in (
        "client_order_id",
        "previous_status",
        "status",
        "timestamp",
        "reason",
        "fill",
        "strategy_id",
        "symbol",
    )
)


def order_event(
    client_order_id: str,
    previous_status: OrderStatus | None,
    status: OrderStatus,
    timestamp: datetime | None,
    reason: str | None,
    fill: Fill | None,
    strategy_id: str,
    symbol: str,
) -> OrderEvent:
    """An :class:`OrderEvent` built without the dataclass ``__init__`` (the state machine's
    hot path); the same frozen value as ``OrderEvent(...)`` with these fields."""
    event = _new_event(OrderEvent)
    a, b, c, d, e, f, g, h = _EVENT_FIELDS
    a(event, client_order_id)
    b(event, previous_status)
    c(event, status)
    d(event, timestamp)
    e(event, reason)
    f(event, fill)
    g(event, strategy_id)
    h(event, symbol)
    return event


_new_event = object.__new__
