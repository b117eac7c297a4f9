"""Drawdowns from returns equal empyrical's; drawdown durations follow the equity path."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest

from signaltrust.metrics import (
    drawdown_series,
    equity_drawdown,
    max_drawdown,
    max_drawdown_duration,
)


def test_max_drawdown_when_random_returns_then_equals_empyrical(random_series, same):
    same(max_drawdown(random_series), empyrical.max_drawdown(random_series))


def test_max_drawdown_when_real_returns_then_equals_empyrical(market_series, same):
    same(max_drawdown(market_series), empyrical.max_drawdown(market_series))


def test_drawdown_series_when_real_returns_then_equals_empyrical(market_series):
    ours = drawdown_series(market_series)
    theirs = empyrical.stats.drawdown_series(market_series)
    assert ours.index.equals(market_series.index)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-9, atol=1e-15)


def test_max_drawdown_when_empty_or_rising_then_nan_or_zero_as_empyrical():
    assert np.isnan(max_drawdown(np.array([]))) and np.isnan(empyrical.max_drawdown(np.array([])))
    rising = np.full(20, 0.01)
    assert max_drawdown(rising) == empyrical.max_drawdown(rising) == 0.0


def test_max_drawdown_when_first_return_is_a_loss_then_measured_from_the_start():
    # equity 1.0 -> 0.9 -> 0.99 -> 0.495: the start counts as a peak
    assert max_drawdown(np.array([-0.1, 0.1, -0.5])) == pytest.approx(-0.505, rel=1e-12)


def test_equity_drawdown_when_equity_path_then_matches_drawdown_of_its_returns(market_series):
    equity = 1000.0 * (1.0 + market_series.fillna(0.0)).cumprod()
    ours = equity_drawdown(equity).to_numpy()
    np.testing.assert_allclose(
        np.minimum(ours, 0.0), drawdown_series(market_series).to_numpy(), atol=1e-12
    )


def test_max_drawdown_duration_when_peak_recovered_then_counts_peak_to_recovery():
    # peak at bar 1, under water at bars 2-4, regained at bar 5; a shorter dip at 7
    equity = np.array([100, 110, 100, 90, 105, 111, 112, 108, 113.0])
    assert max_drawdown_duration(equity) == 4


def test_max_drawdown_duration_when_never_recovered_then_runs_to_the_last_bar():
    equity = pd.Series(
        [100, 120, 119, 110, 100, 118.0], index=pd.date_range("2020-01-01", periods=6, tz="UTC")
    )
    assert max_drawdown_duration(equity) == pd.Timedelta(days=4)


def test_max_drawdown_duration_when_equity_never_falls_then_zero():
    assert max_drawdown_duration(np.array([1.0, 1.0, 2.0, 3.0])) == 0
    idx = pd.date_range("2020-01-01", periods=3, tz="UTC")
    assert max_drawdown_duration(pd.Series([1.0, 2.0, 3.0], index=idx)) == pd.Timedelta(0)
