"""Book data through the trading core (``on_book``, ``on_trade``, ``on_quote``): in a replay a
resting limit order fills only once the queue ahead of it traded; execution algorithms size
their children from the touch; a paper account fed the same events makes the same fills."""

from __future__ import annotations

import pickle
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from signaltrust.backtest import run_strategy
from signaltrust.backtest.replay.feed import TICK, HistoricalBarFeed
from signaltrust.core.book import BookLevel, BookUpdate, Quote, Side, Trade
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar, Tick
from signaltrust.core.orders import Order
from signaltrust.execution import SimulatedVenue
from signaltrust.execution.algos import TWAP, BookSizing, Iceberg
from signaltrust.execution.liquidity_policy import LiquidityPolicy
from signaltrust.live.account import NodeAccount, Outputs
from signaltrust.live.config import AccountConfig, StrategyConfig
from signaltrust.strategy import Context, Strategy
from signaltrust.trading import MarketData, TradingCore
from signaltrust.trading.clock import SimulatedClock

SYMBOL = "X"
T0 = pd.Timestamp("2024-01-02 09:30", tz="UTC")
SEC = pd.Timedelta(seconds=1)
MIN = pd.Timedelta(minutes=1)


def bars(n: int = 6, low: float = 99.5) -> pd.DataFrame:
    """Minute bars whose range always reaches 100.0 (a bar-range fill would fill a limit
    there at once)."""
    index = pd.date_range(T0, periods=n, freq="1min")
    return pd.DataFrame({"open": 100.05, "high": 100.2, "low": low, "close": 100.05,
                         "volume": 1_000.0}, index=index)


def book_rows(times: list[pd.Timestamp], bid: float = 100.0, bid_size: float = 50.0,
              ask: float = 100.1, ask_size: float = 40.0) -> pd.DataFrame:
    """One snapshot per time (tick-data ``book`` schema): two levels a side."""
    rows = []
    for seq, ts in enumerate(times, start=1):
        rows += [(ts, seq, 1, bid, bid_size, True), (ts, seq, 1, bid - 0.1, 30.0, True),
                 (ts, seq, -1, ask, ask_size, True), (ts, seq, -1, ask + 0.1, 60.0, True)]
    frame = pd.DataFrame(rows, columns=["ts", "seq", "side", "price", "size", "snapshot"])
    frame.attrs["kind"] = "book"
    return frame


def prints(rows: list[tuple[pd.Timestamp, float, float, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["ts", "price", "size", "side"])
    frame.attrs["kind"] = "trades"
    return frame


class RestsAtBid(Strategy):
    """Buys 10 with a limit at 100.0 at the first bar's close and leaves it resting."""

    def on_start(self, ctx: Context) -> None:
        self.placed = False

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        if not self.placed:
            ctx.buy(bar.symbol, 10, type="limit", limit=100.0)
            self.placed = True


# the queue ahead at 100.0 is the 50 displayed when the order arrives (09:31:01); sell
# aggressors print 30, 15 (45 traded: 5 still ahead), 10 (5 ahead, 5 fill) and 10 (the rest)
QUEUE_TICKS = {SYMBOL: [
    book_rows([T0 + MIN + SEC]),
    prints([(T0 + MIN + 10 * SEC, 100.0, 30.0, -1), (T0 + MIN + 20 * SEC, 100.0, 15.0, -1),
            (T0 + MIN + 30 * SEC, 100.0, 10.0, -1), (T0 + MIN + 40 * SEC, 100.0, 10.0, -1)]),
]}


def _fills(result: Any) -> list[tuple[float, float, pd.Timestamp]]:
    table = result.fills
    return list(zip(table["quantity"], table["price"], table["timestamp"], strict=True))


def test_replay_when_book_and_prints_then_the_limit_fills_only_after_the_queue_ahead_traded():
    result = run_strategy({SYMBOL: bars()}, RestsAtBid(), ticks=QUEUE_TICKS)
    assert _fills(result) == [(5.0, 100.0, T0 + MIN + 30 * SEC), (5.0, 100.0, T0 + MIN + 40 * SEC)]
    order = result.order_log.iloc[0]
    assert (order["status"], order["filled"]) == ("FILLED", 10.0)
    # the fills are booked like any other: the position and the fees of maker fills at 100
    assert result.positions.iloc[-1].item() == pytest.approx(10.0)


def test_replay_when_no_book_data_then_the_bar_range_fills_the_limit_as_before():
    plain = run_strategy({SYMBOL: bars()}, RestsAtBid())
    assert _fills(plain) == [(10.0, 100.0, T0 + MIN)]  # bar 2 opens at 09:31 and reaches 100
    # prints without a book change nothing: the strategies see them, the bar fills (booked
    # at the core's time, which the prints moved on)
    with_prints = run_strategy({SYMBOL: bars()}, RestsAtBid(),
                               ticks={SYMBOL: QUEUE_TICKS[SYMBOL][1]})
    assert [f[:2] for f in _fills(with_prints)] == [(10.0, 100.0)]


def test_replay_when_prints_never_reach_past_the_queue_then_the_order_rests_unfilled():
    ticks = {SYMBOL: [QUEUE_TICKS[SYMBOL][0],
                      prints([(T0 + MIN + 10 * SEC, 100.0, 30.0, -1),
                              (T0 + MIN + 20 * SEC, 100.0, 20.0, -1)])]}  # exactly the 50
    result = run_strategy({SYMBOL: bars()}, RestsAtBid(), ticks=ticks)
    assert result.fills.empty
    assert result.order_log.iloc[0]["status"] == "ACCEPTED"


# -- execution algorithms sized from the touch ---------------------------------------------------
POLICY = LiquidityPolicy(max_take_of_depth=0.2)  # 20 % of the 40 at the ask: 8 a child


class Executes(Strategy):
    """Starts ``algo`` (set on the class) at the second bar's close (the book is known)."""

    algo: Any = None

    def on_start(self, ctx: Context) -> None:
        self.parent, self.seen = None, 0

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        self.seen += 1
        if self.parent is None and self.seen == 2:
            self.parent = ctx.execute(type(self).algo())


class ExecutesTwap(Executes):
    algo = staticmethod(lambda: TWAP(SYMBOL, 100, bars=3, book=BookSizing(POLICY)))


class ExecutesIceberg(Executes):
    algo = staticmethod(lambda: Iceberg(SYMBOL, 60, display=20, book=BookSizing(POLICY)))


class ExecutesTwapWithoutBook(Executes):
    algo = staticmethod(lambda: TWAP(SYMBOL, 100, bars=3))


def busy_book(n_bars: int = 8) -> dict[str, list[pd.DataFrame]]:
    """A snapshot every 10 s from 09:31 (the ask refills to 40 at 100.1)."""
    times = [T0 + MIN + 10 * i * SEC + SEC for i in range(6 * (n_bars - 1))]
    return {SYMBOL: [book_rows(times)]}


def _children(strategy: type[Strategy], ticks: Any) -> tuple[list[tuple[Decimal, float]], Any]:
    """Each child's quantity with the ask size the algorithm saw when it was sent."""
    sent: list[tuple[Decimal, float]] = []

    def attach(core: TradingCore) -> None:
        def listen(event: Any) -> None:
            if event.previous_status is None:
                order = core.manager.find(event.client_order_id)
                sent.append((order.quantity, core.algos.touches.get(0)[3]))
        core.add_order_listener(listen)

    result = run_strategy({SYMBOL: bars(8)}, strategy(), ticks=ticks, attach=attach)
    return sent, result


@pytest.mark.parametrize("strategy, quantity", [(ExecutesTwap, 100), (ExecutesIceberg, 60)])
def test_algorithm_in_the_core_when_book_data_then_no_child_exceeds_the_touch_share(
        strategy: type[Strategy], quantity: int):
    sent, result = _children(strategy, busy_book())
    assert sent and all(q <= Decimal(repr(0.2 * size)).quantize(Decimal(1)) for q, size in sent)
    assert max(q for q, _ in sent) == 8
    assert result.order_log["filled"].sum() == quantity  # the parent completed
    assert set(result.fills["price"]) == {100.1}  # taken at the ask, never beyond it


def test_twap_when_the_window_ends_then_the_finish_is_sized_from_the_book_too():
    # snapshots only during the first two bars: by the window's end (3 bars) the TWAP is
    # behind; its finish goes in touch-sized limit orders at the ask, not one market order
    times = [T0 + MIN + 30 * SEC * i + SEC for i in range(4)] + [
        T0 + 4 * MIN + 10 * i * SEC + SEC for i in range(12)]
    sent, result = _children(ExecutesTwap, {SYMBOL: [book_rows(times)]})
    log = result.order_log
    after = log[log["created_at"] >= T0 + 5 * MIN]  # the window (3 bars from 09:32) ended
    assert len(after) >= 2 and (after["type"] == "LIMIT").all()
    assert (log["type"] == "LIMIT").all() and all(q <= 8 for q, _ in sent)
    assert log["filled"].sum() == 100


def test_algorithm_when_no_book_data_then_children_are_the_schedule_market_orders():
    sent, result = _children(ExecutesTwapWithoutBook, None)
    assert [q for q, _ in sent] == [33, 33, 34]  # whole slices, no touch sizes known
    assert (result.order_log["type"] == "MARKET").all()


def test_quote_with_sizes_when_an_algorithm_runs_then_children_fit_the_quoted_ask():
    index = [T0 + MIN + i * 15 * SEC + SEC for i in range(4 * 7)]
    quotes = pd.DataFrame({"ts": index, "bid": 100.0, "ask": 100.1, "bid_size": 50.0,
                           "ask_size": 25.0})
    quotes.attrs["kind"] = "quotes"
    sent, _ = _children(ExecutesTwap, {SYMBOL: [quotes]})
    assert sent and all(q <= 5 for q, _ in sent)  # 20 % of 25


# -- the same run on a paper account --------------------------------------------------------------
def _paper(strategy: str, frame: pd.DataFrame, ticks: Any) -> NodeAccount:
    """A paper node's account fed the replay's bars and ticks, as a node steps it."""
    config = AccountConfig(strategies=[StrategyConfig(spec=strategy)])
    account = NodeAccount("node", config, MarketData.replay({SYMBOL: frame}, precompute=False),
                          SimulatedClock(-(2**62)), Outputs())
    for _, kind, payload in HistoricalBarFeed({SYMBOL: frame}, ticks=ticks).events():
        if kind == TICK:
            account.on_market(payload)
        else:
            account.on_bars(payload)
    return account


@pytest.mark.parametrize("spec, frame, ticks", [
    ("tests.trading.test_books:RestsAtBid", bars(), QUEUE_TICKS),
    ("tests.trading.test_books:ExecutesTwap", bars(8), busy_book()),
])
def test_paper_account_when_fed_the_same_book_events_then_the_replay_fills(spec, frame, ticks):
    name = spec.rpartition(":")[2]
    cls = {"RestsAtBid": RestsAtBid, "ExecutesTwap": ExecutesTwap}[name]
    replayed = run_strategy({SYMBOL: frame}, cls(), ticks=ticks, strategy_id=name)
    account = _paper(spec, frame, ticks)
    paper = [(float(f.quantity), float(f.price), f.timestamp) for f in account.core.manager.fills]
    assert paper and paper == _fills(replayed)


# -- the core's events themselves ----------------------------------------------------------------
def _core() -> TradingCore:
    market = MarketData.replay({SYMBOL: bars()}, precompute=False)
    core = TradingCore(market, SimulatedVenue())
    core.start()
    return core


def _snapshot(seq: int, ts: int, ask_size: float = 40.0) -> BookUpdate:
    return BookUpdate(SYMBOL, ts, seq, (BookLevel(100.0, 50.0),),
                      (BookLevel(100.1, ask_size),), snapshot=True)


def test_on_book_when_a_message_is_out_of_sequence_then_refused_naming_seq_and_nothing_changes():
    core = _core()
    ts = T0.value
    core.on_book(_snapshot(5, ts))
    with pytest.raises(ValidationError) as error:
        core.on_book(_snapshot(4, ts + 1, ask_size=1.0))
    assert error.value.field == "seq"
    assert core.algos.touches.get(0) == (100.0, 100.1, 50.0, 40.0)
    assert core.simulator.queues.books[0].seq == 5  # the venue never saw it


def test_on_market_when_not_market_data_then_refused_naming_the_event():
    with pytest.raises(ValidationError) as error:
        _core().on_market("a print")  # type: ignore[arg-type]
    assert error.value.field == "event"


def test_plain_quote_after_a_sized_one_then_the_sizes_are_unknown_not_carried_over():
    core = _core()
    core.on_quote(Quote(SYMBOL, T0.value, 100.0, 100.1, 7.0, 9.0))
    assert core.algos.touches.get(0)[2:] == (7.0, 9.0)
    core.on_tick(Tick(SYMBOL, T0.value + 1, "quote", bid=100.0, ask=100.2))
    bid, ask, bid_size, ask_size = core.algos.touches.get(0)
    assert (bid, ask) == (100.0, 100.2) and bid_size != bid_size and ask_size != ask_size


def test_core_when_pickled_with_book_state_then_it_continues_the_queue():
    core = _core()
    core.on_bar(Bar(SYMBOL, T0.value, (T0 + MIN).value, 100.05, 100.2, 99.5, 100.05, 1e3))
    core.router.submit(Order("o-1", SYMBOL, "BUY", Decimal(10), "LIMIT",
                             limit_price=Decimal("100.0")))
    core.on_book(_snapshot(1, (T0 + MIN + SEC).value))
    core.on_trade(Trade(SYMBOL, (T0 + MIN + 2 * SEC).value, 100.0, 45.0, Side.SELL))
    copy = pickle.loads(pickle.dumps(core))
    copy.on_trade(Trade(SYMBOL, (T0 + MIN + 3 * SEC).value, 100.0, 10.0, Side.SELL))
    assert [float(f.quantity) for f in copy.manager.fills] == [5.0]
    assert copy.simulator.queue_position("o-1").ahead == 0.0
