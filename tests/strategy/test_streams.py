"""Rule signals one bar at a time equal the vectorised signals at every bar, and a replay that
streams indicators and signals gives the same run as one that precomputes them."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import ReplaySettings, run_strategy
from signaltrust.backtest.nb.steps import decide as kernel_decide
from signaltrust.data import load
from signaltrust.strategy import RegimeSwitch, Strategy, get_strategy
from signaltrust.strategy.base import FIELDS
from signaltrust.strategy.streams import decide

RULES = [
    ("sma_cross", {}),
    ("sma_cross", {"fast": 5, "slow": 50, "allow_short": True}),
    ("bollinger_rsi", {}),
    ("bollinger_rsi", {"period": 10, "nbdev": 1.5, "rsi_entry": 40.0, "allow_short": True}),
    ("donchian_breakout", {}),
    ("donchian_breakout", {"entry_period": 55, "exit_period": 20, "allow_short": True}),
    ("ts_momentum", {}),
    ("ts_momentum", {"lookback": 63, "rebalance": 5, "threshold": 0.01, "allow_short": True}),
    ("breakout_score", {"lookback": 10, "rank_window": 30}),
]


@pytest.fixture(scope="module", params=["goog", "sp500"])
def bars(request):
    frame = load(request.param)
    return frame.iloc[:1500] if request.param == "sp500" else frame


def _streamed(rule, params, frame):
    full = rule.resolve(params)
    inputs = rule.signal_inputs(tuple(frame.columns))
    stream = rule.signal_stream(full, inputs)
    rows = frame[list(inputs)].to_numpy(dtype=np.float64).tolist()
    return np.array([stream.update(*row) for row in rows])


@pytest.mark.parametrize(("name", "params"), RULES)
def test_stream_when_fed_bar_by_bar_then_equals_the_vectorised_signals_at_every_bar(
    bars, name, params
):
    rule = get_strategy(name)
    expected = rule.signals(bars, **params).codes()
    got = _streamed(rule, params, bars)
    mismatch = np.flatnonzero(got != expected)
    assert mismatch.size == 0, f"first difference at bar {mismatch[:1]}"
    assert (expected != 0).sum() > 5  # the rule trades on this data


def test_stream_when_input_has_gaps_then_equals_the_vectorised_signals(bars):
    holes = bars.copy()
    holes.iloc[200:203, holes.columns.get_loc("close")] = np.nan
    holes.iloc[500, holes.columns.get_loc("high")] = np.nan
    for name, params in RULES[:-1]:
        rule = get_strategy(name)
        expected = rule.compute(holes, rule.resolve(params)).codes()
        np.testing.assert_array_equal(_streamed(rule, params, holes), expected, err_msg=name)


def test_regime_switch_stream_when_labels_given_then_equals_the_vectorised_signals(bars):
    labels = pd.Series(None, index=bars.index, dtype=object)
    labels.iloc[100:600] = "trending"
    labels.iloc[600:900] = "volatile"
    labels.iloc[900:] = "mean_reverting"
    switch = RegimeSwitch({"trending": "sma_cross", "mean_reverting": "bollinger_rsi",
                           "volatile": None}, labels=labels)
    expected = switch.signals(bars).codes()
    prepared = switch.prepare_bars(bars)
    np.testing.assert_array_equal(_streamed(switch, {}, prepared), expected)
    assert (expected != 0).sum() > 5


def test_decide_when_any_signals_then_equals_the_vectorised_engine_rule():
    for current, code, short in itertools.product((-1.0, 0.0, 1.0), range(16), (False, True)):
        bits = [bool(code & b) for b in (1, 2, 4, 8)]
        want = kernel_decide(current, *bits, short)
        got = decide(current, code, short)
        assert (got is None and want != want) or got == want, (current, code, short)


@pytest.mark.parametrize(("name", "params"), RULES[::2])
def test_replay_when_streaming_instead_of_precomputing_then_same_run(name, params):
    frame = load("goog")
    runs = [
        run_strategy({"GOOG": frame}, get_strategy(name), params, cash=100_000,
                     settings=ReplaySettings(precompute=precompute))
        for precompute in (True, False)
    ]
    pd.testing.assert_frame_equal(runs[0].trades, runs[1].trades)
    pd.testing.assert_series_equal(runs[0].equity, runs[1].equity)
    assert len(runs[0].trades) > 0


class Recording(Strategy):
    """Records the latest value of several indicator handles at every bar."""

    def on_start(self, ctx):
        s = ctx.symbols[0]
        self.handles = {
            "sma": ctx.indicator(s, "sma", timeperiod=20),
            "ema": ctx.indicator(s, "ema", timeperiod=12),
            "rsi": ctx.indicator(s, "rsi"),
            "atr": ctx.indicator(s, "atr"),
            "bb_upper": ctx.indicator(s, "bbands", timeperiod=10)[0],
            "macd_hist": ctx.indicator(s, "macd")[2],
            "stoch_k": ctx.indicator(s, "stoch")[0],
            "obv": ctx.indicator(s, "obv"),
        }
        self.seen = {k: [] for k in self.handles}

    def on_bar(self, ctx, bar):
        for key, handle in self.handles.items():
            self.seen[key].append(handle[-1])
            assert len(handle) == len(ctx.history(bar.symbol))


def test_indicators_when_streamed_instead_of_precomputed_then_equal_to_1e_9_at_every_bar():
    frame = load("goog")
    seen = []
    for precompute in (True, False):
        strategy = Recording()
        run_strategy({"GOOG": frame}, strategy, settings=ReplaySettings(precompute=precompute))
        seen.append(strategy.seen)
    for key in seen[0]:
        a, b = np.array(seen[0][key]), np.array(seen[1][key])
        assert len(a) == len(frame)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=key)
        ok = ~np.isnan(a)
        np.testing.assert_allclose(b[ok], a[ok], rtol=1e-9, atol=1e-9 * np.abs(a[ok]).max(),
                                   err_msg=key)


def test_fields_when_a_rule_reads_them_then_they_are_the_bar_fields():
    assert get_strategy("sma_cross").signal_inputs(("open", "close")) == FIELDS


def test_breakout_stream_when_every_component_is_there_then_equals_the_vectorised_signals():
    frame = load("goog").iloc[:800]
    rng = np.random.default_rng(1)
    frame = frame.assign(
        onchain_flow=np.round(rng.normal(0, 1, len(frame)), 1),  # ties in the ranks
        macro=np.round(rng.normal(0, 1, len(frame)), 1),
        sentiment=rng.uniform(-1, 1, len(frame)),
        news=np.where(rng.random(len(frame)) < 0.2, np.nan, rng.uniform(-1, 1, len(frame))),
    )
    frame.iloc[50:55, frame.columns.get_loc("onchain_flow")] = np.nan
    rule = get_strategy("breakout_score")
    for params in ({}, {"lookback": 5, "rank_window": 10, "threshold": 0.6}):
        expected = rule.signals(frame, **params).codes()
        np.testing.assert_array_equal(_streamed(rule, params, frame), expected)
        assert (expected != 0).sum() > 100
