"""The pre-trade hook: every order gets an allow/deny verdict with a named reason before a venue.

The order path (backtest, paper and live alike) is: strategy -> ``OrderManager.submit`` (NEW)
-> ``check.check(order, portfolio)`` -> DENIED with ``verdict.reason`` or SUBMITTED -> venue.
A check sees the order and a read-only view of the portfolio, never the engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Order, to_decimal


@runtime_checkable
class PortfolioView(Protocol):
    """What a pre-trade check may read: latest prices, positions and equity (floats)."""

    def price(self, symbol: str) -> float:
        """The latest known price of ``symbol`` (NaN when none yet)."""
        ...

    def position(self, symbol: str) -> float:
        """Signed units held of ``symbol``."""
        ...

    @property
    def equity(self) -> float:
        """Cash plus positions marked at their latest prices."""
        ...


@dataclass(frozen=True)
class Verdict:
    """The outcome of a pre-trade check: allowed, or denied with the check's name and why."""

    allowed: bool
    check: str = ""
    reason: str | None = None

    @classmethod
    def allow(cls, check: str = "") -> Verdict:
        return cls(True, check)

    @classmethod
    def deny(cls, check: str, why: str) -> Verdict:
        """A denial whose ``reason`` reads ``"<check>: <why>"`` (what ``on_order`` shows)."""
        return cls(False, check, f"{check}: {why}")


class PreTradeCheck(ABC):
    """A pre-trade risk check: ``check(order, portfolio) -> Verdict`` (allow or named deny)."""

    #: the name a denial carries (defaults to the class name)
    name: str = ""

    @property
    def check_name(self) -> str:
        return self.name or type(self).__name__

    @abstractmethod
    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        """Allow ``order`` or deny it with a reason naming this check."""


class AllowAll(PreTradeCheck):
    """The pass-through check: every order is allowed."""

    name = "AllowAll"

    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        return _ALLOWED


_ALLOWED = Verdict(True, "AllowAll")


def _limit(value: Decimal | float | int | str, field: str) -> Decimal:
    limit = to_decimal(value, field)
    if not limit > 0:
        raise ValidationError("must be > 0", field=field, value=value, fix=f"pass {field} > 0")
    return limit


class MaxOrderQuantity(PreTradeCheck):
    """Deny an order for more than ``limit`` units (per order, any symbol)."""

    name = "MaxOrderQuantity"

    def __init__(self, limit: Decimal | float | int | str) -> None:
        self.limit = _limit(limit, "limit")

    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        if order.quantity > self.limit:
            return Verdict.deny(
                self.check_name, f"quantity {order.quantity} exceeds the limit {self.limit}"
            )
        return Verdict.allow(self.check_name)


class MaxOrderNotional(PreTradeCheck):
    """Deny an order whose notional (units x latest price, or its limit price) exceeds ``limit``."""

    name = "MaxOrderNotional"

    def __init__(self, limit: Decimal | float | int | str) -> None:
        self.limit = _limit(limit, "limit")

    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        if order.limit_price is not None:
            price = order.limit_price
        else:
            latest = portfolio.price(order.symbol)
            if latest != latest:  # NaN: no price yet, cannot value the order
                return Verdict.deny(self.check_name, f"no price yet for {order.symbol}")
            price = to_decimal(latest, "price")
        notional = order.quantity * price
        if notional > self.limit:
            return Verdict.deny(
                self.check_name, f"notional {notional:.2f} exceeds the limit {self.limit}"
            )
        return Verdict.allow(self.check_name)


class CheckChain(PreTradeCheck):
    """Run checks in order; the first denial wins (allowed when every check allows)."""

    name = "CheckChain"

    def __init__(self, checks: Iterable[PreTradeCheck]) -> None:
        self.checks = tuple(checks)

    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        for item in self.checks:
            verdict = item.check(order, portfolio)
            if not verdict.allowed:
                return verdict
        return Verdict.allow(self.check_name)
