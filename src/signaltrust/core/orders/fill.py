"""The fill: an execution of (part of) an order, a frozen value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders.enums import Liquidity, OrderSide, parse_enum
from signaltrust.core.orders.values import ZERO, identifier, positive_decimal, to_decimal, to_utc


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
        s(self, "fill_id", identifier(self.fill_id, "fill_id"))
        s(self, "client_order_id", identifier(self.client_order_id, "client_order_id"))
        s(self, "symbol", identifier(self.symbol, "symbol"))
        s(self, "strategy_id", identifier(self.strategy_id, "strategy_id"))
        s(self, "side", parse_enum(OrderSide, self.side, "side"))
        s(self, "liquidity", parse_enum(Liquidity, self.liquidity, "liquidity"))
        s(self, "quantity", positive_decimal(self.quantity, "quantity"))
        s(self, "price", positive_decimal(self.price, "price"))
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
        self = _new(cls)
        a, b, c, d, e, f, g, h, i, j, k = _FILL_FIELDS  # the slots' setters: no __setattr__
        a(self, fill_id)
        b(self, client_order_id)
        c(self, symbol)
        d(self, side)
        e(self, quantity)
        f(self, price)
        g(self, fee)
        h(self, currency)
        i(self, timestamp)
        j(self, liquidity)
        k(self, strategy_id)
        return self

    @property
    def signed_quantity(self) -> Decimal:
        """Quantity with the side's sign: positive for BUY, negative for SELL."""
        return self.quantity if self.side is OrderSide.BUY else -self.quantity

    @property
    def notional(self) -> Decimal:
        """``quantity * price`` (before any contract multiplier), exact."""
        return self.quantity * self.price


_new = object.__new__
_FILL_FIELDS = tuple(
    Fill.__dict__[name].__set__
    for name in (
        "fill_id",
        "client_order_id",
        "symbol",
        "side",
        "quantity",
        "price",
        "fee",
        "currency",
        "timestamp",
        "liquidity",
        "strategy_id",
    )
)
