"""The Strategy API: declared parameters, the context (history, indicators, portfolio, order
helpers), and the same strategy through run(..., engine="event") and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from signaltrust import ta
from signaltrust.backtest import run
from signaltrust.backtest import run_strategy
from signaltrust.cli.main import app
from signaltrust.core.errors import ValidationError
from signaltrust.strategy import Param
from signaltrust.strategy.api import Context, Strategy


def bars(n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = np.r_[50.0, close[:-1]]
    index = pd.date_range("2023-01-02", periods=n, freq="D", tz="UTC").as_unit("ns")
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) * 1.01,
            "low": np.minimum(open_, close) * 0.99,
            "close": close,
            "volume": 1e6,
        },
        index=index,
    )


class SmaCross(Strategy):
    """The docs' example: long while SMA(fast) > SMA(slow), sized all in at the next open."""

    name = "my_sma"
    parameters = (Param("fast", 10, "int", low=1), Param("slow", 30, "int", low=2))

    def check(self, params):
        if params["fast"] >= params["slow"]:
            raise ValidationError(
                "fast must be < slow",
                field="fast",
                value=params["fast"],
                fix="choose fast below slow",
            )

    def on_start(self, ctx):
        symbol = ctx.symbols[0]
        self.fast = ctx.indicator(symbol, "sma", timeperiod=self.p.fast)
        self.slow = ctx.indicator(symbol, "sma", timeperiod=self.p.slow)

    def on_bar(self, ctx, bar):
        if len(self.fast) < 2:
            return
        up = self.fast[-1] > self.slow[-1] and self.fast[-2] <= self.slow[-2]
        down = self.fast[-1] < self.slow[-1] and self.fast[-2] >= self.slow[-2]
        if up and not ctx.position(bar.symbol):
            ctx.order_percent(bar.symbol, 1.0)
        elif down and ctx.position(bar.symbol):
            ctx.close_position(bar.symbol)


def test_params_when_declared_then_defaults_overrides_and_validation_apply():
    strategy = SmaCross(fast=5)
    assert strategy.resolve() == {"fast": 5, "slow": 30}
    with pytest.raises(ValidationError, match="fast"):
        SmaCross(fast=40).resolve()
    with pytest.raises(ValidationError, match="no parameter"):
        SmaCross(speed=1).resolve()
    assert [p.name for p in SmaCross.parameters] == ["fast", "slow"]


def test_hand_written_strategy_when_run_on_goog_then_matches_the_builtin_rule():
    # the hand-written on_bar crossover places the same orders as the built-in sma_cross
    ours = run("goog", SmaCross(), engine="event", cash=1_000_000, fees=0.001, slippage=0.0)
    builtin = run(
        "goog", "sma_cross", {"fast": 10, "slow": 30}, cash=1_000_000, fees=0.001, slippage=0.0
    )
    assert abs(ours.stats["final_equity"] / builtin.stats["final_equity"] - 1) < 1e-9
    assert len(ours.trades) == len(builtin.trades)


class Probe(Strategy):
    def on_start(self, ctx):
        self.rows = []
        self.sma = ctx.indicator("A", "sma", timeperiod=5)

    def on_bar(self, ctx, bar):
        closes = ctx.history("A", "close")
        self.rows.append(
            (len(closes), closes[-1], self.sma.values.copy(), ctx.now, ctx.bars("A", 3).index[-1])
        )


def test_context_when_reading_history_and_indicators_then_never_beyond_the_current_bar():
    frame = bars(20)
    probe = Probe()
    run_strategy({"A": frame}, probe, cash=1_000, fees=0, slippage=0)
    full = ta.sma(frame["close"].to_numpy(), timeperiod=5)
    for i, (length, last, sma, now, last_label) in enumerate(probe.rows):
        assert length == i + 1 and last == frame["close"].iloc[i]
        np.testing.assert_array_equal(sma, full[: i + 1])  # what ta gives on bars up to i
        assert now > frame.index[i] and last_label == frame.index[i]


def test_context_when_writing_to_history_then_refused():
    class Writer(Strategy):
        def on_bar(self, ctx, bar):
            ctx.history(bar.symbol, "close")[-1] = 0.0

    with pytest.raises(ValueError, match="read-only"):
        run_strategy({"A": bars(3)}, Writer(), cash=1_000, fees=0, slippage=0)


def test_context_when_inspected_then_exposes_no_engine():
    public = {name for name in dir(Context) if not name.startswith("_")}
    assert not any("engine" in name or "venue" in name or "ledger" in name for name in public)


class Sizer(Strategy):
    def __init__(self, action):
        super().__init__()
        self.action = action

    def on_start(self, ctx):
        self.after = []

    def on_bar(self, ctx, bar):
        i = len(ctx.history("A")) - 1
        if i == 0:
            self.action(ctx)
        if i == 1:
            self.after = (ctx.position("A"), ctx.equity, ctx.cash, ctx.price("A"))


@pytest.mark.parametrize(
    "action, check",
    [
        (lambda c: c.order_value("A", 1_000), lambda q, eq, cash, px, o: abs(q * o - 1_000) < 1e-6),
        (lambda c: c.order_percent("A", 0.5), lambda q, eq, cash, px, o: abs(q * o - 5_000) < 1e-6),
        (lambda c: c.order_target_units("A", 7), lambda q, eq, cash, px, o: q == 7),
        (
            lambda c: c.order_target_weight("A", 0.25),
            lambda q, eq, cash, px, o: abs(q * o - 2_500) < 1e-6,
        ),
        (
            lambda c: c.order_percent("A", -0.5),
            lambda q, eq, cash, px, o: abs(q * o + 5_000) < 1e-6,
        ),
    ],
)
def test_sizing_helpers_when_released_then_units_match_the_request(action, check):
    frame = bars(3)
    strategy = Sizer(action)
    run_strategy({"A": frame}, strategy, cash=10_000, fees=0, fixed_fees=0, min_fees=0, slippage=0)
    q, eq, cash, px = strategy.after
    assert check(q, eq, cash, px, frame["open"].iloc[1])
    assert abs(eq - (cash + q * px)) < 1e-9 * eq


def test_order_percent_when_fees_then_units_times_price_plus_fees_is_the_allotment():
    frame = bars(3)
    strategy = Sizer(lambda c: c.order_percent("A", 1.0))
    result = run_strategy(
        {"A": frame}, strategy, cash=10_000, fees=0.001, fixed_fees=1.0, min_fees=0, slippage=0.001
    )
    order = result.orders.iloc[0]
    assert abs(order["size"] * order["price"] + order["fees"] - 10_000) < 1e-6


def test_run_when_engine_event_then_result_has_the_vectorized_columns_and_stats():
    event = run("goog", "sma_cross", engine="event")
    vectorized = run("goog", "sma_cross")
    assert list(event.trades.columns) == list(vectorized.trades.columns)
    assert list(event.orders.columns) == list(vectorized.orders.columns)
    assert set(vectorized.stats) <= set(event.stats)
    assert event.params["engine"] == "event" and len(event.fills) == len(event.orders)


def test_run_when_unknown_engine_then_validation_error_names_the_choices():
    with pytest.raises(ValidationError, match="engine"):
        run("goog", "sma_cross", engine="warp")


def test_cli_when_engine_event_then_same_final_equity_as_vectorized():
    args = [
        "backtest",
        "--data",
        "goog",
        "--strategy",
        "sma_cross",
        "--cash",
        "1000000",
        "--fees",
        "0.001",
        "--slippage-bps",
        "0",
        "--json",
    ]
    runner = CliRunner()
    event = runner.invoke(app, [*args, "--engine", "event"])
    vectorized = runner.invoke(app, args)
    assert event.exit_code == 0, event.output
    a = json.loads(event.stdout)["stats"]["final_equity"]
    b = json.loads(vectorized.stdout)["stats"]["final_equity"]
    assert abs(a / b - 1) < 1e-9


def test_indicator_handle_when_read_or_written_then_grows_bar_by_bar_and_refuses_writes():
    seen, refused = [], []

    class Handles(Strategy):
        def on_start(self, ctx):
            self.sma = ctx.indicator("A", "sma", timeperiod=3)

        def on_bar(self, ctx, bar):
            seen.append((len(self.sma), self.sma[-1], list(self.sma)))
            try:
                self.sma.append(0.0)
            except ValueError:
                refused.append(True)
            with pytest.raises(IndexError):
                self.sma[len(self.sma)]  # the next bar's value is not there yet

    frame = bars(8)
    run_strategy({"A": frame}, Handles(), cash=1_000, fees=0, slippage=0)
    full = ta.sma(frame["close"].to_numpy(), timeperiod=3)
    assert len(refused) == len(seen) == 8
    for i, (length, last, values) in enumerate(seen):
        assert length == i + 1
        np.testing.assert_array_equal(values, full[: i + 1])
        assert (np.isnan(last) and np.isnan(full[i])) or last == full[i]
