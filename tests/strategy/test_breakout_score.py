"""The multi-signal breakout score: components, renormalised weights, causal alignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.strategy import BreakoutScore, get_strategy
from signaltrust.strategy.breakout_score import WEIGHTS, align_causally


def _bars(close, **columns) -> pd.DataFrame:
    close = np.asarray(close, dtype=float)
    index = pd.date_range("2020-01-01", periods=len(close), freq="D", tz="UTC").as_unit("ns")
    frame = pd.DataFrame({"open": close, "high": close, "low": close, "close": close}, index=index)
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_weights_when_read_then_the_design_weights_sum_to_one():
    assert WEIGHTS == {"momentum": 0.25, "onchain": 0.25, "sentiment": 0.20, "macro": 0.15,
                       "news": 0.15}
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert get_strategy("breakout_score").defaults()["threshold"] == 0.73


def test_score_when_only_prices_then_score_is_the_momentum_range_position():
    # lookback 2: t1 (2-1)/(2-1) = 1, t2 (3-2)/(3-2) = 1, t3 (2-2)/(3-2) = 0
    score = BreakoutScore().score(_bars([1, 2, 3, 2]), lookback=2)
    np.testing.assert_allclose(score["momentum"].to_numpy()[1:], [1.0, 1.0, 0.0])
    np.testing.assert_allclose(score["score"].to_numpy()[1:], [1.0, 1.0, 0.0])
    assert np.isnan(score["score"].iloc[0])
    assert score["weight_present"].iloc[1] == pytest.approx(0.25)


def test_score_when_sentiment_present_then_weights_renormalise_over_present_components():
    bars = _bars([1, 2, 3, 2], sentiment=[0.0, 1.0, -1.0, 0.5])
    score = BreakoutScore().score(bars, lookback=2)
    momentum = np.array([1.0, 1.0, 0.0])
    sentiment = np.array([1.0, 0.0, 0.75])  # (s + 1) / 2
    expected = (0.25 * momentum + 0.20 * sentiment) / 0.45
    np.testing.assert_allclose(score["score"].to_numpy()[1:], expected)
    # where momentum is still warming up, sentiment alone decides: (0 + 1) / 2
    assert score["score"].iloc[0] == pytest.approx(0.5)


def test_score_when_news_value_missing_then_news_drops_out_at_that_bar_only():
    bars = _bars([1, 2, 3, 2], news=[1.0, np.nan, 1.0, 1.0])
    score = BreakoutScore().score(bars, lookback=2)
    assert score["score"].iloc[1] == pytest.approx(1.0)  # momentum only
    assert score["score"].iloc[3] == pytest.approx((0.25 * 0.0 + 0.15 * 1.0) / 0.40)


def test_signals_when_score_reaches_threshold_then_entry_and_below_exit_then_exit():
    bars = _bars([1, 2, 3, 2, 3])
    sig = get_strategy("breakout_score").signals(bars, lookback=2)
    assert list(sig.entries) == [False, True, True, False, True]
    assert list(sig.exits) == [False, False, False, True, False]


def test_align_when_macro_is_monthly_then_a_month_is_used_only_after_it_ends():
    months = pd.date_range("2020-01-01", periods=3, freq="MS", tz="UTC").as_unit("ns")
    macro = pd.Series([1.0, 2.0, 3.0], index=months)
    days = pd.date_range("2020-01-30", periods=4, freq="D", tz="UTC")
    aligned = align_causally(macro, days.as_unit("ns"), field="macro")
    # January is known when it ends, at Feb 1: the Jan 31 bar (ending Feb 1) is the first to
    # use it; February is first used by the Feb 29 bar, beyond these days
    assert np.isnan(aligned.iloc[0])
    assert aligned.iloc[1:].tolist() == [1.0, 1.0, 1.0]


def test_macro_when_stress_is_at_its_window_high_then_macro_score_is_low():
    index = pd.date_range("2020-01-01", periods=6, freq="D", tz="UTC").as_unit("ns")
    vix = pd.Series([10, 11, 12, 13, 14, 15], index=index - pd.Timedelta(days=1), dtype=float)
    strategy = BreakoutScore(macro=vix)
    score = strategy.score(_bars([1, 2, 3, 4, 5, 6]), rank_window=3)
    # value labelled day s is known at s + 1 day, so bar i (ending at i + 1) sees day i
    assert score["macro"].iloc[4] == pytest.approx(0.0)  # 15 tops the window [13, 14, 15]
    assert score["macro"].iloc[5] == pytest.approx(1 - 2.5 / 3)  # [14, 15, 15], ties averaged
