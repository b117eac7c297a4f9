"""The order state machine: the table of allowed transitions and the function applying them.

::

    NEW ──► SUBMITTED ──► ACCEPTED ──► PARTIALLY_FILLED ──► FILLED
     │          │            │               │  ▲ (more partial fills)
     │          │            │               └──┘
     │          │            ├──────────────────────────► FILLED
     │          │            └──► CANCELED, EXPIRED  ◄── (also from PARTIALLY_FILLED)
     │          └──► REJECTED (venue), DENIED (risk), CANCELED
     └──► DENIED (risk), CANCELED (never sent, e.g. a bracket exit whose entry did not fill)

FILLED, CANCELED, REJECTED, EXPIRED and DENIED are terminal: they accept no transition. No state
is skipped: a venue reaches ACCEPTED through SUBMITTED, and fills only happen once ACCEPTED (an
engine may do SUBMITTED and ACCEPTED in the same timestamp).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from signaltrust.core.errors import InvalidTransitionError
from signaltrust.core.orders import Fill, Order, OrderEvent, OrderStatus, order_event

S = OrderStatus

#: Every allowed ``from -> to`` change. Anything not listed is refused.
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = MappingProxyType(
    {
        S.NEW: frozenset({S.SUBMITTED, S.DENIED, S.CANCELED}),
        S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED, S.DENIED, S.CANCELED}),
        S.ACCEPTED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED}),
        S.PARTIALLY_FILLED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED}),
        S.FILLED: frozenset(),
        S.CANCELED: frozenset(),
        S.REJECTED: frozenset(),
        S.EXPIRED: frozenset(),
        S.DENIED: frozenset(),
    }
)

_ORDER = {s: i for i, s in enumerate(S)}
_ALLOWED = dict(TRANSITIONS)  # a plain dict: the hot path looks up every transition here


def allowed_transitions(status: OrderStatus) -> tuple[OrderStatus, ...]:
    """The states an order in ``status`` may move to, in declaration order (empty when terminal)."""
    return tuple(sorted(TRANSITIONS[status], key=_ORDER.__getitem__))


def can_transition(from_status: OrderStatus, to_status: OrderStatus) -> bool:
    """True when the table allows ``from_status -> to_status``."""
    return to_status in TRANSITIONS[from_status]


def require_transition(order: Order, to_status: OrderStatus) -> None:
    """Raise :class:`InvalidTransitionError` unless the table allows ``order``'s move to
    ``to_status`` (naming the order, both states and the allowed ones)."""
    from_status = order.status
    if to_status not in _ALLOWED[from_status]:
        allowed = allowed_transitions(from_status)
        raise InvalidTransitionError(
            f"order {order.client_order_id!r} cannot go from {from_status.value} to "
            f"{OrderStatus(to_status).value}; allowed from {from_status.value}: "
            f"{', '.join(s.value for s in allowed) or 'nothing (terminal state)'}",
            order_id=order.client_order_id,
            from_status=from_status,
            to_status=to_status,
            allowed=allowed,
            fix="follow NEW -> SUBMITTED -> ACCEPTED -> (PARTIALLY_)FILLED; terminal is final",
        )


def move(
    order: Order, to_status: OrderStatus, timestamp: datetime | None, reason: str | None = None
) -> OrderStatus:
    """Move ``order`` to ``to_status`` if the table allows it (else InvalidTransitionError and
    nothing changes): its ``status``, ``reason`` and ``updated_at``. Returns the status before."""
    from_status = order.status
    require_transition(order, to_status)
    order.status = to_status
    if reason is not None:
        order.reason = reason
    order.updated_at = timestamp
    return from_status


def transition(
    order: Order,
    to_status: OrderStatus,
    timestamp: datetime | None,
    *,
    reason: str | None = None,
    fill: Fill | None = None,
) -> OrderEvent:
    """Move ``order`` to ``to_status`` if the table allows it, and return the event recording it.

    Raises :class:`InvalidTransitionError` naming the order, both states and the allowed ones;
    the order is left unchanged then. Fill bookkeeping (quantities, prices) is the order
    manager's job: this function only changes ``status``, ``reason`` and ``updated_at``.
    """
    from_status = move(order, to_status, timestamp, reason)
    return order_event(
        order.client_order_id,
        from_status,
        to_status,
        timestamp,
        reason,
        fill,
        order.strategy_id,
        order.symbol,
    )
