"""What a broker says it holds: the account snapshot that reconciliation compares with ours.

Every execution client (the paper broker and each venue adapter) can answer
:meth:`~signaltrust.live.contract.ExecutionClient.account_state` with a
:class:`VenueAccountState`: its cash, its positions, the orders it is working or has ended
recently (by our client order id where the venue keeps it) and its fills since a time.
Quantities and prices are exact (``Decimal``), times are UTC nanoseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from signaltrust.core.orders import Liquidity, OrderSide, OrderStatus


@dataclass(frozen=True, slots=True)
class VenueOrder:
    """One order as the broker sees it: ``filled`` is its cumulative filled quantity."""

    client_order_id: str | None
    venue_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    filled: Decimal
    status: OrderStatus
    ts_ns: int
    average_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class VenueFill:
    """One fill as the broker reports it (``quantity`` of this fill, not the cumulative)."""

    venue_fill_id: str
    client_order_id: str | None
    venue_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    price: Decimal
    fee: Decimal
    ts_ns: int
    fee_currency: str | None = None
    liquidity: Liquidity = Liquidity.TAKER


@dataclass(frozen=True, slots=True)
class VenueAccountState:
    """The broker's account at ``ts_ns``: cash per currency, signed positions per symbol, the
    orders it knows (open ones always; ended ones as far back as it answers) and its fills
    since the time asked for."""

    ts_ns: int
    cash: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, Decimal] = field(default_factory=dict)
    orders: tuple[VenueOrder, ...] = ()
    fills: tuple[VenueFill, ...] = ()

    def order(self, client_order_id: str) -> VenueOrder | None:
        """The broker's order with our ``client_order_id``, or None when it does not know it."""
        for order in self.orders:
            if order.client_order_id == client_order_id:
                return order
        return None


__all__ = ["VenueAccountState", "VenueFill", "VenueOrder"]
