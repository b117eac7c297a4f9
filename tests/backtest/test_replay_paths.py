"""The replay's named shortcuts give the step-by-step path's results: the fast path (orders the
simulated venue fills at once), the compact event log, the bar stream; sizing at release;
the strategy's hooks."""

from __future__ import annotations

import gc
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import ReplaySettings, run_strategy
from signaltrust.core.orders import OrderStatus
from signaltrust.execution import FeeModel, PercentFee, SimulatedVenue, SlippageModel
from signaltrust.execution.state import can_transition
from signaltrust.strategy.api import Strategy


def bars(n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0, 0.01, n))
    index = pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC").as_unit("ns")
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) * 1.01,
            "low": np.minimum(open_, close) * 0.99,
            "close": close,
            "volume": np.full(n, 1e6),
        },
        index=index,
    )


FAST = ReplaySettings()
#: every shortcut off: one call per bar, events built as they happen, every order through
#: the broker's reports
SLOW = ReplaySettings(stream=False, fast_path=False, compact_log=False)


class Churn(Strategy):
    """Every sizing kind in turn: percent, value, target weight/units, close."""

    def on_start(self, ctx):
        self.n = 0

    def on_bar(self, ctx, bar):
        self.n += 1
        s = bar.symbol
        step = self.n % 6
        if step == 1:
            ctx.order_percent(s, 0.5)
        elif step == 2:
            ctx.order_value(s, 100.0)
        elif step == 3:
            ctx.order_target_weight(s, -0.4)  # across zero: close, then open short
        elif step == 4:
            ctx.order_target_units(s, 3.0)
        elif step == 5:
            ctx.order_percent(s, 0.3)
            ctx.order_percent(s, 0.2)  # two sizing orders at once: the general path
        else:
            ctx.close_position(s)


class Watching(Churn):
    def on_start(self, ctx):
        super().on_start(ctx)
        self.events, self.fills = [], []

    def on_order(self, ctx, event):
        self.events.append(event)

    def on_fill(self, ctx, fill):
        self.fills.append(fill)


def run(strategy, settings=FAST, fees=0.001, fill_at="next_open", venue=None):
    cores = []
    venue = venue or SimulatedVenue(fees=PercentFee(fees), fill_at=fill_at)
    result = run_strategy(
        {"a": bars()}, strategy, cash=10_000, venue=venue, settings=settings,
        attach=cores.append, strategy_id="s",
    )
    return cores[0], result


def event_key(e):
    fill = None if e.fill is None else (e.fill.fill_id, e.fill.quantity, e.fill.price, e.fill.fee)
    return (e.client_order_id, e.previous_status, e.status, e.timestamp, e.reason, fill)


def order_key(o):
    return (
        o.client_order_id,
        o.side,
        o.quantity,
        o.status,
        o.filled_quantity,
        o.filled_notional,
        o.average_fill_price,
        o.fees,
        o.created_at,
        o.updated_at,
    )


@pytest.mark.parametrize("fill_at", ["next_open", "close"])
def test_fast_path_when_orders_fill_at_once_then_same_events_orders_and_ledger(fill_at):
    fast_engine, fast = run(Watching(), fill_at=fill_at)
    slow_engine, slow = run(Watching(), SLOW, fill_at=fill_at)
    fast_events = [event_key(e) for e in fast_engine.manager.events]
    assert len(fast_events) > 40
    assert fast_events == [event_key(e) for e in slow_engine.manager.events]
    assert [order_key(o) for o in fast_engine.manager] == [
        order_key(o) for o in slow_engine.manager
    ]
    assert fast_engine.ledger.cash() == slow_engine.ledger.cash()
    assert fast_engine.ledger.fees_paid() == slow_engine.ledger.fees_paid()
    pd.testing.assert_series_equal(fast.equity, slow.equity)
    pd.testing.assert_frame_equal(fast.trades, slow.trades)
    # the strategy saw every transition, in the manager's order, and every fill
    assert [event_key(e) for e in fast_engine.strategy("s").events] == fast_events
    assert len(fast_engine.strategy("s").fills) == len(fast_engine.manager.fills)


def test_fast_path_when_orders_fill_then_every_order_walks_the_state_table():
    engine, _ = run(Churn())
    by_order: dict[str, list[tuple[OrderStatus | None, OrderStatus]]] = {}
    for e in engine.manager.events:
        by_order.setdefault(e.client_order_id, []).append((e.previous_status, e.status))
    assert len(by_order) > 10
    for steps in by_order.values():
        assert steps[0] == (None, OrderStatus.NEW)
        for (_, reached), (previous, status) in zip(steps, steps[1:], strict=False):
            assert previous is reached and can_transition(previous, status)
        assert steps[-1][1] is OrderStatus.FILLED


def test_hooks_when_strategy_does_not_override_on_order_then_events_are_still_logged():
    quiet_engine, _ = run(Churn())
    watching_engine, _ = run(Watching())
    assert [event_key(e) for e in quiet_engine.manager.events] == [
        event_key(e) for e in watching_engine.manager.events
    ]


def test_run_when_replaying_then_cyclic_gc_is_restored_afterwards():
    assert gc.isenabled()
    run(Churn())
    assert gc.isenabled()
    gc.disable()
    try:
        run(Churn())
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()


class TargetAfterValue(Strategy):
    """Spend all but ``left`` of the cash, then ask for twice the units held (capped by cash)."""

    left = 1e-7

    def on_start(self, ctx):
        self.n = 0

    def on_bar(self, ctx, bar):
        self.n += 1
        if self.n == 1:
            ctx.order_value(bar.symbol, ctx.cash - self.left)
        elif self.n == 3:
            ctx.order_target_units(bar.symbol, 2 * ctx.position(bar.symbol))


def rising(n: int = 5) -> pd.DataFrame:
    close = 100.0 * 1.05 ** np.arange(1, n + 1)
    index = pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC").as_unit("ns")
    return pd.DataFrame(
        {"open": close / 1.01, "high": close, "low": close / 1.02, "close": close, "volume": 1e6},
        index=index,
    )


@pytest.mark.parametrize(("left", "orders"), [(1e-7, 1), (50.0, 2)])
def test_target_units_when_buying_power_is_float_noise_then_no_order(left, orders):
    strategy = TargetAfterValue()
    strategy.left = left
    result = run_strategy({"a": rising()}, strategy, cash=1_000, fees=0, slippage=0)
    # 1e-7 of 1,000 is below 1e-9 x equity: the capped target order is dust and is skipped;
    # 50 of cash left is buying power: the target order spends it
    assert len(result.orders) == orders


def fill_key(f):
    return (
        f.fill_id,
        f.client_order_id,
        f.symbol,
        f.side,
        f.quantity,
        f.price,
        f.fee,
        f.currency,
        f.timestamp,
        f.strategy_id,
    )


def assert_same_records(a_engine, b_engine):
    """Orders, fills, events and the exact ledger of two runs are equal, field by field."""
    a_events = [event_key(e) for e in a_engine.manager.events]
    assert a_events == [event_key(e) for e in b_engine.manager.events]
    assert [order_key(o) for o in a_engine.manager] == [order_key(o) for o in b_engine.manager]
    assert [fill_key(f) for f in a_engine.manager.fills] == [
        fill_key(f) for f in b_engine.manager.fills
    ]
    for name in ("cash", "fees_paid", "realised_pnl", "equity"):
        assert getattr(a_engine.ledger, name)() == getattr(b_engine.ledger, name)()
    return a_events


def test_compact_log_when_nobody_listens_then_orders_fills_and_events_equal_the_general_path():
    # Churn overrides neither on_order nor on_fill: its events are logged as their fields
    # and built when read; the general path builds every event as it goes
    deferred_engine, deferred = run(Churn())
    general_engine, general = run(Churn(), SLOW)
    events = assert_same_records(deferred_engine, general_engine)
    assert len(events) > 40
    assert all(e[3] is not None and e[3].utcoffset() == pd.Timedelta(0) for e in events)
    pd.testing.assert_series_equal(deferred.equity, general.equity)
    pd.testing.assert_frame_equal(deferred.orders, general.orders)
    pd.testing.assert_frame_equal(deferred.order_log, general.order_log)


class ReadsAndMixes(Churn):
    """Churn plus a resting limit order now and then, reading its own orders mid-run."""

    def on_start(self, ctx):
        super().on_start(ctx)
        self.ids, self.seen = [], []

    def on_bar(self, ctx, bar):
        super().on_bar(ctx, bar)
        if self.n % 7 == 0:
            self.ids.append(ctx.order(bar.symbol, 1.0, type="limit", limit=bar.close * 0.9))
        if self.n % 5 == 0 and self.ids:
            order = ctx.get_order(self.ids[-1])
            self.seen.append((order.client_order_id, order.status))


def test_shortcuts_when_orders_are_read_mid_run_then_submission_order_is_kept():
    deferred_engine, _ = run(ReadsAndMixes())
    general_engine, _ = run(ReadsAndMixes(), SLOW)
    events = assert_same_records(deferred_engine, general_engine)
    seen = deferred_engine.strategy("s").seen
    assert seen == general_engine.strategy("s").seen
    assert len(seen) > 3
    # every order's events are in the order of the state table, and orders in submission order
    ids = [o.client_order_id for o in deferred_engine.manager]
    first_event = {}
    for i, (cid, *_rest) in enumerate(events):
        first_event.setdefault(cid, i)
    assert sorted(ids, key=first_event.__getitem__) == ids


class WholeCentSlippage(SlippageModel):
    """Fills at the price rounded to the cent, as a NumPy float (as a model computed with NumPy
    gives): converted exactly on both paths."""

    def price(self, reference, side, quantity, volume):
        return np.float64(round(reference, 2))


class NoFeeButInt(FeeModel):
    """No fee, as the int 0."""

    def fee(self, notional):
        return 0

    def units_for_cash(self, alloc, price):
        return alloc / price


@pytest.mark.parametrize("strategy", [Churn, Watching])
def test_fast_path_when_models_give_odd_types_then_both_paths_book_the_same(strategy):
    def run_odd(settings):
        venue = SimulatedVenue(fees=NoFeeButInt(), slippage=WholeCentSlippage())
        return run(strategy(), settings, venue=venue)

    fused_engine, fused = run_odd(FAST)
    general_engine, general = run_odd(SLOW)
    events = assert_same_records(fused_engine, general_engine)
    assert len(events) > 40
    prices = {f.price for f in fused_engine.manager.fills}
    assert all(p == p.quantize(Decimal("0.01")) for p in prices)  # the model's prices, exactly
    pd.testing.assert_series_equal(fused.equity, general.equity)
