"""Simple pre-trade checks (order size and notional caps, a chain of checks).

The hook itself (``PreTradeCheck``, ``Verdict``, ``AllowAll``) is defined by the order path in
``signaltrust.execution.pretrade`` and re-exported here; the risk engine
(:class:`~signaltrust.risk.engine.RiskEngine`) is the full check.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Order, to_decimal
from signaltrust.execution.pretrade import (
    AllowAll,
    PortfolioView,
    PreTradeCheck,
    Verdict,
)


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


__all__ = [
    "AllowAll", "CheckChain", "MaxOrderNotional", "MaxOrderQuantity", "PortfolioView",
    "PreTradeCheck", "Verdict",
]
