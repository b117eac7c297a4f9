"""Time in force and trailing stops: IOC/FOK after the first match, DAY expiry, trailing triggers.

:class:`TimeInForceRules` is a part of :class:`~signaltrust.execution.manager.OrderManager`
(which inherits it); its methods change orders only through the manager's state changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import (
    EXACT_CONTEXT,
    Order,
    OrderEvent,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    to_decimal,
)

S = OrderStatus
_ACCEPTED = S.ACCEPTED
_PARTIALLY_FILLED = S.PARTIALLY_FILLED
_CANCELED = S.CANCELED
_EXPIRED = S.EXPIRED
_WORKING = (_ACCEPTED, _PARTIALLY_FILLED)


class TimeInForceRules:
    """IOC, FOK and DAY handling and trailing-stop updates of the order manager."""

    _open: dict[str, Order]
    _held: dict[str, Order]
    get: Callable[[str], Order]
    _change: Callable[..., list[OrderEvent]]

    @staticmethod
    def fok_can_fill(order: Order, available_quantity: Decimal | float | int) -> bool:
        """True when a FOK order can fill whole: ``available_quantity >= remaining``."""
        return to_decimal(available_quantity, "available_quantity") >= order.remaining_quantity

    def after_match_attempt(
        self, client_order_id: str, timestamp: datetime | None
    ) -> list[OrderEvent]:
        """After the venue's first attempt to match an IOC or FOK order: cancel the unfilled rest.

        Does nothing (returns ``[]``) for GTC and DAY orders and for orders already terminal.
        """
        order = self.get(client_order_id)
        if order.time_in_force not in (TimeInForce.IOC, TimeInForce.FOK) or order.is_terminal:
            return []
        reason = (
            "IOC: unfilled rest canceled"
            if order.time_in_force is TimeInForce.IOC
            else "FOK: the whole quantity could not fill at once"
        )
        return self._change(order, _CANCELED, timestamp, reason)

    def expire_day_orders(self, now: datetime) -> list[OrderEvent]:
        """Session end: expire open DAY orders created at or before ``now``.

        Working DAY orders (ACCEPTED, PARTIALLY_FILLED) go to EXPIRED; DAY orders that never
        reached the venue (NEW, SUBMITTED) are CANCELED, since the table has no path from there
        to EXPIRED. Held bracket exits are left to their entry's outcome.
        """
        events: list[OrderEvent] = []
        for order in list(self._open.values()):
            if order.time_in_force is not TimeInForce.DAY or order.is_terminal:
                continue
            if order.client_order_id in self._held:
                continue
            if order.created_at is not None and order.created_at > now:
                continue
            if order.status in _WORKING:
                events += self._change(order, _EXPIRED, now, "DAY order expired at session end")
            else:
                events += self._change(
                    order, _CANCELED, now, "DAY order not working at session end"
                )
        return events

    def update_trailing_stop(
        self, client_order_id: str, reference_price: Decimal | float | int
    ) -> Decimal:
        """Move a trailing stop's trigger after the best price seen; returns the trigger.

        ``reference_price`` is the best price seen (the high for a SELL stop protecting a long,
        the low for a BUY stop protecting a short). The trigger only ever moves in the
        favourable direction: up for a SELL stop, down for a BUY stop.
        """
        order = self.get(client_order_id)
        if order.order_type is not OrderType.TRAILING_STOP:
            raise ValidationError(
                "only a TRAILING_STOP order trails",
                field="order_type",
                value=order.order_type,
                fix="call this for trailing stops only",
            )
        ref = to_decimal(reference_price, "reference_price")
        sign = -1 if order.side is OrderSide.SELL else 1
        mul = EXACT_CONTEXT.multiply
        if order.trail_amount is not None:
            candidate = EXACT_CONTEXT.add(ref, mul(sign, order.trail_amount))
        else:
            percent = order.trail_percent if order.trail_percent is not None else Decimal(0)
            # percent / 100, exactly (EXACT_CONTEXT is for sums and products, never division)
            factor = EXACT_CONTEXT.add(1, mul(sign, percent).scaleb(-2, EXACT_CONTEXT))
            candidate = mul(ref, factor)
        current = order.stop_price
        if current is None or (candidate > current if sign < 0 else candidate < current):
            order.stop_price = current = candidate
        return current
