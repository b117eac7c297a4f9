import numpy as np
import pytest

from signaltrust.backtest import simulate_targets
from signaltrust.core.errors import ValidationError
from signaltrust.portfolio import bars_from_prices, optimize, rebalance_weights


def test_rebalance_when_run_with_costs_then_fees_reduce_equity(stocks_clean):
    weights = rebalance_weights(stocks_clean, "min_variance", every="3mo", lookback=24)
    bars = bars_from_prices(stocks_clean)
    costly = simulate_targets(bars, weights, target_type="weight", fees=0.002)
    free = simulate_targets(bars, weights, target_type="weight", fees=0.0)
    assert len(costly.orders) > 0
    assert costly.positions.iloc[-1].abs().sum() > 0
    assert costly.equity.iloc[-1] < free.equity.iloc[-1]


def test_rebalance_when_truncated_then_weights_unchanged(stocks_clean):
    full = rebalance_weights(stocks_clean, "max_sharpe", every=2, lookback=24)
    for cut in (30, 45, 60):
        part = rebalance_weights(stocks_clean.iloc[:cut], "max_sharpe", every=2, lookback=24)
        assert np.allclose(part.to_numpy(), full.iloc[:cut].to_numpy(), equal_nan=True, atol=1e-12)


def test_rebalance_when_rebalance_bar_then_weights_equal_window_optimum(stocks_clean):
    weights = rebalance_weights(stocks_clean, "min_variance", every="1mo", lookback=24)
    t = 40
    window = stocks_clean.iloc[t - 23 : t + 1]
    expected = optimize(window, "min_variance", frequency=12)
    assert np.allclose(weights.iloc[t], expected, atol=1e-12)
    assert weights.iloc[:23].isna().all().all() and weights.iloc[23].notna().all()


def test_rebalance_when_every_quarter_then_only_first_bar_of_each_quarter(stocks_clean):
    weights = rebalance_weights(stocks_clean, "hrp", every="1q", lookback=12)
    done = weights.dropna().index
    assert set(done.month) <= {1, 4, 7, 10}


def test_rebalance_when_every_invalid_then_error_names_every(stocks_clean):
    with pytest.raises(ValidationError, match="every"):
        rebalance_weights(stocks_clean, every="fortnightly")
