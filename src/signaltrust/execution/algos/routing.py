"""Smart order routing: which venue (or venues) an order should go to for the best price
after fees.

Given each venue's top of book (:class:`VenueQuote`: bid and ask, the size shown at each, the
taker fee rate and any fixed fee per order), :func:`route_order` prices the order at every
venue *all in*: a buy pays ``ask * (1 + fee rate)`` plus the fixed fee spread over the
quantity, a sell receives ``bid * (1 - fee rate)`` less it. With ``split=True`` (the default)
it takes the best all-in price first, as much as that venue shows, then the next, until the
quantity is routed; with ``split=False`` it sends everything to the one venue that can take
it all at the best all-in price (or, when none can, to the one that takes the most). What no
venue shows is reported as ``unrouted``. Ties go to the venue named first alphabetically, so
the same quotes always give the same route. Pure: it sends nothing; the caller (a node with
several venue accounts) sends each leg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from signaltrust.core.errors import ValidationError

_ZERO = Decimal(0)


@dataclass(frozen=True)
class VenueQuote:
    """One venue's top of book for a symbol, and what it charges a taker: ``taker_fee`` as a
    fraction of notional (0.001 is 10 bps), ``fixed_fee`` per order in the quote currency.
    ``bid_size`` / ``ask_size``: what is shown (unbounded by default)."""

    venue: str
    bid: float
    ask: float
    bid_size: float = math.inf
    ask_size: float = math.inf
    taker_fee: float = 0.0
    fixed_fee: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.venue, str) or not self.venue:
            raise ValidationError("a quote names its venue", field="venue", value=self.venue,
                                  fix="pass the venue's name, e.g. 'binance'")
        for name in ("taker_fee", "fixed_fee"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0.0 <= value < math.inf) or (
                    name == "taker_fee" and value >= 1.0):
                raise ValidationError(f"{name} must be >= 0 (a fee rate below 1)", field=name,
                                      value=value, fix=f"pass e.g. {name}=0.001")

    def price(self, side: int) -> float:
        """The price a taker of ``side`` (+1 buy, -1 sell) gets; NaN when none is quoted."""
        price = self.ask if side > 0 else self.bid
        return price if _usable(price) else math.nan

    def size(self, side: int) -> float:
        size = self.ask_size if side > 0 else self.bid_size
        return size if size == size and size > 0 else 0.0

    def all_in(self, side: int, quantity: float) -> float:
        """The price per unit after fees for ``quantity`` units (higher is worse for a buy)."""
        price = self.price(side)
        fixed = self.fixed_fee / quantity if quantity > 0 else 0.0
        return price * (1.0 + side * self.taker_fee) + side * fixed


@dataclass(frozen=True)
class Leg:
    """One venue's part of a route: ``quantity`` at ``price``, ``fee`` paid, and the price per
    unit after fees."""

    venue: str
    quantity: Decimal
    price: float
    fee: float
    all_in_price: float


@dataclass(frozen=True)
class Route:
    """Where an order goes: its legs (best first), their average price and fees, the price per
    unit after fees over the routed quantity, and what no venue showed (``unrouted``)."""

    side: str
    quantity: Decimal
    legs: tuple[Leg, ...]
    unrouted: Decimal

    @property
    def routed(self) -> Decimal:
        return self.quantity - self.unrouted

    @property
    def fees(self) -> float:
        return sum(leg.fee for leg in self.legs)

    @property
    def average_price(self) -> float:
        routed = float(self.routed)
        return sum(float(g.quantity) * g.price for g in self.legs) / routed if routed else math.nan

    @property
    def all_in_price(self) -> float:
        routed = float(self.routed)
        if not routed:
            return math.nan
        sign = 1.0 if self.side == "BUY" else -1.0
        return (self.average_price * routed + sign * self.fees) / routed


def route_order(side: str, quantity: float | Decimal, quotes: list[VenueQuote], *,
                split: bool = True, lot: float | Decimal = 1) -> Route:
    """Route ``quantity`` (> 0) of ``side`` (``"BUY"``/``"SELL"``) over the venues' ``quotes``
    for the best price after fees (see the module doc); legs are whole ``lot``\\ s."""
    if side not in ("BUY", "SELL"):
        raise ValidationError("side must be BUY or SELL", field="side", value=side,
                              fix="pass side='BUY' or 'SELL'")
    amount = Decimal(str(quantity))
    step = Decimal(str(lot))
    if not amount.is_finite() or amount <= 0 or not step.is_finite() or step <= 0:
        raise ValidationError("quantity and lot must be > 0", field="quantity",
                              value=quantity, fix="pass a positive quantity and lot")
    sign = 1 if side == "BUY" else -1
    usable = [q for q in quotes if q.price(sign) == q.price(sign) and q.size(sign) > 0]
    if not usable:
        raise ValidationError(
            f"no venue quotes a price to {side.lower()} at", field="quotes",
            value=[q.venue for q in quotes], fix="wait for a quote from at least one venue",
        )
    if split:
        legs, left = _split(sign, amount, step, usable)
    else:
        legs, left = _whole(sign, amount, step, usable)
    return Route(side, amount, tuple(legs), left)


def _fits(size: float, wanted: Decimal, step: Decimal) -> Decimal:
    if size == math.inf:
        return wanted
    shown = Decimal(repr(size)) // step * step
    return min(wanted, shown)


def _leg(quote: VenueQuote, sign: int, quantity: Decimal) -> Leg:
    price = quote.price(sign)
    fee = float(quantity) * price * quote.taker_fee + quote.fixed_fee
    return Leg(quote.venue, quantity, price, fee, quote.all_in(sign, float(quantity)))


def _rank(sign: int, quote: VenueQuote, quantity: Decimal) -> tuple[float, str]:
    return sign * quote.all_in(sign, float(quantity)), quote.venue


def _split(sign: int, amount: Decimal, step: Decimal,
           quotes: list[VenueQuote]) -> tuple[list[Leg], Decimal]:
    legs: list[Leg] = []
    left = amount
    remaining = list(quotes)
    while left > 0 and remaining:
        best = min(remaining, key=lambda q: _rank(sign, q, _fits(q.size(sign), left, step)))
        remaining.remove(best)
        take = _fits(best.size(sign), left, step)
        if take <= 0:
            continue
        legs.append(_leg(best, sign, take))
        left -= take
    return legs, left


def _whole(sign: int, amount: Decimal, step: Decimal,
           quotes: list[VenueQuote]) -> tuple[list[Leg], Decimal]:
    takes = {q.venue: _fits(q.size(sign), amount, step) for q in quotes}
    most = max(takes.values())
    if most <= 0:
        return [], amount
    able = [q for q in quotes if takes[q.venue] == most]
    best = min(able, key=lambda q: _rank(sign, q, most))
    return [_leg(best, sign, most)], amount - most


def _usable(price: float) -> bool:
    return isinstance(price, (int, float)) and price == price and 0.0 < price < math.inf


__all__ = ["Leg", "Route", "VenueQuote", "route_order"]
