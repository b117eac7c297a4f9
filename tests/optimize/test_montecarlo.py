"""Monte Carlo: trade reshuffling keeps final equity and moves drawdowns; bootstrap bands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import run
from signaltrust.core.errors import ValidationError
from signaltrust.optimize import bootstrap_returns, equity_returns, reshuffle_trades
from signaltrust.optimize.bootstrap import MEAN, SCHEMES, simulate
from signaltrust.optimize.montecarlo import band_steps


def _trade_returns() -> np.ndarray:
    return np.random.default_rng(0).normal(0.01, 0.06, 60)


def test_reshuffle_when_trades_permuted_then_final_equity_is_their_product_on_every_path():
    trades = _trade_returns()
    result = reshuffle_trades(trades, n_paths=2000, seed=1, start_equity=100.0)
    expected = 100.0 * np.prod(1.0 + trades)
    np.testing.assert_allclose(result.final_equity, expected, rtol=1e-12)
    assert result.original["final_equity"] == pytest.approx(expected, rel=1e-12)


def test_reshuffle_when_trades_permuted_then_drawdowns_and_time_under_water_vary():
    result = reshuffle_trades(_trade_returns(), n_paths=2000, seed=1)
    assert np.ptp(result.max_drawdown) > 0.1
    assert np.ptp(result.longest_underwater) >= 5
    assert (result.max_drawdown <= 0).all()


def test_reshuffle_when_losses_first_then_original_is_the_worst_drawdown():
    # every loss before every gain: no order can fall further than this one
    trades = np.concatenate([np.full(10, -0.05), np.full(20, 0.04)])
    result = reshuffle_trades(trades, n_paths=1000, seed=2)
    worst = 0.95**10 - 1.0
    assert result.original["max_drawdown"] == pytest.approx(worst)
    assert (result.max_drawdown >= worst - 1e-12).all()
    assert result.probability("max_drawdown", worst + 1e-12) < 0.01


def test_reshuffle_when_paths_drawn_then_each_is_a_permutation():
    # distinct powers of two: 20 draws can only add up to the sum of all 20 when each trade
    # is drawn exactly once
    trades = 2.0 ** -np.arange(1, 21)
    stats, _ = simulate(
        trades, scheme=SCHEMES["permute"], block=1.0, n_paths=200, n_out=trades.size, seed=3
    )
    np.testing.assert_allclose(stats[:, MEAN], trades.mean(), rtol=1e-13)
    result = reshuffle_trades(trades, n_paths=20, seed=3, band_points=trades.size + 1)
    assert result.bands.index[-1] == trades.size
    assert result.bands.iloc[0].tolist() == [1.0] * 5


def test_reshuffle_when_backtest_trades_given_then_uses_closed_trades_in_exit_order():
    backtest = run("goog", "sma_cross", {"fast": 10, "slow": 30})
    closed = backtest.trades[backtest.trades["status"] == "closed"]
    result = reshuffle_trades(backtest.trades, n_paths=500, seed=4)
    assert result.n_steps == len(closed)
    assert result.final_equity[0] == pytest.approx(np.prod(1.0 + closed["return"].to_numpy()))


def test_reshuffle_when_same_seed_then_same_paths_and_seed_recorded():
    a = reshuffle_trades(_trade_returns(), n_paths=300, seed=9)
    b = reshuffle_trades(_trade_returns(), n_paths=300, seed=9)
    assert a.seed == 9
    np.testing.assert_array_equal(a.max_drawdown, b.max_drawdown)
    pd.testing.assert_frame_equal(a.bands, b.bands)


def test_bootstrap_when_bands_computed_then_quantiles_ordered_and_start_at_start_equity():
    returns = pd.Series(np.random.default_rng(5).normal(0.0004, 0.01, 1000))
    result = bootstrap_returns(returns, n_paths=1000, seed=6, start_equity=1000.0)
    bands = result.bands
    assert list(bands.columns) == ["q05", "q25", "q50", "q75", "q95"]
    assert (bands.iloc[0] == 1000.0).all()
    assert (np.diff(bands.to_numpy(), axis=1) >= 0).all()
    assert bands.index[-1] == 1000
    assert bands["q50"].iloc[-1] == pytest.approx(np.median(result.final_equity))


def test_bootstrap_when_summary_read_then_rows_are_quantiles_mean_and_original():
    returns = np.random.default_rng(7).normal(0.0004, 0.01, 500)
    summary = bootstrap_returns(returns, n_paths=500, seed=1).summary()
    assert list(summary.index) == ["q05", "q25", "q50", "q75", "q95", "mean", "original"]
    assert summary.loc["original", "final_equity"] == pytest.approx(np.prod(1 + returns))
    assert summary.loc["q05", "final_equity"] < summary.loc["q95", "final_equity"]


def test_bootstrap_when_backtest_equity_given_then_median_path_near_the_backtest():
    backtest = run("goog", "sma_cross", {"fast": 10, "slow": 30})
    result = bootstrap_returns(
        equity_returns(backtest.equity),
        n_paths=2000,
        seed=1,
        start_equity=float(backtest.equity.iloc[0]),
    )
    final = float(backtest.equity.iloc[-1])
    low, high = np.quantile(result.final_equity, [0.05, 0.95])
    assert low < final < high


def test_bands_when_many_path_steps_then_about_a_thousand_points_ending_at_the_last():
    steps = band_steps(5000, 10_000)
    assert steps[0] == 0 and steps[-1] == 5000 and 900 <= steps.size <= 1000
    assert band_steps(100, 10).size == 101


def test_bootstrap_when_block_not_whole_for_circular_then_error_names_block():
    with pytest.raises(ValidationError, match="block"):
        bootstrap_returns(np.full(100, 0.001), block=2.5, method="circular", seed=1)
