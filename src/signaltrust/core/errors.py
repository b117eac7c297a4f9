"""Specific error classes whose messages name the field, the bad value and the fix."""

from __future__ import annotations

from typing import Any


class SignalTrustError(Exception):
    """Base of every error SignalTrust raises on purpose.

    ``field`` names what was wrong, ``value`` what it held and ``fix`` what to do about it.
    The CLI maps ``exit_code`` to the process exit status (1: bad data or input).
    """

    exit_code = 1

    def __init__(
        self, message: str, *, field: str | None = None, value: Any = None, fix: str | None = None
    ) -> None:
        self.field = field
        self.value = value
        self.fix = fix
        parts = [message]
        if field is not None:
            parts.append(f"field: {field}")
        if value is not None:
            parts.append(f"value: {value!r}")
        if fix:
            parts.append(f"fix: {fix}")
        super().__init__("; ".join(parts))
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data: what ``--json`` prints for an error (already plain)."""
        return self.__plain__()

    def __plain__(self) -> dict[str, Any]:
        """The error's class, message, field, value (as text) and fix."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "field": self.field,
            "value": None if self.value is None else str(self.value),
            "fix": self.fix,
        }


class ValidationError(SignalTrustError, ValueError):
    """An argument or object that does not satisfy its contract."""


class ConfigError(ValidationError):
    """A configuration value that is refused at start."""


class DatasetNotFoundError(SignalTrustError, KeyError):
    """A bundled dataset, file or stored series that does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class ParseError(SignalTrustError, ValueError):
    """A file that cannot be read: names the file, the row and the column."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        fix: str | None = None,
    ) -> None:
        self.path = path
        self.row = row
        self.column = column
        where = []
        if path is not None:
            where.append(f"file {path}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        full = f"{', '.join(where)}: {message}" if where else message
        super().__init__(full, field=column, value=value, fix=fix)

    def __plain__(self) -> dict[str, Any]:
        """The error's fields and where in the file: path, row, column."""
        return {**super().__plain__(), "path": self.path, "row": self.row, "column": self.column}


class DataQualityError(SignalTrustError):
    """Data that failed a quality check where the caller asked for strictness."""


class StoreError(SignalTrustError):
    """The bar store could not complete an operation; nothing stored was changed."""


class BarConflictError(StoreError):
    """An upsert would overwrite stored bars with different values.

    ``conflicts`` is a DataFrame of the clashing timestamps with stored and incoming values.
    """

    def __init__(self, message: str, *, conflicts: Any = None, fix: str | None = None) -> None:
        self.conflicts = conflicts
        super().__init__(message, fix=fix)


class OrderNotFoundError(SignalTrustError, KeyError):
    """A client order id that the order manager does not hold."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class InvalidTransitionError(SignalTrustError):
    """An order state change that the order state machine does not allow.

    ``order_id``, ``from_status``, ``to_status`` and ``allowed`` say which order, the refused
    change and the changes that were possible from that state.
    """

    def __init__(
        self,
        message: str,
        *,
        order_id: str | None = None,
        from_status: Any = None,
        to_status: Any = None,
        allowed: tuple[Any, ...] = (),
        fix: str | None = None,
    ) -> None:
        self.order_id = order_id
        self.from_status = from_status
        self.to_status = to_status
        self.allowed = allowed
        super().__init__(message, field="status", value=to_status, fix=fix)


class DuplicateOrderError(SignalTrustError):
    """A different order submitted under a client order id that is already in use."""


class DuplicateFillError(SignalTrustError):
    """A different fill reported under a fill id that was already applied."""


class OverfillError(SignalTrustError):
    """A fill that would take an order's filled quantity above the order's quantity."""


class LedgerError(SignalTrustError):
    """A fill or mark the ledger refuses, or a ledger that does not balance."""


class SerializationError(SignalTrustError, TypeError):
    """An object that ``core.serialize.to_plain`` cannot turn into plain data."""


class BarRuleError(ValidationError):
    """Bars that break a hard rule of the bar store (a price of zero or below, high below low,
    open or close outside the bar's range, negative volume, a non-finite value, a timestamp off
    the declared timeframe's grid); nothing was written.

    ``violations`` is a DataFrame with one row per broken rule and bar: ``row`` (the file line or
    the 1-based position), ``timestamp``, ``rule``, ``column``, ``value`` and ``message``.
    """

    def __init__(
        self,
        message: str,
        *,
        violations: Any = None,
        field: str | None = None,
        value: Any = None,
        fix: str | None = None,
    ) -> None:
        self.violations = violations
        super().__init__(message, field=field, value=value, fix=fix)


class GridTooLargeError(ValidationError):
    """A parameter grid whose size or memory estimate exceeds the configured limit.

    ``combinations`` and ``memory_bytes`` are the estimates made before anything was allocated.
    """

    def __init__(
        self,
        message: str,
        *,
        combinations: int = 0,
        memory_bytes: int = 0,
        field: str | None = None,
        value: Any = None,
        fix: str | None = None,
    ) -> None:
        self.combinations = combinations
        self.memory_bytes = memory_bytes
        super().__init__(message, field=field, value=value, fix=fix)


class BrokerError(SignalTrustError):
    """A broker or venue call that did not do what was asked.

    ``venue`` names the broker; ``status`` is the HTTP status or the venue's error code when
    there is one. Subclasses say whether the outcome is known.
    """

    def __init__(
        self,
        message: str,
        *,
        venue: str | None = None,
        status: Any = None,
        field: str | None = None,
        value: Any = None,
        fix: str | None = None,
    ) -> None:
        self.venue = venue
        self.status = status
        super().__init__(message, field=field, value=value, fix=fix)


class DefinitiveBrokerError(BrokerError):
    """The broker answered and refused: the request certainly did not take effect (an order
    rejected for insufficient funds, an unknown symbol, bad credentials)."""


class AmbiguousBrokerError(BrokerError):
    """The outcome is unknown (a timeout, a dropped connection, a 5xx after the request was
    sent): the order may or may not exist at the broker. Never treat it as rejected or
    canceled; reconciliation asks the broker by client order id."""


class RateLimitedError(BrokerError):
    """The venue said too many requests (HTTP 429 or its own code); ``retry_after`` is the
    wait in seconds it asked for, when it did."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)
