"""The trading core, driven one event at a time: a broker's reports late, partial, twice or out
of order; several strategies on one account; the replay's stream equal to one call per bar; a
live market that stores the bars it is given."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest.replay.feed import HistoricalBarFeed
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar, ExecutionReport, ReportKind
from signaltrust.core.orders import OrderStatus
from signaltrust.execution import Broker, PercentFee, SimulatedVenue
from signaltrust.strategy import Param, Strategy, get_strategy
from signaltrust.trading import MarketData, TradingCore, WallClock


def bars(n: int = 40, seed: int = 2, start: str = "2024-01-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = np.r_[100.0, close[:-1]]
    index = pd.date_range(start, periods=n, freq="D", tz="UTC").as_unit("ns")
    return pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.01,
                         "low": np.minimum(open_, close) * 0.99, "close": close,
                         "volume": 1e6}, index=index)


class ScriptedBroker(Broker):
    """A broker that answers only when told: the test sends its reports, in any order."""

    def __init__(self) -> None:
        self.sent: list = []
        self.canceled: list = []

    def submit(self, order, now_ns):
        self.sent.append(order)

    def cancel(self, order, now_ns):
        self.canceled.append(order)


class BuysOnce(Strategy):
    def on_start(self, ctx):
        self.done, self.events, self.fills = False, [], []

    def on_bar(self, ctx, bar):
        if not self.done:
            self.done = True
            ctx.buy(bar.symbol, 10)

    def on_order(self, ctx, event):
        self.events.append((event.previous_status, event.status, event.reason))

    def on_fill(self, ctx, fill):
        self.fills.append(fill)


def live_core(broker, strict=False):
    market = MarketData.live(["X"])
    core = TradingCore(market, broker, cash=10_000, clock=WallClock(), strict=strict)
    strategy = BuysOnce()
    core.add_strategy(strategy)
    core.start()
    core.on_bar(Bar("X", 0, 60_000_000_000, 100.0, 101.0, 99.0, 100.0, 1e3))
    return core, strategy


def fill(cid, fill_id, qty, price="100", fee="0.5", kind=ReportKind.FILL):
    return ExecutionReport(kind, cid, "V-1", 1, fill_id, Decimal(qty), Decimal(price),
                           Decimal(fee))


def test_reports_when_a_fill_arrives_twice_then_it_is_booked_once():
    broker = ScriptedBroker()
    core, strategy = live_core(broker)
    cid = broker.sent[0].client_order_id
    core.on_execution_report(ExecutionReport(ReportKind.ACCEPTED, cid, "V-1", 1))
    core.on_execution_report(fill(cid, "B-1", "4"))
    core.on_execution_report(fill(cid, "B-1", "4"))  # the same report again
    assert core.ledger.quantity("X") == Decimal(4) and core.router.duplicates == 1
    assert core.manager.get(cid).status is OrderStatus.PARTIALLY_FILLED
    core.on_execution_report(fill(cid, "B-2", "6", price="101"))
    order = core.manager.get(cid)
    assert order.status is OrderStatus.FILLED and order.filled_quantity == Decimal(10)
    assert order.fees == Decimal("1.0")  # the broker's own fees
    assert len(strategy.fills) == 2 and core.ledger.check_balanced()
    assert core.portfolio.position("X") == 10.0


def test_reports_when_the_fill_beats_the_acknowledgement_then_accepted_then_filled():
    broker = ScriptedBroker()
    core, strategy = live_core(broker)
    cid = broker.sent[0].client_order_id
    core.on_execution_report(fill(cid, "B-1", "10"))
    core.on_execution_report(ExecutionReport(ReportKind.ACCEPTED, cid, "V-1", 1))  # stale
    steps = [(p, s) for p, s, _ in strategy.events]
    assert steps == [(None, "NEW"), ("NEW", "SUBMITTED"), ("SUBMITTED", "ACCEPTED"),
                     ("ACCEPTED", "FILLED")]


def test_reports_when_a_fill_comes_after_the_cancel_then_it_is_booked_as_a_late_fill():
    broker = ScriptedBroker()
    core, strategy = live_core(broker)
    cid = broker.sent[0].client_order_id
    core.on_execution_report(ExecutionReport(ReportKind.ACCEPTED, cid, "V-1", 1))
    core.on_execution_report(ExecutionReport(ReportKind.CANCELED, cid, "V-1", 2, reason="user"))
    core.on_execution_report(fill(cid, "B-9", "3"))  # the cancel lost the race
    order = core.manager.get(cid)
    assert order.status is OrderStatus.CANCELED and order.filled_quantity == Decimal(3)
    assert core.ledger.quantity("X") == Decimal(3)  # the money moved: booked, never lost
    assert [f.fill_id for f in core.router.late_fills] == ["B-9"]
    assert strategy.events[-1][2].startswith("late fill")


def test_reports_when_unknown_order_or_bad_value_then_kept_as_anomalies_not_applied():
    broker = ScriptedBroker()
    core, _ = live_core(broker)
    cid = broker.sent[0].client_order_id
    core.on_execution_report(fill("nobody-1", "B-1", "1"))
    core.on_execution_report(fill(cid, "B-2", "-1"))
    assert [a.reason.split(":")[0] for a in core.router.anomalies] == [
        "a fill for no order of ours", "a fill with a bad value"]
    assert core.ledger.quantity("X") == 0


def test_reports_when_strict_then_an_unknown_order_raises():
    broker = ScriptedBroker()
    core, _ = live_core(broker, strict=True)
    with pytest.raises(ValidationError, match="cannot be applied"):
        core.on_execution_report(fill("nobody-1", "B-1", "1"))


def test_live_market_when_bars_are_given_then_history_and_indicators_grow_with_them():
    market = MarketData.live(["X"])
    core = TradingCore(market, ScriptedBroker(), clock=WallClock())

    class Watches(Strategy):
        def on_start(self, ctx):
            self.sma = ctx.indicator("X", "sma", timeperiod=3)
            self.seen = []

        def on_bar(self, ctx, bar):
            self.seen.append((len(ctx.history("X")), self.sma[-1], ctx.bars("X").index[-1]))

    strategy = Watches()
    core.add_strategy(strategy)
    core.start()
    frame = bars(100)
    for bar in HistoricalBarFeed({"X": frame}).bars_of(0):
        core.on_bar(bar)
    expected = frame["close"].rolling(3).mean().to_numpy()
    assert [s[0] for s in strategy.seen] == list(range(1, 101))
    np.testing.assert_allclose([s[1] for s in strategy.seen], expected, rtol=1e-12)
    assert strategy.seen[-1][2] == frame.index[-1]


class Alternates(Strategy):
    """Buys on even bars, sells on odd ones (many orders, every sizing kind)."""

    parameters = (Param("weight", 0.3, "float", low=0.0, high=1.0),)

    def on_start(self, ctx):
        self.n = 0

    def on_bar(self, ctx, bar):
        self.n += 1
        if self.n % 2:
            ctx.order_target_weight(bar.symbol, self.p.weight)
        else:
            ctx.order_target_weight(bar.symbol, -self.p.weight / 2)


def replay(strategies, frames, *, stream):
    market = MarketData.replay(frames)
    core = TradingCore(market, SimulatedVenue(fees=PercentFee(0.001)), cash=100_000)
    for strategy, sid in strategies:
        core.add_strategy(strategy, strategy_id=sid)
    core.start()
    feed = HistoricalBarFeed(frames)
    if stream:
        core.consume(feed.in_order())
    else:
        for bar in feed.in_order():
            core.on_bar(bar)
    core.stop()
    return core


def test_consume_when_bars_streamed_then_same_orders_fills_and_ledger_as_one_call_per_bar():
    frames = {"X": bars(60)}
    one = replay([(Alternates(), "a")], frames, stream=True)
    two = replay([(Alternates(), "a")], frames, stream=False)
    assert [(e.client_order_id, e.status) for e in one.manager.events] == [
        (e.client_order_id, e.status) for e in two.manager.events]
    assert [(f.quantity, f.price, f.fee) for f in one.manager.fills] == [
        (f.quantity, f.price, f.fee) for f in two.manager.fills]
    assert one.ledger.cash() == two.ledger.cash() and len(one.manager.fills) > 50


def test_several_strategies_when_on_one_account_then_each_sees_its_own_position():
    frames = {"X": bars(30), "Y": bars(30, seed=9)}
    long_x, short_y = Alternates(weight=0.4), Alternates(weight=0.2)
    market = MarketData.replay(frames)
    core = TradingCore(market, SimulatedVenue(), cash=100_000)
    ctx_x = core.add_strategy(long_x, strategy_id="xs", symbols=["X"])
    ctx_y = core.add_strategy(short_y, strategy_id="ys", symbols=["Y"])
    core.add_strategy(get_strategy("sma_cross"), {"fast": 2, "slow": 5}, strategy_id="rule")
    core.start()
    for _, _, group in HistoricalBarFeed(frames).events():
        core.on_bars(group)
    core.stop()
    books = core.ledger.open_quantities()
    assert float(books.get(("X", "xs"), 0)) == ctx_x.position("X")
    assert float(books.get(("Y", "ys"), 0)) == ctx_y.position("Y")
    assert ctx_x.symbols == ("X",) and ctx_y.position("X") == 0.0
    assert {o.strategy_id for o in core.manager} == {"xs", "ys", "rule"}
    assert core.ledger.check_balanced()
    dup = TradingCore(MarketData.replay(frames), SimulatedVenue())
    dup.add_strategy(Alternates(), strategy_id="a")
    with pytest.raises(ValidationError, match="two strategies with one id"):
        dup.add_strategy(Alternates(), strategy_id="a")


def test_core_when_a_bar_ends_before_its_time_then_refused():
    frames = {"X": bars(5)}
    core = TradingCore(MarketData.replay(frames), SimulatedVenue())
    core.add_strategy(Alternates())
    core.start()
    feed = list(HistoricalBarFeed(frames).in_order())
    core.on_bar(feed[1])
    with pytest.raises(ValidationError, match="does not end after"):
        core.on_bar(feed[0])


def test_kill_switch_when_called_then_core_cancels_and_flattens_every_strategy():
    frames = {"X": bars(20)}
    core = TradingCore(MarketData.replay(frames), SimulatedVenue(), cash=100_000)
    core.add_strategy(Alternates(weight=0.5), strategy_id="a")
    core.start()
    feed = list(HistoricalBarFeed(frames).in_order())
    for bar in feed[:10]:
        core.on_bar(bar)
    held = core.portfolio.position("X")
    assert held != 0.0
    canceled = core.cancel_all("drill")
    sent = core.flatten("drill")
    assert canceled and len(sent) == 1
    core.on_bar(feed[10])  # the flattening order fills at the next open
    assert core.ledger.quantity("X") == 0


class HoldsEach(Strategy):
    """Buys 10 of each symbol on its first bar, then holds."""

    def on_start(self, ctx):
        self.bought = set()

    def on_bar(self, ctx, bar):
        if bar.symbol not in self.bought:
            self.bought.add(bar.symbol)
            ctx.buy(bar.symbol, 10)


def test_flatten_when_given_a_symbol_then_only_that_position_closes():
    frames = {"X": bars(12), "Y": bars(12, seed=3)}
    core = TradingCore(MarketData.replay(frames), SimulatedVenue(), cash=100_000)
    core.add_strategy(HoldsEach(), strategy_id="h")
    core.start()
    feed = list(HistoricalBarFeed(frames).in_order())
    for bar in feed[:6]:
        core.on_bar(bar)
    assert core.ledger.quantity("X") == 10 and core.ledger.quantity("Y") == 10
    assert core.flatten("operator", symbol="Z") == []  # nothing open there: nothing sent
    sent = core.flatten("operator", symbol="X")
    assert len(sent) == 1 and core.manager.get(sent[0]).symbol == "X"
    for bar in feed[6:8]:  # the closing order fills at the next open
        core.on_bar(bar)
    assert core.ledger.quantity("X") == 0 and core.ledger.quantity("Y") == 10
