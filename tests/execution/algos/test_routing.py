"""The smart order router: the venue with the best price after fees, split by what each shows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.execution.algos import VenueQuote, route_order

D = Decimal


def venues(**changes: dict) -> list[VenueQuote]:
    base = {
        "binance": dict(bid=99.90, ask=100.00, taker_fee=0.0020),  # cheaper, dearer fees
        "coinbase": dict(bid=99.85, ask=100.10, taker_fee=0.0005),
        "kraken": dict(bid=99.80, ask=100.20, taker_fee=0.0010),
    }
    for name, change in changes.items():
        base[name] = {**base[name], **change}
    return [VenueQuote(name, **quote) for name, quote in base.items()]


def test_route_when_a_better_price_has_higher_fees_then_the_best_after_fees_wins() -> None:
    route = route_order("BUY", 2, venues())
    # all in per unit: binance 100.00 * 1.002 = 100.2, coinbase 100.10 * 1.0005 = 100.15005
    assert [(g.venue, g.quantity) for g in route.legs] == [("coinbase", D(2))]
    assert route.all_in_price == pytest.approx(100.15005)
    assert route.fees == pytest.approx(2 * 100.10 * 0.0005)


def test_route_when_selling_then_the_highest_bid_after_fees() -> None:
    route = route_order("SELL", 1, venues())
    # binance 99.90 * 0.998 = 99.7002, coinbase 99.85 * 0.9995 = 99.800075, kraken 99.7002
    assert route.legs[0].venue == "coinbase"
    assert route.all_in_price == pytest.approx(99.800075)


def test_route_when_the_best_venue_shows_too_little_then_split_best_first() -> None:
    quotes = venues(coinbase={"ask_size": 1.5}, kraken={"ask_size": 4.0},
                    binance={"ask_size": 0.0})
    route = route_order("BUY", 10, quotes, lot="0.5")
    assert [(g.venue, g.quantity) for g in route.legs] == [("coinbase", D("1.5")),
                                                            ("kraken", D("4.0"))]
    assert route.unrouted == D("4.5") and route.routed == D("5.5")
    assert route.average_price == pytest.approx((1.5 * 100.10 + 4 * 100.20) / 5.5)


def test_route_when_not_split_then_one_venue_that_takes_it_all() -> None:
    quotes = venues(coinbase={"ask_size": 1.0})
    route = route_order("BUY", 3, quotes, split=False)
    # coinbase shows too little; binance 100.2 all in beats kraken 100.20 * 1.001 = 100.3002
    assert [(g.venue, g.quantity) for g in route.legs] == [("binance", D(3))]
    assert route.unrouted == 0


def test_route_when_a_fixed_fee_then_it_counts_per_unit_of_the_leg() -> None:
    quotes = venues(coinbase={"fixed_fee": 5.0})
    assert route_order("BUY", 1, quotes).legs[0].venue == "binance"  # 105.15 a unit at coinbase
    assert route_order("BUY", 1000, quotes).legs[0].venue == "coinbase"  # 100.155 a unit


def test_route_when_two_venues_tie_then_the_same_venue_every_time() -> None:
    quotes = [VenueQuote("b", 99.0, 100.0), VenueQuote("a", 99.0, 100.0)]
    assert route_order("BUY", 1, quotes).legs[0].venue == "a"
    assert route_order("BUY", 1, list(reversed(quotes))).legs[0].venue == "a"


def test_route_when_no_venue_quotes_the_side_then_validation_error() -> None:
    quotes = [VenueQuote("a", 99.0, float("nan")), VenueQuote("b", 99.0, 0.0)]
    with pytest.raises(ValidationError) as error:
        route_order("BUY", 1, quotes)
    assert error.value.field == "quotes"
    assert route_order("SELL", 1, quotes).legs[0].venue == "a"


@pytest.mark.parametrize("call, field", [
    (lambda: route_order("HOLD", 1, venues()), "side"),
    (lambda: route_order("BUY", 0, venues()), "quantity"),
    (lambda: VenueQuote("x", 1.0, 2.0, taker_fee=1.5), "taker_fee"),
    (lambda: VenueQuote("", 1.0, 2.0), "venue"),
])
def test_route_when_an_argument_is_wrong_then_validation_error_names_it(call, field) -> None:
    with pytest.raises(ValidationError) as error:
        call()
    assert error.value.field == field
