"""Execution: the order state machine, order management (ids, brackets, OCO, time in force)
and the exact ledger."""

from signaltrust.core.orders import (
    Account,
    Fill,
    Liquidity,
    Order,
    OrderEvent,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    TimeInForce,
)
from signaltrust.execution.brackets import Bracket
from signaltrust.execution.ids import IdGenerator
from signaltrust.execution.ledger import Ledger
from signaltrust.execution.manager import OrderListener, OrderManager
from signaltrust.execution.state import TRANSITIONS, allowed_transitions, can_transition, transition

__all__ = [
    "TRANSITIONS",
    "Account",
    "Bracket",
    "Fill",
    "IdGenerator",
    "Ledger",
    "Liquidity",
    "Order",
    "OrderEvent",
    "OrderListener",
    "OrderManager",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "TimeInForce",
    "allowed_transitions",
    "can_transition",
    "transition",
]
