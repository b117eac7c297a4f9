"""Smart order routing for crypto: the venue whose order book gives the best price after fees.

A crypto pair trades on several exchanges at slightly different prices and fees. For a market
order of a given quantity, :func:`route` walks each venue's book (asks for a buy, bids for a
sell) as deep as the quantity needs, adds the venue's taker fee, and picks the venue where a buy
costs least (or a sell brings most) per unit, all in. A venue whose book cannot fill the whole
quantity ranks after every venue that can; equal prices go to the first venue name, so the
choice is the same every time.

>>> books = [VenueBook("ccxt:kraken", asks=((Decimal("100.0"), Decimal("5")),),
...                    taker_fee=Decimal("0.0026")),
...          VenueBook("ccxt:binance", asks=((Decimal("100.1"), Decimal("5")),),
...                    taker_fee=Decimal("0.001"))]
>>> route("BUY", Decimal("1"), books).venue
'ccxt:binance'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import OrderSide

ZERO = Decimal(0)
Level = tuple[Decimal, Decimal]  # price, quantity


@dataclass(frozen=True)
class VenueBook:
    """One venue's order book for the pair (best level first) and its taker fee rate
    (``0.001`` is 0.1 % of the traded value)."""

    venue: str
    bids: Sequence[Level] = ()
    asks: Sequence[Level] = ()
    taker_fee: Decimal = ZERO


@dataclass(frozen=True)
class RouteQuote:
    """What a market order would do on one venue: the quantity its book fills, the average
    price before fees, the fee, and the all-in price per unit (fee included: higher for a buy,
    lower for a sell)."""

    venue: str
    side: OrderSide
    quantity: Decimal
    filled: Decimal
    average_price: Decimal
    fee: Decimal
    all_in_price: Decimal

    @property
    def complete(self) -> bool:
        """Whether the book holds the whole quantity."""
        return self.filled >= self.quantity


def quote(book: VenueBook, side: OrderSide | str, quantity: Decimal) -> RouteQuote:
    """Walk ``book`` for a market order of ``quantity`` (asks for a BUY, bids for a SELL)."""
    side = OrderSide(side)
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise ValidationError("must be positive", field="quantity", value=quantity,
                              fix="route an order of a positive quantity")
    levels = book.asks if side is OrderSide.BUY else book.bids
    left, filled, value = quantity, ZERO, ZERO
    for price, size in levels:
        take = min(left, Decimal(size))
        if take <= 0:
            continue
        filled += take
        value += take * Decimal(price)
        left -= take
        if left <= 0:
            break
    if filled == 0:
        return RouteQuote(book.venue, side, quantity, ZERO, ZERO, ZERO, ZERO)
    fee = value * book.taker_fee
    net = value + fee if side is OrderSide.BUY else value - fee
    return RouteQuote(book.venue, side, quantity, filled, value / filled, fee, net / filled)


def rank(side: OrderSide | str, quantity: Decimal, books: Iterable[VenueBook]) -> list[RouteQuote]:
    """Every venue's quote, best first (complete fills first, then the all-in price)."""
    side = OrderSide(side)
    quotes = [quote(b, side, quantity) for b in books]
    sign = 1 if side is OrderSide.BUY else -1
    return sorted(quotes, key=lambda q: (not q.complete, q.filled == 0,
                                         sign * q.all_in_price if q.complete else -q.filled,
                                         q.venue))


def route(side: OrderSide | str, quantity: Decimal, books: Iterable[VenueBook]) -> RouteQuote:
    """The venue to send a market order of ``quantity`` to: the best all-in price."""
    ranked = rank(side, quantity, books)
    if not ranked or ranked[0].filled == 0:
        raise ValidationError(
            "no venue's book can fill any of the order", field="books",
            value=[q.venue for q in ranked], fix="fetch the order books first; check the pair")
    return ranked[0]


def book_from_ccxt(venue: str, order_book: dict[str, Any], taker_fee: Any) -> VenueBook:
    """A :class:`VenueBook` from ccxt's ``fetch_order_book`` answer and the market's ``taker``
    fee (``exchange.markets[symbol]['taker']``)."""
    def levels(rows: Any) -> tuple[Level, ...]:
        return tuple((Decimal(str(r[0])), Decimal(str(r[1]))) for r in rows or ())

    return VenueBook(venue, levels(order_book.get("bids")), levels(order_book.get("asks")),
                     Decimal(str(taker_fee or 0)))


__all__ = ["RouteQuote", "VenueBook", "book_from_ccxt", "quote", "rank", "route"]
