"""The smart order router: the venue with the best price after fees (hand-computed books)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.live.adapters.smart_router import VenueBook, book_from_ccxt, quote, rank, route


def test_route_when_a_cheaper_ask_pays_a_higher_fee_then_the_lower_all_in_price_wins():
    kraken = VenueBook("ccxt:kraken", asks=((D("100.0"), D("5")),), taker_fee=D("0.0026"))
    binance = VenueBook("ccxt:binance", asks=((D("100.1"), D("5")),), taker_fee=D("0.001"))
    best = route("BUY", D("1"), [kraken, binance])
    # kraken 100.0 * 1.0026 = 100.26; binance 100.1 * 1.001 = 100.2001
    assert best.venue == "ccxt:binance"
    assert best.all_in_price == D("100.2001")
    assert best.fee == D("0.1001")


def test_route_when_the_order_walks_the_book_then_depth_is_priced():
    shallow = VenueBook("a", asks=((D("100"), D("1")), (D("101"), D("2"))))
    deep = VenueBook("b", asks=((D("100.5"), D("5")),), taker_fee=D("0.001"))
    # a: (100 + 2 * 101) / 3 = 100.666..; b: 100.5 * 1.001 = 100.6005
    quotes = rank("BUY", D("3"), [shallow, deep])
    assert [q.venue for q in quotes] == ["b", "a"]
    assert quotes[1].average_price == D("302") / D("3")
    assert quote(deep, "BUY", D("3")).all_in_price == D("100.6005")


def test_route_when_selling_then_the_highest_bid_after_fees_wins():
    a = VenueBook("a", bids=((D("100"), D("5")),), taker_fee=D("0.004"))   # 99.6
    b = VenueBook("b", bids=((D("99.8"), D("5")),), taker_fee=D("0.001"))  # 99.7002
    best = route("SELL", D("2"), [a, b])
    assert best.venue == "b" and best.all_in_price == D("99.7002")


def test_route_when_a_better_book_is_too_thin_then_the_venue_that_fills_all_wins():
    thin = VenueBook("thin", asks=((D("90"), D("0.5")),))
    full = VenueBook("full", asks=((D("100"), D("10")),))
    best = route("BUY", D("1"), [thin, full])
    assert best.venue == "full" and best.complete
    assert not quote(thin, "BUY", D("1")).complete


def test_route_when_prices_tie_then_the_first_venue_name_every_time():
    books = [VenueBook(name, asks=((D("100"), D("1")),)) for name in ("z", "m", "a")]
    assert {route("BUY", D("1"), books).venue for _ in range(3)} == {"a"}


def test_route_when_no_book_has_the_side_then_validation_error():
    with pytest.raises(ValidationError, match="no venue"):
        route("BUY", D("1"), [VenueBook("a", bids=((D("100"), D("1")),))])


def test_quote_when_quantity_is_not_positive_then_validation_error():
    with pytest.raises(ValidationError, match="positive"):
        quote(VenueBook("a"), "BUY", D("0"))


def test_book_from_ccxt_when_given_its_order_book_then_levels_and_fee_are_exact():
    book = book_from_ccxt("ccxt:binance", {"bids": [[45000.1, 0.5, 3]], "asks": [[45000.2, 1.25]]},
                          0.001)
    assert book.bids == ((D("45000.1"), D("0.5")),)
    assert book.asks == ((D("45000.2"), D("1.25")),)
    assert book.taker_fee == D("0.001")
