"""The enumerations of trading: order side, order type, time in force, order status, liquidity."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from signaltrust.core.errors import ValidationError


class OrderSide(StrEnum):
    """Direction of an order or fill: BUY adds to a position, SELL takes from it."""

    BUY = "BUY"
    SELL = "SELL"

    #: +1 for BUY, -1 for SELL (a plain attribute of each member: read on every order)
    sign: int
    #: the other side (the side of an order that closes this one's position)
    opposite: OrderSide


# plain member attributes, not properties: an enum property that looks up another member goes
# through the enum class's attribute machinery on every read
OrderSide.BUY.sign, OrderSide.SELL.sign = 1, -1
OrderSide.BUY.opposite, OrderSide.SELL.opposite = OrderSide.SELL, OrderSide.BUY


class OrderType(StrEnum):
    """How an order is priced: market, limit, stop, stop-limit or trailing stop."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP = "STOP"
    STOP_LIMIT = "STOP_LIMIT"
    TRAILING_STOP = "TRAILING_STOP"


class TimeInForce(StrEnum):
    """How long an order works: GTC until canceled, DAY until the session ends,
    IOC fill what can be filled at once and cancel the rest, FOK fill all at once or nothing."""

    GTC = "GTC"
    DAY = "DAY"
    IOC = "IOC"
    FOK = "FOK"


class OrderStatus(StrEnum):
    """Order state: NEW -> SUBMITTED -> ACCEPTED -> PARTIALLY_FILLED -> FILLED, or an end state.

    See :mod:`signaltrust.execution.state` for the table of allowed transitions.
    """

    NEW = "NEW"
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    DENIED = "DENIED"

    @property
    def is_terminal(self) -> bool:
        """True for FILLED, CANCELED, REJECTED, EXPIRED and DENIED: nothing changes after them."""
        return self in TERMINAL

    @property
    def is_open(self) -> bool:
        """True while the order can still fill or be canceled (every non-terminal state)."""
        return self not in TERMINAL


TERMINAL = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
        OrderStatus.EXPIRED,
        OrderStatus.DENIED,
    }
)


class Liquidity(StrEnum):
    """Whether a fill added liquidity (maker, a resting limit order) or took it (taker)."""

    MAKER = "maker"
    TAKER = "taker"


# exact value -> member, so that the usual spellings ("BUY", "GTC") skip Enum.__call__
MEMBERS: dict[type[StrEnum], dict[str, Any]] = {
    cls: {m.value: m for m in cls}
    for cls in (OrderSide, OrderType, TimeInForce, OrderStatus, Liquidity)
}


def parse_enum(enum_cls: type[StrEnum], value: Any, field_name: str) -> Any:
    """The member of ``enum_cls`` that ``value`` names (any case), or raise naming the field."""
    if isinstance(value, enum_cls):
        return value
    member = MEMBERS[enum_cls].get(value) if type(value) is str else None
    if member is not None:
        return member
    try:
        return enum_cls(str(value).upper() if enum_cls is not Liquidity else str(value).lower())
    except ValueError:
        raise ValidationError(
            f"is not a {enum_cls.__name__}",
            field=field_name,
            value=value,
            fix=f"use one of {', '.join(m.value for m in enum_cls)}",
        ) from None
