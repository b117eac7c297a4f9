"""Execution algorithms run by the trading core (``ctx.execute``): children through the normal
order path and the risk engine, in the event backtest, in a live core with a broker's reports
and timers, and through a pickled core (a node's snapshot) that resumes the schedule."""

from __future__ import annotations

import pickle
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import run
from signaltrust.backtest.api import load_bars
from signaltrust.backtest.replay.driver import build_replay
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar, ExecutionReport, ReportKind, Tick, Timer
from signaltrust.execution.algos import POV, TWAP, VWAP, Iceberg
from signaltrust.risk import RiskEngine
from signaltrust.strategy import Param, Strategy
from signaltrust.strategy.context import Context
from signaltrust.trading import MarketData, TradingCore
from signaltrust.trading.algos import ALGO_TAG
from tests.trading.test_core import ScriptedBroker

MIN = 60_000_000_000


class Executes(Strategy):
    """Starts one parent order on bar ``at`` (1 = the first) and keeps what it sees."""

    name = "executes"
    parameters = (
        Param("algo", "twap", "choice", choices=("twap", "vwap", "pov")),
        Param("quantity", 100, "int"),
        Param("bars", 5, "int"),
        Param("at", 20, "int"),
    )

    def on_start(self, ctx: Context) -> None:
        self.n, self.parent, self.fills, self.report = 0, None, [], None
        self.arrival = float("nan")

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        self.n += 1
        if self.n == self.p.at:
            self.arrival = ctx.price(bar.symbol)
            make = {"twap": lambda: TWAP(bar.symbol, self.p.quantity, bars=self.p.bars),
                    "vwap": lambda: VWAP(bar.symbol, self.p.quantity, bars=self.p.bars),
                    "pov": lambda: POV(bar.symbol, self.p.quantity, rate=0.0001)}
            self.parent = ctx.execute(make[self.p.algo]())

    def on_fill(self, ctx: Context, fill) -> None:  # type: ignore[no-untyped-def]
        self.fills.append((self.n, fill.quantity, fill.price, fill.fee,
                           ctx.get_order(fill.client_order_id).tags))

    def on_stop(self, ctx: Context) -> None:
        self.report = ctx.algo_report(self.parent)


def test_twap_in_the_event_backtest_when_over_n_bars_then_children_fill_the_parent() -> None:
    strategy = Executes(quantity=100, bars=5, at=20)
    result = run("goog", strategy, engine="event")
    report = strategy.report
    assert report.status == "FILLED" and report.children == 5
    assert report.filled_quantity == 100
    # one child of 20 filled at each of the next five opens (delivered before that bar's
    # on_bar: the strategy has seen 20, ..., 24 bars), each tagged with its parent
    assert [(n, q) for n, q, *_ in strategy.fills] == [(n, 20) for n in range(20, 25)]
    assert {tags for *_, tags in strategy.fills} == {(ALGO_TAG + "executes-algo-1",)}
    assert list(result.orders["size"]) == [20.0] * 5
    # shortfall against the arrival price: the close of the bar the strategy decided on
    notional = sum(q * p for _, q, p, _, _ in strategy.fills)
    average = float(notional / 100)
    assert report.arrival_price == strategy.arrival
    assert report.average_fill_price == pytest.approx(average, rel=1e-12)
    assert report.shortfall_bps == pytest.approx(
        (average - strategy.arrival) / strategy.arrival * 1e4, rel=1e-12)
    assert report.fees == sum(f for *_, f, _ in strategy.fills)


def test_child_when_denied_by_the_risk_engine_then_the_parent_stops_with_the_reason() -> None:
    strategy = Executes(quantity=100, bars=5, at=20)
    risk = RiskEngine({"max_position_quantity": 50})
    result = run("goog", strategy, engine="event", check=risk, attach=risk.attach)
    report = strategy.report
    assert report.status == "STOPPED" and report.denied == 1 and report.children == 3
    assert report.filled_quantity == 40  # two children; the third would hold 60 > 50
    assert "denied" in report.reason and "max_position_quantity" in report.reason
    assert list(result.orders["size"]) == [20.0, 20.0]
    assert [d.reason for d in risk.denials] == ["max_position_quantity"]


def test_vwap_in_the_event_backtest_when_started_then_sized_by_the_history_before_it(
) -> None:
    frame = load_bars("goog").iloc[:80]
    strategy = Executes(algo="vwap", quantity=1000, bars=5, at=40)
    run(frame, strategy, engine="event")
    sizes = [int(q) for _, q, *_ in strategy.fills]
    # by hand: mean volume per weekday of the 40 bars known at the start
    known = frame.iloc[:40]
    means = known["volume"].groupby(known.index.day_of_week).mean()
    days = frame.index[40:45].day_of_week  # the five bars after the start
    weights = np.array([means[d] for d in days])
    targets = np.floor(1000 * np.cumsum(weights) / weights.sum() + 1e-9).astype(int)
    targets[-1] = 1000
    assert sizes == list(np.diff(np.r_[0, targets]))

    later = frame.copy()
    later.iloc[40:, later.columns.get_loc("volume")] *= 7.0  # what the start cannot know
    again = Executes(algo="vwap", quantity=1000, bars=5, at=40)
    run(later, again, engine="event")
    assert [int(q) for _, q, *_ in again.fills] == sizes


def test_pov_in_the_event_backtest_when_bars_trade_then_filled_at_most_rate_of_volume(
) -> None:
    frame = load_bars("goog").iloc[:60]
    strategy = Executes(algo="pov", quantity=10_000, at=30)
    run(frame, strategy, engine="event")
    volume = frame["volume"].to_numpy()
    filled = 0
    for n, quantity, *_ in strategy.fills:  # sent on bar n's close (0-based n - 1), filled
        filled += quantity  # at the next open: the parent had seen bars 30 .. n - 1
        assert filled <= 0.0001 * volume[30:n].sum()
    assert filled > 0


def _replay_events() -> tuple[pd.DataFrame, list]:
    frame = load_bars("goog").iloc[:60]
    replay = build_replay(frame, Executes(quantity=90, bars=9, at=25))
    return frame, list(replay.feed.events())


def test_core_when_pickled_mid_schedule_then_the_restored_core_finishes_it_the_same() -> None:
    frame, events = _replay_events()

    def fresh() -> TradingCore:
        return build_replay(frame, Executes(quantity=90, bars=9, at=25)).core

    whole = fresh()
    for _, _, payload in events:
        whole.on_bars(payload)
    whole.stop()

    first = fresh()
    for _, _, payload in events[:28]:  # three children sent, six to go
        first.on_bars(payload)
    assert first.algos.working and len(first.algos.working[0].children) == 4
    restored: TradingCore = pickle.loads(pickle.dumps(first))
    for _, _, payload in events[28:]:
        restored.on_bars(payload)
    restored.stop()

    def fills(core: TradingCore) -> list:
        return [(f.client_order_id, f.quantity, f.price, f.fee) for f in core.manager.fills]

    assert fills(restored) == fills(whole) and len(fills(whole)) == 9
    assert restored.algos.report("executes-algo-1") == whole.algos.report("executes-algo-1")
    assert restored.ledger.quantity("asset") == Decimal(90)


class StartsOnFirstBar(Strategy):
    def on_start(self, ctx: Context) -> None:
        self.parent = None

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        if self.parent is None:
            self.parent = ctx.execute(self.algo)  # type: ignore[attr-defined]


def _live(algo) -> tuple[TradingCore, ScriptedBroker, StartsOnFirstBar]:  # type: ignore[no-untyped-def]
    broker = ScriptedBroker()
    core = TradingCore(MarketData.live(["X"]), broker, cash=100_000, strict=False)
    strategy = StartsOnFirstBar()
    strategy.algo = algo  # type: ignore[attr-defined]
    core.add_strategy(strategy)
    core.start()
    core.on_tick(Tick("X", 30 * MIN // 60, "quote", bid=99.9, ask=100.1))
    core.on_bar(Bar("X", 0, MIN, 100.0, 100.2, 99.8, 100.0, 1e3))
    return core, broker, strategy


def _report(kind: ReportKind, order, seq: int, **fill) -> ExecutionReport:  # type: ignore[no-untyped-def]
    if kind is ReportKind.FILL:
        return ExecutionReport(kind, order.client_order_id, "V", seq, f"F{seq}",
                               order.quantity, Decimal(fill["price"]), Decimal("0.1"))
    return ExecutionReport(kind, order.client_order_id, "V", seq)


def test_maker_when_a_quote_moves_away_then_the_core_repegs_the_child_after_the_cancel(
) -> None:
    core, broker, strategy = _live(Iceberg("X", 30, display=10, mode="maker"))
    first = broker.sent[0]
    assert (first.order_type.value, first.limit_price, first.quantity) == ("LIMIT",
                                                                           Decimal("99.9"), 10)
    core.on_execution_report(_report(ReportKind.ACCEPTED, first, 1))
    core.on_tick(Tick("X", MIN + 1, "quote", bid=100.3, ask=100.5))  # the bid went away
    assert broker.canceled == [first] and len(broker.sent) == 1  # waits for the cancel
    core.on_execution_report(_report(ReportKind.CANCELED, first, 2))
    second = broker.sent[1]
    assert (second.limit_price, second.quantity) == (Decimal("100.3"), 10)
    core.on_execution_report(_report(ReportKind.ACCEPTED, second, 3))
    core.on_execution_report(_report(ReportKind.FILL, second, 4, price="100.3"))
    assert broker.sent[2].quantity == 10  # the next slice of the iceberg shows
    report = core.algos.report(strategy.parent)
    assert report.filled_quantity == 10 and report.children == 3


def test_timer_when_a_twap_runs_by_time_then_next_due_and_the_timer_sends_the_slice() -> None:
    core, broker, _ = _live(TWAP("X", 40, duration="4min", slices=4))
    assert len(broker.sent) == 1 and core.algos.next_due_ns() == 2 * MIN
    first = broker.sent[0]
    core.on_execution_report(_report(ReportKind.FILL, first, 1, price="100.0"))
    assert len(broker.sent) == 1  # the next slice is not due yet
    core.on_timer(Timer(2 * MIN, "algo"))
    assert len(broker.sent) == 2 and broker.sent[1].quantity == 10
    assert core.algos.next_due_ns() == 3 * MIN


def test_execute_when_not_an_algorithm_or_outside_the_core_then_validation_error() -> None:
    core, _, _ = _live(TWAP("X", 10, bars=2))
    with pytest.raises(ValidationError) as wrong:
        core.running[0].ctx.execute("TWAP")
    assert wrong.value.field == "algo"
    with pytest.raises(ValidationError) as unknown:
        core.running[0].ctx.algo_report("nope")
    assert unknown.value.field == "parent_id"
    bare = Context(core.clock, core.market, core.portfolio, core.router, "s")
    with pytest.raises(ValidationError) as outside:
        bare.execute(TWAP("X", 10, bars=2))
    assert outside.value.field == "ctx"


def test_kill_switch_when_it_cancels_a_child_then_the_parent_stops() -> None:
    core, broker, strategy = _live(TWAP("X", 20, bars=2, mode="maker"))
    first = broker.sent[0]
    core.on_execution_report(_report(ReportKind.ACCEPTED, first, 1))
    core.cancel_all("kill switch")
    core.on_execution_report(_report(ReportKind.CANCELED, first, 2))
    report = core.algos.report(strategy.parent)
    assert report.status == "STOPPED" and "canceled outside the algorithm" in report.reason
    core.on_bar(Bar("X", MIN, 2 * MIN, 100.0, 100.2, 99.8, 100.0, 1e3))
    assert len(broker.sent) == 1 and not core.algos.working


def test_late_fill_when_a_canceled_child_fills_after_the_cancel_then_the_parent_counts_it(
) -> None:
    core, broker, strategy = _live(Iceberg("X", 30, display=10, mode="maker"))
    first = broker.sent[0]
    core.on_execution_report(_report(ReportKind.ACCEPTED, first, 1))
    core.on_tick(Tick("X", MIN + 1, "quote", bid=100.3, ask=100.5))  # repeg: cancel first
    core.on_execution_report(_report(ReportKind.CANCELED, first, 2))
    late = ExecutionReport(ReportKind.FILL, first.client_order_id, "V", 3, "F-late",
                           Decimal(4), Decimal("99.9"), Decimal("0.1"))
    core.on_execution_report(late)
    report = core.algos.report(strategy.parent)
    assert report.filled_quantity == 4 and report.average_fill_price == pytest.approx(99.9)
    assert core.ledger.quantity("X") == Decimal(4)
