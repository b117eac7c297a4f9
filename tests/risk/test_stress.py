"""Stress scenarios: historical windows on the bundled S&P 500, synthetic shocks as described."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import run
from signaltrust.core.errors import ValidationError
from signaltrust.data.catalog import load
from signaltrust.risk.stress import (
    HISTORICAL_SHOCKS,
    correlation_shock,
    gap_down,
    historical_stress,
    portfolio_stress,
    volatility_spike,
)


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load("sp500")


@pytest.mark.parametrize("name", list(HISTORICAL_SHOCKS))
def test_shock_window_when_read_on_bundled_sp500_then_both_ends_are_sessions_and_end_is_trough(
    sp500, name
):
    start, end, _ = HISTORICAL_SHOCKS[name]
    close = sp500["close"]
    first, last = pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")
    assert first in close.index and last in close.index
    window = close.loc[first:last]
    assert window.idxmin() == last  # every window ends at its lowest close
    assert window.iloc[-1] < window.iloc[0]


@pytest.mark.parametrize("name", ["dotcom", "gfc"])
def test_shock_window_when_bear_market_then_starts_at_the_peak_close(sp500, name):
    start, end, _ = HISTORICAL_SHOCKS[name]
    window = sp500["close"].loc[start:end]
    assert window.idxmax() == pd.Timestamp(start, tz="UTC")


def test_historical_stress_when_strategy_run_then_window_read_from_the_full_run(sp500):
    backtest = run(sp500, "sma_cross", {"fast": 50, "slow": 200})
    table = historical_stress(backtest.equity, sp500["close"]).set_index("scenario")
    equity = backtest.equity
    for name, (start, end, _) in HISTORICAL_SHOCKS.items():
        expected = equity.loc[start:end].iloc[-1] / equity.loc[start:end].iloc[0] - 1
        assert table.loc[name, "strategy_return"] == pytest.approx(expected)
        close = sp500["close"].loc[start:end]
        assert table.loc[name, "benchmark_return"] == pytest.approx(
            close.iloc[-1] / close.iloc[0] - 1
        )
    assert table.loc["gfc", "benchmark_max_drawdown"] == pytest.approx(
        table.loc["gfc", "benchmark_return"]
    )  # peak to trough: the fall is the drawdown


def test_historical_stress_when_data_misses_a_window_then_row_has_no_bars():
    goog = run("goog", "sma_cross", {"fast": 10, "slow": 30})  # 2004-2013: no dot-com
    table = historical_stress(goog.equity).set_index("scenario")
    assert table.loc["dotcom", "bars"] == 0 and np.isnan(table.loc["dotcom", "strategy_return"])
    assert table.loc["gfc", "bars"] > 300


def test_gap_down_when_applied_to_bars_then_every_price_from_the_gap_falls_by_size(sp500):
    at = sp500.index[3000]
    stressed = gap_down(sp500, at, 0.25)
    pd.testing.assert_frame_equal(stressed.iloc[:3000], sp500.iloc[:3000])
    for column in ("open", "high", "low", "close"):
        np.testing.assert_allclose(stressed[column].iloc[3000:], sp500[column].iloc[3000:] * 0.75)
    assert (stressed["volume"] == sp500["volume"]).all()
    jump = stressed["open"].iloc[3000] / sp500["open"].iloc[3000]
    assert jump == pytest.approx(0.75)


def test_gap_down_when_applied_to_returns_then_that_bar_compounds_the_gap():
    returns = pd.Series(
        [0.01, 0.02, -0.01, 0.005],
        index=pd.date_range("2020-01-01", periods=4, tz="UTC").as_unit("ns"),
    )
    stressed = gap_down(returns, "2020-01-03", 0.1, returns=True)
    assert stressed.iloc[2] == pytest.approx(0.99 * 0.9 - 1)
    assert (1 + stressed).prod() == pytest.approx((1 + returns).prod() * 0.9)


def test_volatility_spike_when_applied_to_returns_then_window_std_scales_by_k():
    index = pd.date_range("2020-01-01", periods=300, tz="UTC").as_unit("ns")
    returns = pd.Series(np.random.default_rng(1).normal(0, 0.01, 300), index=index)
    stressed = volatility_spike(returns, index[100], index[199], 3.0, returns=True)
    inside = slice(100, 200)
    assert stressed.iloc[inside].std() == pytest.approx(3 * returns.iloc[inside].std())
    pd.testing.assert_series_equal(stressed.iloc[:100], returns.iloc[:100])
    pd.testing.assert_series_equal(stressed.iloc[200:], returns.iloc[200:])


def test_volatility_spike_when_applied_to_bars_then_close_returns_scale_and_bars_stay_valid(
    sp500,
):
    index = sp500.index
    stressed = volatility_spike(sp500, index[2000], index[2062], 2.0)
    ret, new = sp500["close"].pct_change(), stressed["close"].pct_change()
    np.testing.assert_allclose(new.iloc[2000:2063], 2 * ret.iloc[2000:2063], rtol=1e-9)
    np.testing.assert_allclose(new.iloc[2063:], ret.iloc[2063:], rtol=1e-9, atol=1e-15)
    assert (stressed["high"] >= stressed[["open", "close", "low"]].max(axis=1) - 1e-9).all()


def _three_assets() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    index = pd.date_range("2020-01-01", periods=250, tz="UTC").as_unit("ns")
    values = rng.normal(0.0005, [0.01, 0.02, 0.015], (250, 3))
    return pd.DataFrame(values, index=index, columns=["a", "b", "c"])


def test_correlation_shock_when_applied_then_window_correlations_are_rho_and_vols_kept():
    returns = _three_assets()
    start, end = returns.index[50], returns.index[149]
    stressed = correlation_shock(returns, start, end, rho=0.97)
    before, after = returns.loc[start:end], stressed.loc[start:end]
    corr = after.corr().to_numpy()
    np.testing.assert_allclose(corr[~np.eye(3, dtype=bool)], 0.97, atol=1e-10)
    assert abs(before.corr().to_numpy()[0, 1]) < 0.3  # it was not there before
    np.testing.assert_allclose(after.std(), before.std(), rtol=1e-10)
    np.testing.assert_allclose(after.mean(), before.mean(), atol=1e-15)
    pd.testing.assert_frame_equal(stressed.iloc[:50], returns.iloc[:50])


def test_portfolio_stress_when_correlations_go_to_one_then_portfolio_volatility_rises():
    returns = _three_assets()
    start, end = returns.index[50], returns.index[149]
    stressed = correlation_shock(returns, start, end, rho=0.99)
    outcome = portfolio_stress(returns, stressed, start, end)
    weights = np.full(3, 1 / 3)
    assert (stressed.loc[start:end] @ weights).std() > 1.5 * (
        returns.loc[start:end] @ weights
    ).std()
    assert outcome.loss == pytest.approx(outcome.stressed_return - outcome.base_return)


def test_portfolio_stress_when_one_asset_gaps_then_loss_is_its_weight_times_the_gap():
    returns = _three_assets() * 0.0  # flat markets: the gap is the only move
    at = returns.index[100]
    stressed = returns.copy()
    stressed["b"] = gap_down(returns["b"], at, 0.3, returns=True)
    outcome = portfolio_stress(returns, stressed, at, returns.index[120], weights=[0.5, 0.5, 0.0])
    assert outcome.base_return == 0.0
    assert outcome.stressed_return == pytest.approx(-0.15)
    assert outcome.stressed_max_drawdown == pytest.approx(-0.15)


def test_correlation_shock_when_window_shorter_than_assets_then_error():
    returns = _three_assets()
    with pytest.raises(ValidationError, match="more bars than assets"):
        correlation_shock(returns, returns.index[10], returns.index[11])
