"""The order: an instruction to buy or sell, validated at construction, and its fill state.

An :class:`Order` is mutable, but only :mod:`signaltrust.execution` changes its status and
fill fields (through the state machine, which records every change as an ``OrderEvent``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders.enums import (
    TERMINAL,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    parse_enum,
)
from signaltrust.core.orders.values import (
    HUNDRED,
    ZERO,
    identifier,
    positive_decimal,
    to_decimal,
    to_utc,
)

#: the prices each order type needs
_NEEDS: dict[OrderType, tuple[str, ...]] = {
    OrderType.MARKET: (),
    OrderType.LIMIT: ("limit_price",),
    OrderType.STOP: ("stop_price",),
    OrderType.STOP_LIMIT: ("limit_price", "stop_price"),
    OrderType.TRAILING_STOP: (),
}


@dataclass(slots=True, eq=False)
class Order:
    """An instruction to buy or sell: what, how much, at which price condition and for how long.

    Validated at construction: ``quantity`` > 0; a LIMIT needs ``limit_price``, a STOP needs
    ``stop_price``, a STOP_LIMIT needs both, a TRAILING_STOP needs exactly one of
    ``trail_amount`` (price units) or ``trail_percent`` (percent: ``2`` is 2 %); prices that the
    type does not use are refused rather than ignored. ``stop_price`` of a trailing stop is its
    current trigger, moved by the venue (``OrderManager.update_trailing_stop``).

    The fields after ``created_at`` are the order's state; only the execution package sets them.

    >>> Order("s1-1", "GOOG", "BUY", 10, OrderType.LIMIT, limit_price="101.5").remaining_quantity
    Decimal('10')
    """

    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_amount: Decimal | None = None
    trail_percent: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    strategy_id: str = "default"
    parent_id: str | None = None
    oco_group: str | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None
    # state (changed by signaltrust.execution only)
    status: OrderStatus = OrderStatus.NEW
    filled_quantity: Decimal = ZERO
    filled_notional: Decimal = ZERO
    average_fill_price: Decimal | None = None
    fees: Decimal = ZERO
    reason: str | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        self.client_order_id = identifier(self.client_order_id, "client_order_id")
        self.symbol = identifier(self.symbol, "symbol")
        self.strategy_id = identifier(self.strategy_id, "strategy_id")
        self.side = parse_enum(OrderSide, self.side, "side")
        self.order_type = parse_enum(OrderType, self.order_type, "order_type")
        self.time_in_force = parse_enum(TimeInForce, self.time_in_force, "time_in_force")
        self.status = parse_enum(OrderStatus, self.status, "status")
        self.quantity = positive_decimal(self.quantity, "quantity")
        for name in ("limit_price", "stop_price", "trail_amount", "trail_percent"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, positive_decimal(value, name))
        self._check_prices()
        if self.trail_percent is not None and self.trail_percent >= HUNDRED:
            raise ValidationError(
                "must be below 100 (it is a percent: 2 means 2 %)",
                field="trail_percent",
                value=self.trail_percent,
                fix="pass e.g. trail_percent=2 for a stop 2 % away from the best price",
            )
        if isinstance(self.tags, str) or not all(isinstance(t, str) for t in self.tags):
            raise ValidationError(
                "must be a sequence of strings",
                field="tags",
                value=self.tags,
                fix="pass e.g. ('entry', 'sma')",
            )
        self.tags = tuple(self.tags)
        if self.created_at is not None:
            self.created_at = to_utc(self.created_at, "created_at")
        self.filled_quantity = to_decimal(self.filled_quantity, "filled_quantity")
        if not ZERO <= self.filled_quantity <= self.quantity:
            raise ValidationError(
                f"must lie between 0 and the quantity {self.quantity}",
                field="filled_quantity",
                value=self.filled_quantity,
                fix="leave the fill fields to the order manager",
            )

    def _check_prices(self) -> None:
        t = self.order_type
        needs = _NEEDS[t]
        for name in needs:
            if getattr(self, name) is None:
                raise ValidationError(
                    f"a {t.value} order needs {name}",
                    field=name,
                    value=None,
                    fix=f"pass {name}=<price>, or use another order_type",
                )
        allowed = set(needs)
        if t is OrderType.TRAILING_STOP:
            allowed |= {"stop_price", "trail_amount", "trail_percent"}
            if (self.trail_amount is None) == (self.trail_percent is None):
                raise ValidationError(
                    "a TRAILING_STOP order needs exactly one of trail_amount and trail_percent",
                    field="trail_amount",
                    value=(self.trail_amount, self.trail_percent),
                    fix="pass trail_amount=<price distance> or trail_percent=<percent>",
                )
        for name in ("limit_price", "stop_price", "trail_amount", "trail_percent"):
            if name not in allowed and getattr(self, name) is not None:
                raise ValidationError(
                    f"a {t.value} order does not use {name}",
                    field=name,
                    value=getattr(self, name),
                    fix=f"drop {name}, or pick the order_type that uses it",
                )

    @property
    def remaining_quantity(self) -> Decimal:
        """Quantity still to fill: ``quantity - filled_quantity``."""
        return self.quantity - self.filled_quantity

    @property
    def is_open(self) -> bool:
        """True while the order can still fill or be canceled."""
        return self.status not in TERMINAL

    @property
    def is_terminal(self) -> bool:
        """True once the order is FILLED, CANCELED, REJECTED, EXPIRED or DENIED."""
        return self.status in TERMINAL

    @property
    def is_buy(self) -> bool:
        """True for a BUY order."""
        return self.side is OrderSide.BUY

    def request_key(self) -> tuple[Any, ...]:
        """The fields that define what was asked for (not its state); equal keys = same order."""
        return (
            self.client_order_id,
            self.symbol,
            self.side,
            self.quantity,
            self.order_type,
            self.limit_price,
            self.trail_amount,
            self.trail_percent,
            self.time_in_force,
            self.strategy_id,
            self.parent_id,
            self.tags,
        ) + ((self.stop_price,) if self.order_type is not OrderType.TRAILING_STOP else ())

    def same_request(self, other: Order) -> bool:
        """True when ``other`` asks for the same thing under the same client order id."""
        return self.request_key() == other.request_key()

    @classmethod
    def market(
        cls,
        client_order_id: str,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        time_in_force: TimeInForce,
        strategy_id: str,
        tags: tuple[str, ...],
    ) -> Order:
        """A NEW market order from values already valid (the engine's sizing path).

        Skips the checks of the constructor, so the caller must pass what it would accept:
        ids without spaces, members of the enums, a positive finite Decimal and a tuple of str.
        Strategies build orders with ``Order(...)`` (or the ``ctx`` helpers), which validates.
        """
        self = cls.__new__(cls)
        self.client_order_id = client_order_id
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.order_type = OrderType.MARKET
        self.limit_price = self.stop_price = self.trail_amount = self.trail_percent = None
        self.time_in_force = time_in_force
        self.strategy_id = strategy_id
        self.parent_id = self.oco_group = None
        self.tags = tags
        self.created_at = None
        self.status = OrderStatus.NEW
        self.filled_quantity = self.filled_notional = self.fees = ZERO
        self.average_fill_price = self.reason = self.updated_at = None
        return self
