"""Order, fill, position and account types: the domain objects of trading in every mode.

Quantities, prices, fees and money are :class:`~decimal.Decimal`. Values given as ``int``,
``str`` or ``float`` are converted at construction; a float enters through its shortest
round-trip text (``repr``), so ``0.1`` becomes ``Decimal("0.1")``, never the 55-digit binary
expansion. Timestamps are timezone-aware ``datetime`` objects (``pandas.Timestamp`` works)
converted to UTC.

An :class:`Order` is mutable, but only :mod:`signaltrust.execution` changes its status and
fill fields (through the state machine, which records every change as an :class:`OrderEvent`).
:class:`Fill`, :class:`OrderEvent`, :class:`Position` and :class:`Account` are frozen values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from enum import StrEnum
from typing import Any

from signaltrust.core.errors import ValidationError

ZERO = Decimal(0)
HUNDRED = Decimal(100)

#: Context for money arithmetic that must be exact: sums, differences and products only. Its
#: precision and exponent range are the largest ``decimal`` allows, so such results are never
#: rounded, whatever the magnitudes (cash of 1e6 less a fee of 1e-260 keeps all 267 digits);
#: ``decimal.Inexact`` stays trapped as a guard. Never divide in it (an inexact quotient would
#: need unbounded digits): ratios use :data:`RATIO_CONTEXT`, exact scalings ``scaleb``.
EXACT_CONTEXT = Context(
    prec=MAX_PREC,
    rounding=ROUND_HALF_EVEN,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)
#: Context for the few ratios that cannot be exact (average prices): 34 significant digits,
#: banker's rounding, deterministic.
RATIO_CONTEXT = Context(
    prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)


class OrderSide(StrEnum):
    """Direction of an order or fill: BUY adds to a position, SELL takes from it."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for BUY, -1 for SELL."""
        return 1 if self is OrderSide.BUY else -1

    @property
    def opposite(self) -> OrderSide:
        """The other side (the side of an order that closes this one's position)."""
        return OrderSide.SELL if self is OrderSide.BUY else OrderSide.BUY


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
        return self in _TERMINAL

    @property
    def is_open(self) -> bool:
        """True while the order can still fill or be canceled (every non-terminal state)."""
        return self not in _TERMINAL


_TERMINAL = frozenset(
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
_MEMBERS: dict[type[StrEnum], dict[str, Any]] = {
    cls: {m.value: m for m in cls}
    for cls in (OrderSide, OrderType, TimeInForce, OrderStatus, Liquidity)
}


# --------------------------------------------------------------------------- conversions


def to_decimal(value: Any, field_name: str) -> Decimal:
    """Convert a number to a finite Decimal exactly (floats through ``repr``), or raise.

    NumPy scalars work too (``np.float64(0.1)`` gives ``Decimal('0.1')``).

    >>> to_decimal(0.1, "price")
    Decimal('0.1')
    """
    if type(value) is float and value - value == 0.0:  # the common case: a finite float
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, bool):
        raise ValidationError(
            "a boolean is not a number here", field=field_name, value=value, fix="pass a number"
        )
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(
                "must be a finite number", field=field_name, value=value, fix="pass a finite number"
            )
        # float subclasses (numpy.float64) repr as "np.float64(0.1)": take the plain float's
        return Decimal(repr(float(value)))
    elif isinstance(value, str):
        try:
            out = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(
                "is not a decimal number", field=field_name, value=value, fix="pass e.g. '100.25'"
            ) from None
    else:
        try:  # numpy scalars and other number types
            return to_decimal(value.item() if hasattr(value, "item") else float(value), field_name)
        except (TypeError, ValueError):
            raise ValidationError(
                f"cannot be read as a number (type {type(value).__name__})",
                field=field_name,
                value=value,
                fix="pass a Decimal, int, float or numeric string",
            ) from None
    if not out.is_finite():
        raise ValidationError(
            "must be a finite number", field=field_name, value=value, fix="pass a finite number"
        )
    return out


def to_utc(value: datetime, field_name: str) -> datetime:
    """Return a timezone-aware datetime in UTC, or raise for naive or non-datetime values."""
    if value.__class__ is not datetime and getattr(value, "tzinfo", None) is UTC:
        return value  # already UTC (pandas.Timestamp(..., tz="UTC")): nothing to convert
    if not isinstance(value, datetime):
        raise ValidationError(
            f"must be a datetime, got {type(value).__name__}",
            field=field_name,
            value=value,
            fix="pass a timezone-aware datetime or pandas.Timestamp",
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            "must be timezone-aware (SignalTrust timestamps are UTC)",
            field=field_name,
            value=value,
            fix="use datetime(..., tzinfo=timezone.utc) or pd.Timestamp(..., tz='UTC')",
        )
    return value.astimezone(UTC)


def _enum(enum_cls: type[StrEnum], value: Any, field_name: str) -> Any:
    if isinstance(value, enum_cls):
        return value
    member = _MEMBERS[enum_cls].get(value) if type(value) is str else None
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


def _positive(value: Any, field_name: str) -> Decimal:
    if type(value) is Decimal and value.is_finite() and value > 0:
        return value
    out = to_decimal(value, field_name)
    if out <= 0:
        raise ValidationError(
            "must be > 0", field=field_name, value=value, fix="pass a positive number"
        )
    return out


def _identifier(value: Any, field_name: str) -> str:
    if type(value) is str and value.split() == [value]:  # non-empty, no whitespace anywhere
        return value
    if (
        not isinstance(value, str)
        or not value
        or value != value.strip()
        or any(c.isspace() for c in value)
    ):
        raise ValidationError(
            "must be a non-empty string without spaces",
            field=field_name,
            value=value,
            fix="use letters, digits and '-', '_', '.', ':'",
        )
    return value


# --------------------------------------------------------------------------- order

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
        self.client_order_id = _identifier(self.client_order_id, "client_order_id")
        self.symbol = _identifier(self.symbol, "symbol")
        self.strategy_id = _identifier(self.strategy_id, "strategy_id")
        self.side = _enum(OrderSide, self.side, "side")
        self.order_type = _enum(OrderType, self.order_type, "order_type")
        self.time_in_force = _enum(TimeInForce, self.time_in_force, "time_in_force")
        self.status = _enum(OrderStatus, self.status, "status")
        self.quantity = _positive(self.quantity, "quantity")
        for name in ("limit_price", "stop_price", "trail_amount", "trail_percent"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, _positive(value, name))
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
        return self.status not in _TERMINAL

    @property
    def is_terminal(self) -> bool:
        """True once the order is FILLED, CANCELED, REJECTED, EXPIRED or DENIED."""
        return self.status in _TERMINAL

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


# --------------------------------------------------------------------------- fill, event


@dataclass(slots=True, frozen=True)
class Fill:
    """An execution of (part of) an order: quantity at a price, with its fee and time.

    ``fee`` is in ``currency`` and is never negative. ``strategy_id`` decides which position
    the ledger nets the fill into.

    >>> from datetime import datetime, timezone
    >>> Fill("f1", "s1-1", "GOOG", "BUY", 10, 100, fee="1.5",
    ...      timestamp=datetime(2024, 1, 2, 14, 30, tzinfo=timezone.utc)).notional
    Decimal('1000')
    """

    fill_id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    price: Decimal
    fee: Decimal = ZERO
    currency: str = "USD"
    timestamp: datetime | None = None
    liquidity: Liquidity = Liquidity.TAKER
    strategy_id: str = "default"

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "fill_id", _identifier(self.fill_id, "fill_id"))
        s(self, "client_order_id", _identifier(self.client_order_id, "client_order_id"))
        s(self, "symbol", _identifier(self.symbol, "symbol"))
        s(self, "strategy_id", _identifier(self.strategy_id, "strategy_id"))
        s(self, "side", _enum(OrderSide, self.side, "side"))
        s(self, "liquidity", _enum(Liquidity, self.liquidity, "liquidity"))
        s(self, "quantity", _positive(self.quantity, "quantity"))
        s(self, "price", _positive(self.price, "price"))
        fee = to_decimal(self.fee, "fee")
        if fee < 0:
            raise ValidationError(
                "fees are never negative",
                field="fee",
                value=fee,
                fix="pass a fee >= 0 (model rebates elsewhere)",
            )
        s(self, "fee", fee)
        if (
            not isinstance(self.currency, str)
            or not 3 <= len(self.currency) <= 5
            or not self.currency.isalnum()
        ):
            raise ValidationError(
                "must be a currency code",
                field="currency",
                value=self.currency,
                fix="pass e.g. 'USD'",
            )
        s(self, "currency", self.currency.upper())
        if self.timestamp is None:
            raise ValidationError(
                "a fill needs the time it happened",
                field="timestamp",
                value=None,
                fix="pass timestamp=<UTC datetime>",
            )
        s(self, "timestamp", to_utc(self.timestamp, "timestamp"))

    @classmethod
    def trusted(
        cls,
        fill_id: str,
        client_order_id: str,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        currency: str,
        timestamp: datetime,
        strategy_id: str,
        liquidity: Liquidity = Liquidity.TAKER,
    ) -> Fill:
        """A fill from values already valid (a venue filling an order it holds), unchecked.

        The caller guarantees what the constructor would check: ids without spaces, an
        :class:`OrderSide`, positive finite Decimal ``quantity`` and ``price``, a finite
        Decimal ``fee >= 0``, an upper-case currency code and a UTC ``timestamp``.
        """
        self = cls.__new__(cls)
        s = object.__setattr__
        s(self, "fill_id", fill_id)
        s(self, "client_order_id", client_order_id)
        s(self, "symbol", symbol)
        s(self, "side", side)
        s(self, "quantity", quantity)
        s(self, "price", price)
        s(self, "fee", fee)
        s(self, "currency", currency)
        s(self, "timestamp", timestamp)
        s(self, "liquidity", liquidity)
        s(self, "strategy_id", strategy_id)
        return self

    @property
    def signed_quantity(self) -> Decimal:
        """Quantity with the side's sign: positive for BUY, negative for SELL."""
        return self.quantity if self.side is OrderSide.BUY else -self.quantity

    @property
    def notional(self) -> Decimal:
        """``quantity * price`` (before any contract multiplier), exact."""
        return self.quantity * self.price


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


# --------------------------------------------------------------------------- position, account


@dataclass(slots=True, frozen=True)
class Position:
    """A snapshot of a net position in one instrument for one strategy (or all, when None).

    ``quantity`` is signed (negative = short). ``cost_basis`` is the signed money paid for the
    open quantity (``quantity * average_price * multiplier``, kept exactly); ``average_price``
    is None when flat. ``unrealised_pnl = market_value - cost_basis``.
    """

    symbol: str
    strategy_id: str | None
    quantity: Decimal
    average_price: Decimal | None
    cost_basis: Decimal
    realised_pnl: Decimal
    mark_price: Decimal | None
    market_value: Decimal
    unrealised_pnl: Decimal
    multiplier: Decimal = Decimal(1)
    currency: str = "USD"

    @property
    def is_flat(self) -> bool:
        """True when the quantity is zero."""
        return self.quantity == 0

    @property
    def is_long(self) -> bool:
        """True when the quantity is positive."""
        return self.quantity > 0

    @property
    def is_short(self) -> bool:
        """True when the quantity is negative."""
        return self.quantity < 0


@dataclass(slots=True, frozen=True)
class Account:
    """A snapshot of an account in one currency: cash, equity, P&L, fees, margin, buying power.

    ``cash_by_currency`` holds every currency's cash; the other figures are for ``currency``.
    """

    currency: str
    cash_by_currency: Mapping[str, Decimal] = field(default_factory=dict)
    equity: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    unrealised_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    margin_used: Decimal = ZERO
    buying_power: Decimal = ZERO
    leverage: Decimal = Decimal(1)

    @property
    def cash(self) -> Decimal:
        """Cash in this account's currency."""
        return self.cash_by_currency.get(self.currency, ZERO)
