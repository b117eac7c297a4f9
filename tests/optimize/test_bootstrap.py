"""Bootstrap intervals of the Sharpe ratio and the maximum drawdown: coverage, seeds, blocks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.metrics import max_drawdown, sharpe_ratio
from signaltrust.optimize import bootstrap_max_drawdown_ci, bootstrap_sharpe_ci


def test_sharpe_ci_when_gaussian_returns_then_covers_true_sharpe_about_95_percent():
    rng = np.random.default_rng(123)
    true_sharpe = 0.05 * math.sqrt(252)  # mean 0.0005, std 0.01 per day
    trials = 200
    hits = sum(
        bootstrap_sharpe_ci(rng.normal(0.0005, 0.01, 250), n_boot=400, seed=i).contains(true_sharpe)
        for i in range(trials)
    )
    # binomial standard error at 95% over 200 trials is 1.5 points
    assert 0.89 <= hits / trials <= 0.99


def test_sharpe_ci_when_computed_then_estimate_is_the_metrics_sharpe():
    returns = pd.Series(np.random.default_rng(1).normal(0.0004, 0.012, 500))
    ci = bootstrap_sharpe_ci(returns, n_boot=300, seed=5)
    assert ci.estimate == pytest.approx(sharpe_ratio(returns))
    assert ci.lower < ci.estimate < ci.upper


def test_sharpe_ci_when_same_seed_then_same_interval_and_seed_recorded():
    returns = np.random.default_rng(2).normal(0.0, 0.01, 300)
    first = bootstrap_sharpe_ci(returns, n_boot=200, seed=77, block=5)
    again = bootstrap_sharpe_ci(returns, n_boot=200, seed=77, block=5)
    other = bootstrap_sharpe_ci(returns, n_boot=200, seed=78, block=5)
    assert first.seed == 77 and first.to_dict()["seed"] == 77
    np.testing.assert_array_equal(first.samples, again.samples)
    assert not np.array_equal(first.samples, other.samples)


def test_sharpe_ci_when_no_seed_then_one_is_drawn_and_reproduces():
    returns = np.random.default_rng(3).normal(0.0, 0.01, 200)
    drawn = bootstrap_sharpe_ci(returns, n_boot=100)
    replay = bootstrap_sharpe_ci(returns, n_boot=100, seed=drawn.seed)
    np.testing.assert_array_equal(drawn.samples, replay.samples)


def test_sharpe_ci_when_narrower_alpha_then_wider_interval():
    returns = np.random.default_rng(4).normal(0.0003, 0.01, 400)
    wide = bootstrap_sharpe_ci(returns, n_boot=500, alpha=0.01, seed=1)
    narrow = bootstrap_sharpe_ci(returns, n_boot=500, alpha=0.2, seed=1)
    assert wide.lower < narrow.lower < narrow.upper < wide.upper


def test_max_drawdown_ci_when_trending_returns_then_interval_holds_the_observed_drawdown():
    returns = np.random.default_rng(6).normal(0.0005, 0.01, 750)
    ci = bootstrap_max_drawdown_ci(returns, n_boot=500, seed=3, block=10)
    assert ci.estimate == pytest.approx(max_drawdown(returns))
    assert ci.lower < ci.estimate < ci.upper <= 0.0
    assert ci.block == 10 and ci.method == "stationary"


def test_max_drawdown_ci_when_returns_autocorrelated_then_blocks_keep_the_deeper_drawdowns():
    # AR(1) returns (phi 0.6): runs of losses; iid resampling breaks them up
    rng = np.random.default_rng(8)
    shocks = rng.normal(0.0, 0.008, 1000)
    returns = np.empty_like(shocks)
    returns[0] = shocks[0]
    for i in range(1, shocks.size):
        returns[i] = 0.6 * returns[i - 1] + shocks[i]
    returns += 0.0003
    iid = bootstrap_max_drawdown_ci(returns, n_boot=400, seed=1)
    blocks = bootstrap_max_drawdown_ci(returns, n_boot=400, seed=1, block=20)
    assert np.median(blocks.samples) < np.median(iid.samples) - 0.05
    observed = blocks.estimate
    assert abs(np.median(blocks.samples) - observed) < abs(np.median(iid.samples) - observed)


def test_bootstrap_when_block_too_long_then_error_names_block():
    with pytest.raises(ValidationError, match="block"):
        bootstrap_sharpe_ci(np.full(50, 0.001) + np.arange(50) * 1e-5, block=80, seed=1)


def test_bootstrap_when_returns_at_or_below_minus_one_then_error_says_simple_returns():
    with pytest.raises(ValidationError, match="simple returns"):
        bootstrap_max_drawdown_ci(np.array([0.01, -1.2, 0.02]), seed=1)
