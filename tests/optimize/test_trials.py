"""trial_returns: one column of per-bar returns per grid combination, equal to run's equity."""

from __future__ import annotations

import numpy as np
import pytest

from signaltrust.backtest import run, sweep
from signaltrust.core.errors import ValidationError
from signaltrust.optimize import trial_returns


def test_trial_returns_when_grid_given_then_one_column_per_valid_combination():
    grid = {"fast": [5, 10, 30], "slow": [20, 30]}
    returns = trial_returns("goog", "sma_cross", grid)
    # fast < slow leaves 5/20, 5/30, 10/20, 10/30
    assert list(returns.columns) == [
        "fast=5,slow=20",
        "fast=5,slow=30",
        "fast=10,slow=20",
        "fast=10,slow=30",
    ]
    equity = run("goog", "sma_cross", {"fast": 10, "slow": 20}).equity
    np.testing.assert_allclose(returns["fast=10,slow=20"], equity.pct_change().iloc[1:])
    assert returns.index.equals(equity.index[1:])


def test_trial_returns_when_compared_with_sweep_then_same_sharpe_ratios():
    grid = {"fast": [5, 15], "slow": [40, 60]}
    returns = trial_returns("goog", "sma_cross", grid)
    table = sweep("goog", "sma_cross", grid=grid)
    sharpe = returns.mean() / returns.std() * np.sqrt(252)
    np.testing.assert_allclose(sharpe.to_numpy(), table["sharpe_ratio"].to_numpy(), rtol=1e-9)


def test_trial_returns_when_several_assets_then_error_names_data():
    with pytest.raises(ValidationError, match="one asset"):
        trial_returns(["goog", "sp500"], "sma_cross", {"fast": [5], "slow": [20]})
