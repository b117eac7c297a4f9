"""Field values of the trading types: exact Decimal contexts, number, time and id conversions.

Quantities, prices, fees and money are :class:`~decimal.Decimal`. A float enters through its
shortest round-trip text (``repr``), so ``0.1`` becomes ``Decimal("0.1")``, never the 55-digit
binary expansion. Timestamps are timezone-aware ``datetime`` objects converted to UTC.
"""

from __future__ import annotations

import math
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


def positive_decimal(value: Any, field_name: str) -> Decimal:
    """Convert to a finite Decimal that is > 0, or raise naming ``field_name``."""
    if type(value) is Decimal and value.is_finite() and value > 0:
        return value
    out = to_decimal(value, field_name)
    if out <= 0:
        raise ValidationError(
            "must be > 0", field=field_name, value=value, fix="pass a positive number"
        )
    return out


def identifier(value: Any, field_name: str) -> str:
    """Return ``value`` if it is a non-empty string without whitespace, or raise."""
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


_ZERO_FEE = Decimal(0)


def positive_fill_values(quantity: Any, price: Any, fee: Any) -> tuple[Decimal, Decimal, Decimal]:
    """A reported fill's quantity and price (finite, > 0) and fee (finite, >= 0, None as 0) as
    Decimals, or ValidationError naming the field. Decimals already valid pass unchanged."""
    q = positive_decimal(quantity, "quantity")
    p = positive_decimal(price, "price")
    if fee is None:
        return q, p, _ZERO_FEE
    if type(fee) is not Decimal or not fee.is_finite():
        fee = to_decimal(fee, "fee")
    if fee < 0:
        raise ValidationError(
            "fees are never negative", field="fee", value=fee, fix="report a fee >= 0"
        )
    return q, p, fee
