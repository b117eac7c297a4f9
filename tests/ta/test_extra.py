"""The indicators TA-Lib lacks, against plain pandas computations of their definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust import ta

from .conftest import random_walk


def test_donchian_when_computed_then_rolling_extremes_and_midpoint(goog):
    upper, middle, lower = ta.donchian(goog["high"], goog["low"], timeperiod=20)
    expected_upper = goog["high"].rolling(20).max()
    expected_lower = goog["low"].rolling(20).min()
    pd.testing.assert_series_equal(upper, expected_upper, check_names=False)
    pd.testing.assert_series_equal(lower, expected_lower, check_names=False)
    pd.testing.assert_series_equal(middle, (expected_upper + expected_lower) / 2, check_names=False)


def test_keltner_when_computed_then_ema_plus_minus_multiple_of_atr(goog):
    upper, middle, lower = ta.keltner(goog["high"], goog["low"], goog["close"], 20, 10, 2.0)
    ema = ta.ema(goog["close"], 20)
    atr = ta.atr(goog["high"], goog["low"], goog["close"], 10)
    np.testing.assert_allclose(upper, ema + 2.0 * atr, rtol=1e-12)
    np.testing.assert_allclose(lower, ema - 2.0 * atr, rtol=1e-12)
    assert middle.first_valid_index() == upper.first_valid_index() == goog.index[19]


def test_vwap_when_cumulative_then_equals_running_ratio(goog):
    typical = (goog["high"] + goog["low"] + goog["close"]) / 3
    expected = (typical * goog["volume"]).cumsum() / goog["volume"].cumsum()
    result = ta.vwap(goog["high"], goog["low"], goog["close"], goog["volume"])
    np.testing.assert_allclose(result, expected, rtol=1e-9)


def test_vwap_when_rolling_then_equals_window_ratio(goog):
    typical = (goog["high"] + goog["low"] + goog["close"]) / 3
    expected = (typical * goog["volume"]).rolling(30).sum() / goog["volume"].rolling(30).sum()
    result = ta.vwap(goog["high"], goog["low"], goog["close"], goog["volume"], timeperiod=30)
    np.testing.assert_allclose(result, expected, rtol=1e-9)
    assert result.isna().sum() == 29


def test_zscore_when_computed_then_population_standardised_distance(sp500):
    close = sp500["close"]
    mean = close.rolling(20).mean()
    std = close.rolling(20).std(ddof=0)
    np.testing.assert_allclose(ta.zscore(close, 20), (close - mean) / std, rtol=1e-8)


def test_realized_volatility_when_computed_then_annualised_sample_std_of_log_returns(sp500):
    close = sp500["close"]
    expected = np.log(close).diff().rolling(20).std(ddof=1) * np.sqrt(252)
    np.testing.assert_allclose(ta.realized_volatility(close, 20, 252), expected, rtol=1e-8)


def test_ichimoku_when_computed_then_spans_shifted_forward_by_kijun_period(goog):
    high, low = goog["high"], goog["low"]
    tenkan, kijun, senkou_a, senkou_b = ta.ichimoku(high, low, 9, 26, 52)

    def mid(n):
        return (high.rolling(n).max() + low.rolling(n).min()) / 2

    pd.testing.assert_series_equal(tenkan, mid(9), check_names=False)
    pd.testing.assert_series_equal(kijun, mid(26), check_names=False)
    pd.testing.assert_series_equal(senkou_a, ((mid(9) + mid(26)) / 2).shift(26), check_names=False)
    pd.testing.assert_series_equal(senkou_b, mid(52).shift(26), check_names=False)


def test_ichimoku_when_docstring_read_then_explains_missing_chikou():
    assert "chikou" in ta.ichimoku.__doc__ and "future" in ta.ichimoku.__doc__


def test_supertrend_when_trend_up_then_line_is_below_close_and_flips_on_cross(sp500):
    line, direction = ta.supertrend(sp500["high"], sp500["low"], sp500["close"], 10, 3.0)
    valid = direction.notna()
    assert set(direction[valid].unique()) == {1.0, -1.0}
    up = direction == 1.0
    down = direction == -1.0
    assert (line[up] <= sp500["close"][up]).all()
    assert (line[down] >= sp500["close"][down]).all()
    assert valid.sum() == len(sp500) - 10


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 100_000), period=st.integers(2, 40))
def test_donchian_when_any_walk_then_bands_bracket_every_bar(seed, period):
    frame = random_walk(seed=seed, n=150)
    upper, middle, lower = ta.donchian(
        frame["high"].to_numpy(), frame["low"].to_numpy(), timeperiod=period
    )
    valid = ~np.isnan(upper)
    assert valid.sum() == 150 - period + 1
    assert (upper[valid] >= frame["high"].to_numpy()[valid]).all()
    assert (lower[valid] <= frame["low"].to_numpy()[valid]).all()
    assert (lower[valid] <= middle[valid]).all() and (middle[valid] <= upper[valid]).all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 100_000), period=st.integers(2, 30))
def test_rsi_when_any_walk_then_between_0_and_100(seed, period):
    close = random_walk(seed=seed, n=120)["close"].to_numpy()
    values = ta.rsi(close, timeperiod=period)
    valid = values[~np.isnan(values)]
    assert len(valid) == 120 - period
    assert ((valid >= 0) & (valid <= 100)).all()


@pytest.mark.parametrize("name", ["vwap"])
def test_vwap_when_volume_zero_then_nan(name):
    ones = np.ones(5)
    assert np.isnan(ta.vwap(ones, ones, ones, np.zeros(5))).all()
