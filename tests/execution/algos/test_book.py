"""Execution algorithms reading the book: children sized from the depth at the touch and the
liquidity analyser's policy (VPIN, spread), priced from the live book; unchanged without it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import ValidationError
from signaltrust.execution.algos import (
    POV,
    TWAP,
    BookSizing,
    Cancel,
    Iceberg,
    MarketView,
    Submit,
    algorithm_from_state,
)
from signaltrust.execution.liquidity import LiquidityPolicy
from tests.execution.algos.harness import MIN, T0, Venue, run_all

D = Decimal
NAN = float("nan")
QUARTER = BookSizing(LiquidityPolicy(max_take_of_depth=0.25))


def touch(i: int, bid: float = 99.99, ask: float = 100.01, bid_size: float = 300.0,
          ask_size: float = 400.0, vpin: float = NAN, volume: float = 1000.0) -> MarketView:
    return MarketView(T0 + i * MIN, 0.5 * (bid + ask), bid, ask, volume, True, bid_size,
                      ask_size, vpin)


def test_taker_when_book_then_child_is_a_share_of_the_ask_and_priced_at_the_ask():
    algo = TWAP("GOOG", 1000, bars=2, book=QUARTER)
    algo.begin("p", "s", touch(0))
    assert algo.decide() == [Submit(D(100), D("100.01"))]  # 25 % of the 400 at the ask


def test_sell_taker_when_book_then_child_is_a_share_of_the_bid_at_the_bid():
    algo = TWAP("GOOG", -1000, bars=2, book=QUARTER)
    algo.begin("p", "s", touch(0))
    assert algo.decide() == [Submit(D(75), D("99.99"))]


def test_maker_when_book_then_child_joins_the_bid_sized_from_the_bid_queue():
    algo = Iceberg("GOOG", 1000, display=500, mode="maker", book=QUARTER)
    algo.begin("p", "s", touch(0))
    assert algo.decide() == [Submit(D(75), D("99.99"))]


def test_toxic_flow_when_vpin_high_then_the_share_is_halved():
    algo = TWAP("GOOG", 1000, bars=2, book=QUARTER)
    algo.begin("p", "s", touch(0, vpin=0.8))
    assert algo.decide() == [Submit(D(50), D("100.01"))]


def test_choose_mode_when_wide_spread_then_maker_at_the_bid_and_when_toxic_taker():
    chooser = BookSizing(LiquidityPolicy(max_take_of_depth=0.25), choose_mode=True)
    wide = TWAP("GOOG", 1000, bars=2, book=chooser)
    wide.begin("p", "s", touch(0, bid=99.0, ask=101.0))  # 200 bp wide
    assert wide.decide() == [Submit(D(75), D(99))]
    toxic = TWAP("GOOG", 1000, bars=2, mode="maker", book=chooser)
    toxic.begin("p", "s", touch(0, bid=99.0, ask=101.0, vpin=0.9))
    assert toxic.decide() == [Submit(D(50), D(101))]


def test_thin_touch_when_less_than_a_lot_then_nothing_until_it_refills():
    algo = TWAP("GOOG", 1000, bars=2, lot=10, book=QUARTER)
    algo.begin("p", "s", touch(0, ask_size=30.0))  # 7.5 < one lot of 10
    assert algo.decide() == []
    algo.observe(touch(0, ask_size=200.0)._replace(bar=False))
    assert algo.decide() == [Submit(D(50), D("100.01"))]


def test_taker_child_when_the_ask_moves_then_it_is_canceled_and_repriced():
    algo = TWAP("GOOG", 1000, bars=2, book=QUARTER)
    algo.begin("p", "s", touch(0))
    algo.child_sent("c1", algo.decide()[0], T0)
    algo.observe(touch(0, bid=100.01, ask=100.03)._replace(bar=False))
    assert algo.decide() == [Cancel("c1")]
    algo.child_canceling("c1")
    algo.child_update("c1", "CANCELED", D(0), D(0), D(0))
    assert algo.decide() == [Submit(D(100), D("100.03"))]


def test_limit_when_book_then_a_taker_child_never_pays_more():
    algo = TWAP("GOOG", 1000, bars=2, limit=100.0, book=QUARTER)
    algo.begin("p", "s", touch(0))
    assert algo.decide() == [Submit(D(100), D("100.0"))]


def _quotes_without_sizes() -> list[MarketView]:
    quotes = [(99.0, 100.0), (99.5, 100.5), (100.5, 101.0), (100.0, 100.8)]
    return [MarketView(T0 + i * MIN, 100.0 + i % 2, *quotes[i % 4], 500.0, True)
            for i in range(8)]


@pytest.mark.parametrize("make", [
    lambda book: TWAP("GOOG", 400, bars=4, book=book),
    lambda book: TWAP("GOOG", 400, bars=4, mode="maker", book=book),
    lambda book: Iceberg("GOOG", 400, display=100, mode="maker", book=book),
    lambda book: POV("GOOG", 300, rate=0.2, book=book),
])
def test_without_book_data_then_the_same_children_as_without_the_option(make):
    market = _quotes_without_sizes()
    plain = run_all(make(None), market)
    booked = run_all(make(QUARTER), market)
    assert booked.log == plain.log


def test_state_when_saved_with_book_option_then_it_resumes_exactly():
    market = [touch(i, ask_size=200.0 + 50 * i) for i in range(6)]
    whole = TWAP("GOOG", 600, bars=4, book=QUARTER)
    reference = run_all(whole, market)
    first = TWAP("GOOG", 600, bars=4, book=QUARTER)
    venue = Venue()
    venue.begin(first, market[0])
    for i in range(1, 3):
        venue.step(first, i, market[i])
    resumed = algorithm_from_state(json.loads(json.dumps(first.to_state())))
    assert resumed.book == QUARTER
    for i in range(3, len(market)):
        venue.step(resumed, i, market[i])
    assert venue.log == reference.log
    assert resumed.to_state() == whole.to_state()


def test_book_option_when_not_a_book_sizing_then_validation_error():
    with pytest.raises(ValidationError) as err:
        TWAP("GOOG", 10, bars=2, book={"max_take_of_depth": 0.2})
    assert err.value.field == "book"


touches = st.tuples(
    st.floats(50.0, 150.0), st.floats(0.01, 2.0), st.floats(0.0, 2_000.0),
    st.floats(0.0, 2_000.0), st.one_of(st.just(NAN), st.floats(0.0, 1.0)))


@settings(max_examples=60, deadline=None)
@given(st.lists(touches, min_size=2, max_size=12), st.sampled_from(["taker", "maker"]),
       st.integers(1, 3_000), st.sampled_from([0.1, 0.25, 0.5]))
def test_property_when_any_book_then_no_child_exceeds_the_share_of_the_touch(
        books, mode, quantity, share):
    sizing = BookSizing(LiquidityPolicy(max_take_of_depth=share))
    algo = TWAP("GOOG", quantity, bars=len(books), mode=mode, book=sizing)
    sent = []
    open_: dict[str, Decimal] = {}
    for i, (bid, spread, bid_size, ask_size, vpin) in enumerate(books):
        view = touch(i, bid, bid + spread, bid_size, ask_size, vpin)
        if i == 0:
            algo.begin("p", "s", view)
        else:
            algo.observe(view)
            for cid, qty in list(open_.items()):  # every child fills before the next view
                algo.child_update(cid, "FILLED", qty, qty * D(100), D(0))
                del open_[cid]
        for decision in algo.decide():
            if isinstance(decision, Submit) and not algo.window_over:
                depth = view.ask_size if mode == "taker" else view.bid_size
                limit = share * (0.5 if vpin == vpin and vpin >= 0.6 else 1.0) * depth
                assert float(decision.quantity) <= limit + 1e-9
                touch_price = view.ask if mode == "taker" else view.bid
                assert decision.limit_price == D(f"{touch_price:.10g}")
                cid = f"c{len(sent)}"
                algo.child_sent(cid, decision, view.now_ns)
                open_[cid] = decision.quantity
                sent.append(decision)
    assert sum(s.quantity for s in sent) <= quantity


def test_maker_child_in_the_venue_with_book_then_fills_only_past_its_queue():
    from signaltrust.core.book import Side
    from signaltrust.core.orders import Order
    from tests.execution.test_queue_position import T0 as V0
    from tests.execution.test_queue_position import Desk

    desk = Desk()
    desk.book([(100.0, 200.0)], [(101.0, 300.0)], snapshot=True)
    algo = Iceberg("X", 100, display=80, mode="maker", book=QUARTER)
    algo.begin("p", "s", MarketView(V0, 100.5, 100.0, 101.0, 0.0, False, 200.0, 300.0))

    def act() -> None:
        for child in algo.open_children():
            order = desk.manager.get(child.client_order_id)
            algo.child_update(child.client_order_id, order.status.value,
                              order.filled_quantity, order.filled_notional, order.fees)
        for decision in algo.decide():
            assert isinstance(decision, Submit)
            cid = f"c{len(algo.children) + 1}"
            algo.child_sent(cid, decision, desk.clock.now_ns)
            desk.router.submit(Order(cid, "X", "BUY", decision.quantity, "LIMIT",
                                     limit_price=decision.limit_price))

    act()
    assert [(c.quantity, c.limit_price) for c in algo.children] == [(D(50), D(100))]
    assert desk.venue.queue_position("c1").ahead == 200.0  # behind the whole bid
    desk.trade(100.0, 230.0, Side.SELL, ns=1)
    act()
    assert algo.filled == 30 and len(algo.children) == 1  # the child still rests
    desk.trade(100.0, 100.0, Side.SELL, ns=2)
    act()
    assert algo.filled == 50
    # the next child joins the same bid queue, sized from it again
    assert [(c.quantity, c.limit_price) for c in algo.children][1] == (D(50), D(100))


def test_plan_when_built_with_book_sizing_then_the_algorithm_keeps_reading_the_touch():
    from signaltrust.execution.liquidity import LiquidityAnalyser, LiquiditySnapshot

    policy = LiquidityPolicy(max_take_of_depth=0.25)
    plan = LiquidityAnalyser(policy).plan(1000, LiquiditySnapshot(1.0, 400.0))
    algo = plan.algorithm_for("GOOG", 1000, book=BookSizing(policy))
    assert plan.algorithm == "TWAP" and algo.book == BookSizing(policy)
    algo.begin("p", "s", touch(0, ask_size=200.0))  # the touch thinned since the plan
    assert algo.decide() == [Submit(D(50), D("100.01"))]


def test_replay_when_the_same_book_views_then_the_same_children():
    market = [touch(i, bid=100.0 + (i % 3) * 0.01, ask=100.02 + (i % 3) * 0.01,
                    bid_size=100.0 + 40 * (i % 4), ask_size=60.0 + 30 * (i % 5),
                    vpin=0.3 + 0.1 * (i % 5)) for i in range(10)]
    logs = [run_all(TWAP("GOOG", 500, bars=10, book=QUARTER), market).log for _ in range(2)]
    assert logs[0] and logs[0] == logs[1]
    # within the window every child is priced from the book
    assert all(limit is not None for _, what, _, limit in logs[0] if what == "submit")
