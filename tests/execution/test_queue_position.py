"""Queue position of resting limit orders: the pure model, and the simulated venue filling
limit orders from L2 books and prints (with the real order router, manager and ledger)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.book import BookLevel, BookUpdate, Side, Trade
from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Order, OrderStatus
from signaltrust.execution.ledger import Ledger
from signaltrust.execution.manager import OrderManager
from signaltrust.execution.models import FixedLatency, PercentFee
from signaltrust.execution.portfolio import Portfolio
from signaltrust.execution.queue import QueueModel
from signaltrust.execution.router import OrderRouter
from signaltrust.execution.simulated import SimulatedVenue
from signaltrust.trading.clock import SimulatedClock

T0 = 1_700_000_000_000_000_000
SYMBOL = "X"


# -- the model on its own -----------------------------------------------------------------------
def test_join_when_500_displayed_then_fills_only_after_500_trade_at_its_price():
    queue = QueueModel().join(1, 100.0, 500.0)
    assert queue.on_trade(100.0, 300.0, 10.0) == 0.0
    assert queue.ahead == 200.0
    assert queue.on_trade(100.0, 200.0, 10.0) == 0.0  # exactly the queue ahead: not yet
    assert queue.ahead == 0.0
    assert queue.on_trade(100.0, 4.0, 10.0) == 4.0  # the first print beyond it


def test_trade_when_volume_exceeds_queue_ahead_then_partial_fill_from_the_surplus():
    queue = QueueModel().join(-1, 101.0, 50.0)
    assert queue.on_trade(101.0, 53.0, 10.0) == 3.0
    assert queue.on_trade(101.0, 100.0, 7.0) == 7.0  # the rest, capped at what remains


def test_level_when_size_added_then_it_joins_behind_and_never_advances_the_order():
    queue = QueueModel().join(1, 100.0, 500.0)
    queue.on_level(800.0)
    assert (queue.ahead, queue.behind) == (500.0, 300.0)


def test_cancels_behind_when_conservative_model_then_queue_ahead_unchanged():
    queue = QueueModel("behind").join(1, 100.0, 500.0)
    queue.on_level(800.0)  # 300 joined behind
    queue.on_level(550.0)  # 250 canceled: all from behind
    assert (queue.ahead, queue.behind) == (500.0, 50.0)
    queue.on_level(400.0)  # more left than stood behind: the rest was ahead
    assert (queue.ahead, queue.behind) == (400.0, 0.0)


def test_cancels_when_pro_rata_then_split_by_the_sizes_ahead_and_behind():
    queue = QueueModel("pro_rata").join(1, 100.0, 600.0)
    queue.on_level(800.0)  # 200 behind
    queue.on_level(700.0)  # 100 canceled: 3/4 ahead, 1/4 behind
    assert queue.ahead == pytest.approx(525.0)
    assert queue.behind == pytest.approx(175.0)
    power = QueueModel("pro_rata", power=2.0).join(1, 100.0, 600.0)
    power.on_level(800.0)
    power.on_level(700.0)  # 600^2 / (600^2 + 200^2) = 0.9 of the cancel ahead
    assert power.ahead == pytest.approx(510.0)


def test_cancels_when_nobody_behind_then_they_were_ahead_in_either_model():
    for model in (QueueModel("behind"), QueueModel("pro_rata")):
        queue = model.join(1, 100.0, 500.0)
        queue.on_level(350.0)
        assert queue.ahead == 350.0


def test_trade_through_the_price_then_fills_up_to_the_print():
    queue = QueueModel().join(1, 100.0, 10_000.0)
    assert queue.on_trade(99.99, 7.0, 10.0) == 7.0  # sold below the bid: the level went
    assert queue.ahead == 0.0
    assert queue.on_trade(100.01, 5.0, 3.0) == 0.0  # above a buy's price: not for it


def test_trades_then_book_update_are_not_counted_twice():
    queue = QueueModel().join(1, 100.0, 500.0)
    queue.on_trade(100.0, 200.0, 10.0)
    queue.on_level(300.0)  # the book shows the 200 traded: no cancel, no new size
    assert (queue.ahead, queue.behind) == (300.0, 0.0)


events = st.lists(st.tuples(st.sampled_from(["trade", "add", "cancel"]),
                            st.floats(0.0, 300.0)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 1_000.0), st.floats(1.0, 100.0), events)
def test_property_when_conservative_then_fills_start_exactly_past_the_queue(queue_ahead,
                                                                          quantity, stream):
    # size only added behind and trades: the order fills exactly the volume beyond the queue
    queue = QueueModel("behind").join(1, 100.0, queue_ahead)
    filled = traded = 0.0
    for kind, size in stream:
        if kind == "trade":
            traded += size
            filled += queue.on_trade(100.0, size, quantity - filled)
        elif kind == "add":
            queue.on_level(queue.level + size)
        assert queue.ahead >= 0.0 and queue.behind >= 0.0
    assert filled == pytest.approx(min(quantity, max(traded - queue_ahead, 0.0)), abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([QueueModel("behind"), QueueModel("pro_rata"),
                        QueueModel("pro_rata", power=3.0)]),
       st.floats(0.0, 1_000.0), st.floats(1.0, 100.0), events)
def test_property_when_any_stream_then_the_queue_matches_the_book_and_fills_are_bounded(
        model, queue_ahead, quantity, stream):
    queue = model.join(-1, 101.0, queue_ahead)
    filled = traded = 0.0
    for kind, size in stream:
        before = queue.ahead
        if kind == "trade":
            traded += size
            filled += queue.on_trade(101.0, size, quantity - filled)
        else:
            level = queue.level + size if kind == "add" else max(queue.level - size, 0.0)
            queue.on_level(level)
            assert queue.level == pytest.approx(level)  # ahead + behind is what the book shows
            assert queue.ahead <= before + 1e-9  # the queue ahead never grows
        assert queue.ahead >= 0.0 and queue.behind >= 0.0
    assert filled <= min(quantity, traded) + 1e-9


def test_model_when_arguments_wrong_then_validation_error_names_them():
    with pytest.raises(ValidationError) as err:
        QueueModel("front")
    assert err.value.field == "cancels"
    with pytest.raises(ValidationError) as err:
        QueueModel("pro_rata", power=0)
    assert err.value.field == "power"
    with pytest.raises(ValidationError) as err:
        QueueModel().join(1, 100.0, -5.0)
    assert err.value.field == "displayed"


# -- the simulated venue ------------------------------------------------------------------------
class Desk:
    """A simulated venue behind the real order path: manager, ledger, portfolio, router."""

    def __init__(self, venue: SimulatedVenue | None = None) -> None:
        self.clock = SimulatedClock(T0)
        self.venue = venue if venue is not None else SimulatedVenue()
        ledger = Ledger({"USD": Decimal(1_000_000)})
        self.manager = OrderManager()
        self.portfolio = Portfolio(ledger, (SYMBOL,))
        self.router = OrderRouter(self.manager, ledger, self.portfolio, self.clock, self.venue)
        self.venue.bind_account(self.portfolio, self.manager)
        self.fills: list[tuple[str, Decimal, Decimal, str]] = []
        self.router.on_fill = lambda order, fill: self.fills.append(
            (order.client_order_id, fill.quantity, fill.price, fill.liquidity.value))
        self.seq = 0
        self.n = 0

    def at(self, ns: int) -> None:
        self.clock.advance(T0 + ns)

    def book(self, bids, asks, *, snapshot=False, ns=0) -> None:
        self.at(ns)
        self.seq += 1
        self.venue.on_book(BookUpdate(
            SYMBOL, T0 + ns, self.seq, tuple(BookLevel(p, s) for p, s in bids),
            tuple(BookLevel(p, s) for p, s in asks), snapshot))

    def trade(self, price, size, side=Side.UNKNOWN, ns=0) -> None:
        self.at(ns)
        self.venue.on_trade(Trade(SYMBOL, T0 + ns, price, size, side))

    def limit(self, side, quantity, price, tif="GTC", ns=0) -> Order:
        self.at(ns)
        self.n += 1
        order = Order(f"o{self.n}", SYMBOL, side, Decimal(quantity), "LIMIT",
                      limit_price=Decimal(str(price)), time_in_force=tif)
        self.router.submit(order)
        return order


def _desk_with_book(**kwargs) -> Desk:
    desk = Desk(SimulatedVenue(**kwargs))
    desk.book([(100.0, 500.0), (99.0, 800.0)], [(101.0, 40.0), (102.0, 60.0)], snapshot=True)
    return desk


def test_venue_when_order_behind_500_then_fills_only_after_500_traded_at_its_price():
    desk = _desk_with_book()
    order = desk.limit("BUY", 10, 100.0)
    assert desk.venue.queue_position(order.client_order_id).ahead == 500.0
    desk.trade(100.0, 499.0, Side.SELL, ns=1)
    assert desk.fills == []
    desk.trade(100.0, 4.0, Side.SELL, ns=2)  # 3 beyond the queue: a partial fill
    assert desk.fills == [("o1", Decimal(3), Decimal(100), "maker")]
    desk.trade(100.0, 50.0, Side.SELL, ns=3)
    assert [f[1] for f in desk.fills] == [Decimal(3), Decimal(7)]
    assert order.status is OrderStatus.FILLED
    assert desk.venue.queue_position(order.client_order_id) is None  # no longer resting


def test_venue_when_buy_prints_at_its_bid_then_a_resting_buy_does_not_advance():
    desk = _desk_with_book()
    order = desk.limit("BUY", 10, 100.0)
    desk.trade(100.0, 600.0, Side.BUY, ns=1)  # a buyer lifting an ask: not our queue
    assert desk.fills == []
    assert desk.venue.queue_position(order.client_order_id).ahead == 500.0


def test_venue_when_cancels_behind_then_the_order_does_not_advance():
    desk = _desk_with_book()
    order = desk.limit("BUY", 10, 100.0)
    desk.book([(100.0, 900.0)], [], ns=1)  # 400 joined behind
    desk.book([(100.0, 600.0)], [], ns=2)  # 300 canceled: behind it (conservative model)
    assert desk.venue.queue_position(order.client_order_id).ahead == 500.0
    desk.trade(100.0, 500.0, Side.SELL, ns=3)
    assert desk.fills == []
    desk.trade(100.0, 1.0, Side.SELL, ns=4)
    assert desk.fills[0][1] == Decimal(1)


def test_venue_when_pro_rata_model_then_cancels_advance_the_order_by_its_share():
    desk = _desk_with_book(queue=QueueModel("pro_rata"))
    order = desk.limit("BUY", 10, 100.0)
    desk.book([(100.0, 1000.0)], [], ns=1)  # 500 behind
    desk.book([(100.0, 800.0)], [], ns=2)  # 200 canceled: half ahead
    assert desk.venue.queue_position(order.client_order_id).ahead == pytest.approx(400.0)


def test_venue_when_limit_marketable_then_takes_displayed_depth_and_rests_the_rest():
    desk = _desk_with_book(fees=PercentFee(0.001))
    order = desk.limit("BUY", 120, 102.0)
    # 40 at 101 and 60 at 102 taken (taker), 20 rest at 102 at the front of an empty level
    assert [(f[1], f[2], f[3]) for f in desk.fills] == [
        (Decimal(40), Decimal(101), "taker"), (Decimal(60), Decimal(102), "taker")]
    assert order.filled_quantity == 100
    assert desk.venue.queue_position(order.client_order_id).ahead == 0.0
    # the displayed asks were taken: a second buy finds nothing until the level refreshes
    second = desk.limit("BUY", 5, 102.0, tif="IOC")
    assert second.status is OrderStatus.CANCELED and second.filled_quantity == 0
    desk.book([], [(101.0, 30.0)], ns=1)
    third = desk.limit("BUY", 5, 101.0, tif="IOC", ns=1)
    assert third.filled_quantity == 5


def test_venue_when_fok_cannot_fill_from_the_display_then_canceled_unfilled():
    desk = _desk_with_book()
    order = desk.limit("BUY", 150, 102.0, tif="FOK")
    assert order.status is OrderStatus.CANCELED and desk.fills == []


def test_venue_when_latency_then_the_order_joins_the_queue_of_when_it_arrives():
    desk = _desk_with_book(latency=FixedLatency(5))
    order = desk.limit("BUY", 10, 100.0)
    assert desk.venue.queue_position(order.client_order_id) is None  # still on its way
    desk.book([(100.0, 700.0)], [], ns=5)
    assert desk.venue.queue_position(order.client_order_id).ahead == 700.0


def test_venue_when_two_own_orders_at_one_price_then_the_later_waits_for_the_earlier():
    desk = _desk_with_book()
    first = desk.limit("BUY", 10, 100.0)
    desk.book([(100.0, 600.0)], [], ns=1)  # 100 more behind the first
    second = desk.limit("BUY", 10, 100.0, ns=1)
    desk.trade(100.0, 505.0, Side.SELL, ns=2)  # 500 ahead of the first, then 5 of it
    assert first.filled_quantity == 5 and second.filled_quantity == 0
    desk.trade(100.0, 8.0, Side.SELL, ns=3)  # 5 more of the first, 3 of the 100 between
    assert first.filled_quantity == 10 and second.filled_quantity == 0
    assert desk.venue.queue_position(second.client_order_id).ahead == 97.0
    desk.trade(100.0, 100.0, Side.SELL, ns=4)
    assert second.filled_quantity == 3


def test_venue_when_canceled_then_it_leaves_the_queue():
    desk = _desk_with_book()
    order = desk.limit("BUY", 10, 100.0)
    desk.router.cancel(order.client_order_id)
    assert desk.venue.queue_position(order.client_order_id) is None
    desk.trade(99.0, 100.0, Side.SELL, ns=1)
    assert desk.fills == []


def test_venue_when_no_book_data_then_prints_fill_nothing_and_bars_decide():
    desk = Desk()
    order = desk.limit("BUY", 10, 100.0)
    desk.trade(99.0, 100.0, Side.SELL, ns=1)
    assert desk.fills == [] and desk.venue.queue_position(order.client_order_id) is None
    desk.venue.match_range(0, 100.5, 101.0, 99.5, 1_000.0, T0 + 2, T0 + 2)
    assert desk.fills == [("o1", Decimal(10), Decimal(100), "maker")]


def test_venue_when_book_data_then_the_bar_range_no_longer_fills_limits():
    desk = _desk_with_book()
    order = desk.limit("BUY", 10, 100.0)
    desk.venue.match_range(0, 100.5, 101.0, 99.5, 1_000.0, T0 + 2, T0 + 2)
    assert desk.fills == [] and order.is_open


def test_venue_when_bad_book_or_print_then_validation_error_names_the_field():
    desk = _desk_with_book()
    with pytest.raises(ValidationError) as err:
        desk.venue.on_book(BookUpdate("NOPE", T0, 99, snapshot=True))
    assert err.value.field == "symbol"
    with pytest.raises(ValidationError) as err:
        desk.venue.on_book(BookUpdate(SYMBOL, T0, 1, (BookLevel(100.0, 1.0),)))
    assert err.value.field == "seq"
    with pytest.raises(ValidationError) as err:
        desk.trade(100.0, -3.0)
    assert err.value.field == "size"


def _replay(model: QueueModel) -> list[tuple[str, Decimal, Decimal, str]]:
    desk = _desk_with_book(queue=model)
    desk.limit("BUY", 30, 100.0)
    desk.limit("SELL", 25, 101.0)
    for i in range(1, 200):
        bid_size = 300.0 + (i * 37) % 400
        ask_size = 20.0 + (i * 11) % 90
        desk.book([(100.0, bid_size)], [(101.0, ask_size)], ns=2 * i)
        price, side = (100.0, Side.SELL) if i % 3 else (101.0, Side.BUY)
        desk.trade(price, 10.0 + (i * 7) % 50, side, ns=2 * i + 1)
    return desk.fills


def test_venue_when_the_same_stream_replayed_then_the_same_fills():
    for model in (QueueModel("behind"), QueueModel("pro_rata")):
        first = _replay(model)
        assert first  # the stream does reach the orders
        assert _replay(model) == first
    # cancels split pro rata can only move the orders forward: at least as much fills
    behind = sum(f[1] for f in _replay(QueueModel("behind")))
    assert sum(f[1] for f in _replay(QueueModel("pro_rata"))) >= behind
