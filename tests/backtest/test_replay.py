"""The replay through the trading core: time order across instruments, bars shown only after
their end, the ledger balancing at every step, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.backtest import run_strategy
from signaltrust.strategy.api import Strategy


def bars(
    n: int = 10, start: str = "2024-01-01", freq: str = "D", seed: int = 1, volume: float = 1e6
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0, 0.005, n))
    high = np.maximum(open_, close) * 1.01
    low = np.minimum(open_, close) * 0.99
    index = pd.date_range(start, periods=n, freq=freq, tz="UTC").as_unit("ns")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": np.full(n, volume)},
        index=index,
    )


class Recorder(Strategy):
    def on_start(self, ctx):
        self.seen = []

    def on_bar(self, ctx, bar):
        history = ctx.history(bar.symbol, "close")
        self.seen.append((bar.symbol, bar.time, ctx.now, len(history), float(history[-1])))


def test_loop_when_two_instruments_then_bars_arrive_in_end_time_order():
    daily = bars(5, freq="D")
    two_day = bars(3, freq="2D", seed=2)
    strategy = Recorder()
    run_strategy({"a": daily, "b": two_day}, strategy, cash=1_000, fees=0, slippage=0)
    ends = [now for _, _, now, _, _ in strategy.seen]
    assert ends == sorted(ends)
    assert [s for s, *_ in strategy.seen].count("b") == 3
    # within one end time the instruments come in the order given
    same = [(s, now) for s, _, now, _, _ in strategy.seen if now == ends[1]]
    assert [s for s, _ in same] == sorted(s for s, _ in same)


def test_loop_when_bar_delivered_then_now_is_its_end_and_history_stops_at_it():
    frame = bars(6, freq="h")
    strategy = Recorder()
    run_strategy({"a": frame}, strategy, cash=1_000, fees=0, slippage=0)
    for i, (_, label, now, length, last_close) in enumerate(strategy.seen):
        assert label == frame.index[i]
        assert now == frame.index[i] + pd.Timedelta("1h")  # known at its end, never before
        assert length == i + 1 and last_close == frame["close"].iloc[i]


class Trader(Strategy):
    """Buys and sells every few bars, with market, limit and stop orders."""

    def on_bar(self, ctx, bar):
        i = len(ctx.history(bar.symbol))
        if i % 3 == 1 and ctx.position(bar.symbol) == 0:
            ctx.order_percent(bar.symbol, 0.5)
        elif i % 3 == 2 and ctx.position(bar.symbol) > 0:
            ctx.sell(bar.symbol, ctx.position(bar.symbol) / 2, type="limit", limit=bar.close)
        elif i % 3 == 0:
            ctx.close_position(bar.symbol)


def test_run_when_observed_every_step_then_ledger_balances_and_equity_matches():
    checks = []

    def listener(core, bars):
        core.ledger.mark(dict(zip(core.symbols, core.market.last, strict=True)))
        checks.append(
            (core.ledger.check_balanced(), float(core.ledger.equity()), core.portfolio.equity)
        )

    result = run_strategy(
        {"a": bars(30), "b": bars(30, seed=3)},
        Trader(),
        cash=10_000,
        fees=0.001,
        fixed_fees=0.5,
        slippage=0.0005,
        listeners=(listener,),
    )
    assert len(checks) == 30 and all(ok for ok, _, _ in checks)
    for _, exact, mirrored in checks:
        assert abs(exact - mirrored) <= 1e-9 * exact
    assert abs(checks[-1][1] - result.equity.iloc[-1]) <= 1e-9 * checks[-1][1]
    assert len(result.orders) > 5


def test_run_when_same_inputs_then_same_results():
    data = {"a": bars(40), "b": bars(40, seed=5)}
    one = run_strategy(data, Trader(), cash=10_000, fees=0.001, slippage=0.0005)
    two = run_strategy(data, Trader(), cash=10_000, fees=0.001, slippage=0.0005)
    pd.testing.assert_series_equal(one.equity, two.equity)
    pd.testing.assert_frame_equal(one.trades, two.trades)
    pd.testing.assert_frame_equal(one.order_log, two.order_log)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), fees=st.floats(0, 0.01), fixed=st.floats(0, 2))
def test_run_when_random_trading_then_invariants_hold(seed, fees, fixed):
    result = run_strategy(
        {"a": bars(25, seed=seed)},
        Trader(),
        cash=10_000,
        fees=fees,
        fixed_fees=fixed,
        slippage=0.0002,
    )
    # every order went through the states in order, never skipping one
    allowed = {
        None: {"NEW"},
        "NEW": {"SUBMITTED", "DENIED", "CANCELED"},
        "SUBMITTED": {"ACCEPTED", "REJECTED", "DENIED", "CANCELED"},
        "ACCEPTED": {"PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"},
        "PARTIALLY_FILLED": {"PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"},
    }
    for event in result.events:
        prev = None if event.previous_status is None else event.previous_status.value
        assert event.status.value in allowed[prev]
    log = result.order_log
    assert (log["filled"] <= log["quantity"] + 1e-12).all()
    assert (result.orders["fees"] >= 0).all()
    # the pnl of all trades adds up to the change in equity
    total = result.trades["pnl"].sum()
    assert abs(total - (result.equity.iloc[-1] - 10_000)) < 1e-6
