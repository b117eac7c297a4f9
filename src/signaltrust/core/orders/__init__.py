"""Order, fill, position and account types: the domain objects of trading in every mode.

Quantities, prices, fees and money are :class:`~decimal.Decimal`. Values given as ``int``,
``str`` or ``float`` are converted at construction; a float enters through its shortest
round-trip text (``repr``), so ``0.1`` becomes ``Decimal("0.1")``, never the 55-digit binary
expansion. Timestamps are timezone-aware ``datetime`` objects (``pandas.Timestamp`` works)
converted to UTC.

An :class:`Order` is mutable, but only :mod:`signaltrust.execution` changes its status and
fill fields (through the state machine, which records every change as an :class:`OrderEvent`).
:class:`Fill`, :class:`OrderEvent`, :class:`Position` and :class:`Account` are frozen values.

Modules: :mod:`~.enums` (side, type, time in force, status, liquidity), :mod:`~.values`
(Decimal contexts and conversions), :mod:`~.order`, :mod:`~.fill`, :mod:`~.events`,
:mod:`~.account` (position and account snapshots). Import the names from this package.
"""

from signaltrust.core.orders.account import Account, Position
from signaltrust.core.orders.enums import (
    Liquidity,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from signaltrust.core.orders.events import OrderEvent, order_event
from signaltrust.core.orders.fill import Fill
from signaltrust.core.orders.intent import SIZING_KINDS, SizingIntent
from signaltrust.core.orders.order import Order
from signaltrust.core.orders.values import (
    EXACT_CONTEXT,
    HUNDRED,
    RATIO_CONTEXT,
    ZERO,
    positive_fill_values,
    to_decimal,
    to_utc,
)

__all__ = [
    "EXACT_CONTEXT",
    "HUNDRED",
    "RATIO_CONTEXT",
    "SIZING_KINDS",
    "ZERO",
    "Account",
    "Fill",
    "Liquidity",
    "Order",
    "OrderEvent",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "SizingIntent",
    "TimeInForce",
    "order_event",
    "positive_fill_values",
    "to_decimal",
    "to_utc",
]
