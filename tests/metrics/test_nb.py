"""The numba kernels equal the pandas-facing statistics and run inside other njit code."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numba import njit, prange

from signaltrust.metrics import (
    annual_return,
    annual_volatility,
    calmar_ratio,
    downside_risk,
    max_drawdown,
    nb,
    sharpe_ratio,
    simple_returns,
    sortino_ratio,
)


@pytest.mark.parametrize("risk_free", [0.0, 0.0002])
@pytest.mark.parametrize("ann_factor", [252.0, 365.0, 6240.0])
def test_sharpe_ratio_nb_when_random_returns_then_equals_sharpe_ratio(
    random_series, risk_free, ann_factor, same
):
    values = random_series.to_numpy()
    same(
        nb.sharpe_ratio_nb(values, risk_free, ann_factor),
        sharpe_ratio(values, risk_free, annualization=ann_factor),
    )


@pytest.mark.parametrize("required", [0.0, 0.0005])
def test_sortino_and_downside_nb_when_random_returns_then_equal_api(random_series, required, same):
    values = random_series.to_numpy()
    same(nb.sortino_ratio_nb(values, required, 252.0), sortino_ratio(values, required))
    same(nb.downside_risk_nb(values, required, 252.0), downside_risk(values, required))


def test_annual_volatility_nb_when_real_returns_then_equals_annual_volatility(market_series, same):
    values = market_series.to_numpy()
    same(nb.annual_volatility_nb(values, 252.0), annual_volatility(values))


def _equity(returns: np.ndarray, start: float = 1_000_000.0) -> np.ndarray:
    return start * np.concatenate([[1.0], np.cumprod(1.0 + returns)])


def test_equity_kernels_when_real_equity_then_equal_statistics_of_its_returns(market_series, same):
    returns = market_series.to_numpy()
    equity = _equity(returns)
    rets = simple_returns(equity)  # what the equity path implies, rounding included
    same(nb.sharpe_ratio_equity_nb(equity, 0.0, 252.0), sharpe_ratio(rets))
    same(nb.sortino_ratio_equity_nb(equity, 0.0, 252.0), sortino_ratio(rets))
    same(nb.annual_volatility_equity_nb(equity, 252.0), annual_volatility(rets))
    same(nb.max_drawdown_nb(equity), max_drawdown(returns))
    same(nb.annual_return_nb(equity[0], equity[-1], returns.size, 252.0), annual_return(returns))


def test_equity_stats_nb_when_real_equity_then_each_slot_equals_its_statistic(market_series, same):
    returns = market_series.to_numpy()
    equity = _equity(returns)
    out = np.empty(len(nb.EQUITY_STATS))
    nb.equity_stats_nb(equity, 252.0, out)
    found = dict(zip(nb.EQUITY_STATS, out, strict=True))
    same(found["total_return"], equity[-1] / equity[0] - 1.0)
    same(found["annual_return"], annual_return(returns))
    same(found["annual_volatility"], annual_volatility(returns))
    same(found["sharpe_ratio"], sharpe_ratio(returns))
    same(found["sortino_ratio"], sortino_ratio(returns))
    same(found["max_drawdown"], max_drawdown(returns))
    same(found["calmar_ratio"], calmar_ratio(returns))


def test_kernels_when_too_short_then_nan():
    assert math.isnan(nb.sharpe_ratio_nb(np.array([0.01]), 0.0, 252.0))
    assert math.isnan(nb.sortino_ratio_nb(np.array([0.01]), 0.0, 252.0))
    assert math.isnan(nb.annual_volatility_nb(np.array([]), 252.0))
    assert math.isnan(nb.max_drawdown_nb(np.array([])))
    assert math.isnan(nb.sharpe_ratio_equity_nb(np.array([1.0, 1.1]), 0.0, 252.0))
    out = np.zeros(len(nb.EQUITY_STATS))
    nb.equity_stats_nb(np.array([]), 252.0, out)
    assert np.isnan(out).all()


def test_kernels_when_constant_returns_then_same_edge_values_as_api(same):
    for level in (0.0, 0.001, -0.001):
        values = np.full(100, level)
        same(nb.sharpe_ratio_nb(values, 0.0, 252.0), sharpe_ratio(values))
        same(nb.sortino_ratio_nb(values, 0.0, 252.0), sortino_ratio(values))
        same(nb.annual_volatility_nb(values, 252.0), annual_volatility(values))


@njit(parallel=True, cache=False)
def _sweep_sharpes(equities, ann_factor):
    out = np.empty(equities.shape[0])
    for k in prange(equities.shape[0]):
        out[k] = nb.sharpe_ratio_equity_nb(equities[k], 0.0, ann_factor)
    return out


def test_kernels_when_called_from_a_prange_loop_then_match_one_by_one(make_returns):
    equities = np.stack([_equity(make_returns(seed, n=300).to_numpy()) for seed in range(6)])
    found = _sweep_sharpes(equities, 252.0)
    expected = [nb.sharpe_ratio_equity_nb(row, 0.0, 252.0) for row in equities]
    np.testing.assert_allclose(found, expected, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 80), elements=st.floats(-0.5, 0.5)))
def test_max_drawdown_nb_when_any_equity_path_then_equals_max_drawdown_of_its_returns(returns):
    equity = _equity(returns, 1.0)
    assert nb.max_drawdown_nb(equity) == pytest.approx(max_drawdown(returns), rel=1e-9, abs=1e-12)
    assert -1.0 <= nb.max_drawdown_nb(equity) <= 0.0


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 60), elements=st.floats(0.5, 2.0)))
def test_max_drawdown_span_nb_when_any_path_then_the_span_is_under_water_and_longest(equity):
    start, end = nb.max_drawdown_span_nb(equity)
    peak = np.maximum.accumulate(equity)
    under = equity < peak
    # brute force: the longest run of under-water bars, closed by the bar after it when present
    best = 0
    run = 0
    for i in range(equity.size):
        run = run + 1 if under[i] else 0
        if run:
            best = max(best, run + (1 if i + 1 < equity.size and not under[i + 1] else 0))
    assert end - start == best
    assert all(under[start + 1 : end]) if end > start else True
