"""The execution algorithms as state machines: what each sends when, maker pegging, the end of
the window, a denied child, determinism and a state that resumes exactly."""

from __future__ import annotations

import json
import pickle
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import ValidationError
from signaltrust.execution.algos import (
    POV,
    TWAP,
    VWAP,
    Iceberg,
    MarketView,
    Peg,
    algorithm_from_state,
)
from signaltrust.execution.algos.schedule import DAY_NS
from tests.execution.algos.harness import MIN, T0, Venue, run_all, views

D = Decimal
CLOSES = [100.0, 101.0, 102.0, 103.0, 104.0, 105.0]


def sizes(venue: Venue) -> list[tuple[int, str]]:
    return [(i, q) for i, what, q, _ in venue.log if what == "submit"]


def test_twap_when_over_bars_then_equal_market_children_one_a_bar_and_shortfall() -> None:
    algo = TWAP("GOOG", 100, bars=4)
    run_all(algo, views(CLOSES))
    report = algo.report()
    assert report.status == "FILLED" and report.filled_quantity == 100
    assert report.children == 4
    # children at bars 0-3 fill at the next bar's price: 101, 102, 103, 104 (mean 102.5)
    assert report.arrival_price == 100.0 and report.average_fill_price == pytest.approx(102.5)
    assert report.shortfall_bps == pytest.approx(250.0)
    assert report.fees == D("1.025") and report.fees_bps == pytest.approx(1.025)
    assert report.cost_bps == pytest.approx(251.025)
    assert report.end == report.start + pd.Timedelta(4 * MIN, "ns")


def test_twap_when_the_same_inputs_then_the_same_instructions() -> None:
    a, b = TWAP("GOOG", 10, bars=3), TWAP("GOOG", 10, bars=3)
    first, second = run_all(a, views(CLOSES)), run_all(b, views(CLOSES))
    assert sizes(first) == sizes(second) == [(0, "3"), (1, "3"), (2, "4")]
    assert a.to_state() == b.to_state()


def test_twap_when_over_a_duration_then_slices_are_due_by_time() -> None:
    algo = TWAP("GOOG", 40, duration="4min", slices=4)
    venue = run_all(algo, views(CLOSES, step=MIN // 2))  # a view every 30 s
    assert sizes(venue) == [(0, "10"), (2, "10"), (4, "10")]  # the 4th is due at 3 min
    assert algo.next_due_ns() == T0 + 3 * MIN and algo.is_active


def test_twap_sell_when_filled_below_arrival_then_shortfall_is_a_cost() -> None:
    algo = TWAP("GOOG", -20, bars=2)
    run_all(algo, views([100.0, 99.0, 98.0, 97.0]))
    report = algo.report()
    assert report.side == "SELL" and report.average_fill_price == pytest.approx(98.5)
    assert report.shortfall_bps == pytest.approx(150.0)


def test_iceberg_when_display_smaller_than_quantity_then_one_child_of_display_at_a_time(
) -> None:
    algo = Iceberg("GOOG", 100, display=30)
    venue = run_all(algo, views(CLOSES))
    assert sizes(venue) == [(0, "30"), (1, "30"), (2, "30"), (3, "10")]
    assert algo.report().status == "FILLED"


def test_pov_when_bars_trade_then_never_more_than_rate_of_volume_seen() -> None:
    algo = POV("GOOG", 250, rate=0.1)
    venue = run_all(algo, views(CLOSES, volume=1000.0))
    assert sizes(venue) == [(1, "100"), (2, "100"), (3, "50")]  # nothing before volume trades


def test_pov_when_counting_trades_then_bar_volume_is_not_counted() -> None:
    algo = POV("GOOG", 100, rate=0.5, volume="trades")
    venue = Venue()
    venue.begin(algo, MarketView(T0, 100.0))
    venue.step(algo, 1, MarketView(T0 + MIN, 100.0, volume=1000.0, bar=True))
    venue.step(algo, 2, MarketView(T0 + MIN + 1, 100.0, volume=40.0, bar=False))
    assert sizes(venue) == [(2, "20")]


def test_vwap_when_daily_history_then_children_follow_the_weekday_profile() -> None:
    monday = 19_723 * DAY_NS  # 2024-01-01, a Monday
    starts = [monday + d * DAY_NS for d in range(5)] + [monday + (7 + d) * DAY_NS
                                                        for d in range(5)]
    volumes = [10, 20, 30, 40, 50, 30, 20, 30, 40, 50]
    friday = monday + 18 * DAY_NS
    market = [MarketView(friday + i * DAY_NS, 100.0, volume=1.0, bar=True) for i in range(5)]
    algo = VWAP("GOOG", 100, bars=3)
    venue = run_all(algo, market, history=(starts, volumes))
    # weights Fri 50, Mon 20, Tue 20: cumulative floor(100 * 50/90) = 55, floor(100 * 70/90)
    assert sizes(venue) == [(0, "55"), (1, "22"), (2, "23")]


def test_vwap_when_started_without_history_then_validation_error() -> None:
    with pytest.raises(ValidationError) as error:
        VWAP("GOOG", 10, bars=3).begin("p", "s", MarketView(T0, 100.0))
    assert error.value.field == "history"


QUOTES = [(99.9, 100.1), (99.9, 100.1), (100.4, 100.6), (100.2, 100.6), (99.0, 99.2),
          (99.0, 99.2)]
LASTS = [100.0, 100.5, 100.5, 100.5, 99.1, 99.1]


def test_maker_when_the_market_moves_away_then_the_child_is_repegged_at_the_new_touch(
) -> None:
    algo = TWAP("GOOG", 10, bars=5, slices=1, mode="maker")
    venue = run_all(algo, [MarketView(T0 + i * MIN, LASTS[i], *QUOTES[i], 1.0, True)
                           for i in range(6)])
    assert venue.log == [
        (0, "submit", "10", D("99.9")),  # at the bid
        (2, "cancel", "c1", None),  # the bid rose to 100.4: away from the order
        (2, "submit", "10", D("100.4")),
        # at 3 the bid fell back to 100.2 (towards the order): left as it is; at 4 it fills
    ]
    assert algo.report().status == "FILLED" and algo.report().average_fill_price == 100.4


def test_maker_when_offset_and_tick_then_price_behind_the_touch_rounded_away() -> None:
    peg = Peg(offset_bps=10.0, offset_ticks=1, tick_size=D("0.05"))
    assert peg.price(+1, 100.0, 100.2, 100.1) == D("99.85")  # 99.9 floored, one tick lower
    assert peg.price(-1, 100.0, 100.2, 100.1) == D("100.40")  # 100.3002 ceiled, one tick up
    assert peg.price(+1, float("nan"), float("nan"), 50.0) == D("49.90")  # no quote: the last


def test_maker_when_repeg_band_then_small_moves_leave_the_child() -> None:
    peg = Peg(repeg_bps=5.0)
    assert not peg.moved_away(+1, D("100"), D("100.04"))
    assert peg.moved_away(+1, D("100"), D("100.06"))
    assert peg.moved_away(-1, D("100"), D("99.94"))


def test_window_when_it_ends_unfilled_then_the_rest_goes_as_market_or_expires() -> None:
    never = [MarketView(T0 + i * MIN, 101.0, 100.0, 101.0, 1.0, True) for i in range(4)]
    finish = TWAP("GOOG", 10, bars=2, mode="maker")
    venue = run_all(finish, never)
    assert venue.log[-2:] == [(2, "cancel", "c2", None), (2, "submit", "10", None)]
    assert finish.report().status == "FILLED"
    expire = TWAP("GOOG", 10, bars=2, mode="maker", finish="cancel")
    run_all(expire, never)
    report = expire.report()
    assert report.status == "EXPIRED" and report.reason == "the window ended with 10 unfilled"
    assert report.filled_quantity == 0


def test_child_when_denied_then_the_parent_stops_with_the_reason() -> None:
    algo = TWAP("GOOG", 100, bars=4)
    venue = run_all(algo, views(CLOSES), venue=Venue(deny=lambda d, n: n == 3))
    report = algo.report()
    assert report.status == "STOPPED" and report.denied == 1
    assert report.reason == "child c3 denied: max_position: over the limit"
    assert report.filled_quantity == 50 and len(sizes(venue)) == 3


def test_cancel_when_a_child_works_then_it_is_canceled_and_the_parent_ends() -> None:
    algo = TWAP("GOOG", 10, bars=2, mode="maker")
    venue = Venue()
    venue.begin(algo, MarketView(T0, 100.0, 99.0, 100.0))
    algo.cancel("the signal went away")
    venue.act(algo, 0)
    assert venue.log[-1] == (0, "cancel", "c1", None)
    assert algo.status == "CANCELED" and algo.reason == "the signal went away"


def test_taker_when_limit_given_then_children_are_limit_orders_at_it() -> None:
    algo = TWAP("GOOG", 10, bars=2, limit=100.5)
    venue = run_all(algo, views([100.0, 101.0, 100.0, 100.0]))
    assert [p for _, what, _, p in venue.log if what == "submit"] == [D("100.5")] * 2
    assert algo.report().filled_quantity == 10  # the first filled once the price came back


def _scenarios() -> list[tuple[str, object, list[MarketView], object]]:
    quoted = [MarketView(T0 + i * MIN, LASTS[i % 6], *QUOTES[i % 6], 100.0 + i, True)
              for i in range(12)]
    monday = 19_723 * DAY_NS
    history = ([monday + d * DAY_NS for d in range(10)], [float(10 + d) for d in range(10)])
    daily = [MarketView(monday + (10 + i) * DAY_NS, 100.0 + (i % 3), volume=50.0, bar=True)
             for i in range(10)]
    return [
        ("twap", lambda: TWAP("GOOG", 100, bars=6), views(CLOSES * 2), None),
        ("twap-maker", lambda: TWAP("GOOG", 60, bars=8, mode="maker",
                                    peg=Peg(offset_bps=1.0)), quoted, None),
        ("vwap", lambda: VWAP("GOOG", 100, bars=5), daily, history),
        ("iceberg-maker", lambda: Iceberg("GOOG", -50, display=20, mode="maker"), quoted,
         None),
        ("pov", lambda: POV("GOOG", 90, rate=0.2, bars=6), quoted, None),
    ]


@pytest.mark.parametrize("name, make, market, history", _scenarios(),
                         ids=[s[0] for s in _scenarios()])
@pytest.mark.parametrize("cut", [1, 3, 5])
def test_state_when_saved_mid_schedule_and_resumed_then_the_same_as_uninterrupted(
        name: str, make: object, market: list[MarketView], history: object, cut: int) -> None:
    whole = make()  # type: ignore[operator]
    reference = run_all(whole, market, history)

    first = make()  # type: ignore[operator]
    venue = Venue()
    venue.begin(first, market[0], history)
    for i in range(1, cut):
        venue.step(first, i, market[i])
    saved = json.loads(json.dumps(first.to_state()))  # plain JSON
    resumed = algorithm_from_state(saved)
    assert resumed.to_state() == first.to_state()
    for i in range(cut, len(market)):
        venue.step(resumed, i, market[i])

    assert venue.log == reference.log
    assert resumed.to_state() == whole.to_state()
    assert _same_report(resumed.report(), whole.report())


def _same_report(a: object, b: object) -> bool:
    left, right = a.__plain__(), b.__plain__()  # type: ignore[attr-defined]
    return all(left[k] == right[k] or left[k] != left[k] and right[k] != right[k]
               for k in left)  # NaN == NaN here


def test_state_when_pickled_mid_schedule_then_it_continues() -> None:
    algo = TWAP("GOOG", 100, bars=4)
    venue = Venue()
    venue.begin(algo, views(CLOSES)[0])
    venue.step(algo, 1, views(CLOSES)[1])
    copy = pickle.loads(pickle.dumps(algo))
    for i, view in enumerate(views(CLOSES)[2:], start=2):
        venue.step(copy, i, view)
    assert copy.report().status == "FILLED" and copy.report().filled_quantity == 100


@pytest.mark.parametrize("make, field", [
    (lambda: TWAP("GOOG", 0, bars=2), "quantity"),
    (lambda: TWAP("GOOG", 10, bars=2, mode="passive"), "mode"),
    (lambda: TWAP("GOOG", 10, duration="1h"), "slices"),
    (lambda: TWAP("GOOG", 10), "duration"),
    (lambda: TWAP("GOOG", 10, bars=2, duration="1h"), "bars"),
    (lambda: TWAP("GOOG", 10, duration="-5min", slices=2), "duration"),
    (lambda: TWAP("GOOG", 10.5, bars=2), "quantity"),
    (lambda: TWAP("GOOG", 10, bars=2, finish="hold"), "finish"),
    (lambda: Iceberg("GOOG", 10, display=20), "display"),
    (lambda: POV("GOOG", 10, rate=1.5), "rate"),
    (lambda: POV("GOOG", 10, rate=0.1, volume="quotes"), "volume"),
    (lambda: VWAP("GOOG", 10, bars=2, lookback=1), "lookback"),
    (lambda: Peg(offset_ticks=1), "tick_size"),
])
def test_construct_when_an_argument_is_wrong_then_validation_error_names_it(
        make: object, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        make()  # type: ignore[operator]
    assert error.value.field == field


def test_begin_when_no_price_yet_or_twice_then_validation_error() -> None:
    algo = TWAP("GOOG", 10, bars=2)
    with pytest.raises(ValidationError) as no_price:
        algo.begin("p", "s", MarketView(T0, float("nan")))
    assert no_price.value.field == "symbol"
    algo.begin("p", "s", MarketView(T0, 100.0))
    with pytest.raises(ValidationError):
        algo.begin("p", "s", MarketView(T0, 100.0))


def test_child_when_canceled_by_someone_else_then_the_parent_stops_and_sends_no_more() -> None:
    algo = TWAP("GOOG", 20, bars=2, mode="maker")
    venue = Venue()
    venue.begin(algo, MarketView(T0, 100.0, 99.0, 100.0))
    algo.child_update("c1", "CANCELED", D(0), D(0), D(0), "kill switch")  # not asked for
    venue.act(algo, 0)
    assert algo.status == "STOPPED"
    assert algo.reason == "child c1 canceled outside the algorithm: kill switch"
    assert len(sizes(venue)) == 1


def test_child_when_a_fill_arrives_after_it_ended_then_the_parent_counts_it() -> None:
    algo = Iceberg("GOOG", 30, display=10, mode="maker")
    venue = Venue()
    venue.begin(algo, MarketView(T0, 100.0, 99.0, 100.0))
    algo.child_canceling("c1")
    algo.child_update("c1", "CANCELED", D(0), D(0), D(0))
    algo.child_update("c1", "CANCELED", D(4), D(396), D("0.04"))  # the cancel lost the race
    report = algo.report()
    assert report.filled_quantity == 4 and report.average_fill_price == 99.0
    assert report.status == "WORKING"


@settings(max_examples=40, deadline=None)
@given(
    lots=st.integers(1, 500),
    lot=st.sampled_from(["1", "0.5", "0.001"]),
    bars=st.integers(1, 8),
    slices=st.integers(1, 8),
    sell=st.booleans(),
    moves=st.lists(st.floats(-0.02, 0.02), min_size=12, max_size=12),
    cut=st.integers(1, 11),
)
def test_twap_property_when_any_size_and_schedule_then_exact_total_and_resumable(
        lots: int, lot: str, bars: int, slices: int, sell: bool, moves: list[float],
        cut: int) -> None:
    quantity = lots * D(lot) * (-1 if sell else 1)
    closes = [100.0]
    for move in moves:
        closes.append(round(closes[-1] * (1 + move), 4))
    market = views(closes)

    def make() -> TWAP:
        return TWAP("GOOG", quantity, bars=bars, slices=slices, lot=lot)

    whole = make()
    reference = run_all(whole, market)
    sent = [D(q) for _, what, q, _ in reference.log if what == "submit"]
    assert sum(sent) == abs(quantity) and all(q > 0 and q % D(lot) == 0 for q in sent)
    assert whole.report().filled_quantity == abs(quantity) and whole.status == "FILLED"

    first = make()
    venue = Venue()
    venue.begin(first, market[0])
    for i in range(1, cut):
        venue.step(first, i, market[i])
    resumed = algorithm_from_state(json.loads(json.dumps(first.to_state())))
    for i in range(cut, len(market)):
        venue.step(resumed, i, market[i])
    assert venue.log == reference.log and resumed.to_state() == whole.to_state()
