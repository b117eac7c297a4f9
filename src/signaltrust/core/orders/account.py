"""Position and account snapshots: frozen values the ledger reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from signaltrust.core.orders.values import ZERO


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
