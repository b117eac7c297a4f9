import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.portfolio import (
    OptimizationError,
    efficient_frontier,
    expected_returns,
    optimize,
    risk_contributions,
    sample_cov,
)

pypfopt = pytest.importorskip("pypfopt")


def _reference(prices, kind):
    mu = pypfopt.expected_returns.mean_historical_return(prices, compounding=False, frequency=12)
    cov = pypfopt.risk_models.sample_cov(prices, frequency=12)
    ef = pypfopt.EfficientFrontier(mu, cov, weight_bounds=(0, 1))
    raw = ef.min_volatility() if kind == "min_variance" else ef.max_sharpe(risk_free_rate=0.0)
    return pd.Series(raw).reindex(prices.columns)


def test_optimize_when_min_variance_on_stocks_then_matches_pyportfolioopt(stocks_clean):
    ours = optimize(stocks_clean, "min_variance")
    ref = _reference(stocks_clean, "min_variance")
    assert np.abs(ours - ref).max() < 1e-4
    assert ours.sum() == pytest.approx(1.0, abs=1e-12)


def test_optimize_when_max_sharpe_on_stocks_then_matches_pyportfolioopt(stocks_clean):
    ours = optimize(stocks_clean, "max_sharpe")
    ref = _reference(stocks_clean, "max_sharpe")
    assert np.abs(ours - ref).max() < 1e-4


def test_optimize_when_max_sharpe_then_no_feasible_portfolio_has_a_higher_sharpe(stocks_clean):
    mu = expected_returns(stocks_clean).to_numpy()
    cov = sample_cov(stocks_clean).to_numpy()
    best = optimize(stocks_clean, "max_sharpe").to_numpy()
    sharpe = lambda w: (mu @ w) / np.sqrt(w @ cov @ w)  # noqa: E731
    rng = np.random.default_rng(3)
    for w in rng.dirichlet(np.full(len(mu), 0.3), size=2000):
        assert sharpe(w) <= sharpe(best) + 1e-12


def test_optimize_when_prices_have_nan_then_error_names_columns_and_fix():
    prices = load("stocks")
    with pytest.raises(ValidationError) as err:
        optimize(prices, "min_variance")
    text = str(err.value)
    assert "DELL" in text and "dropna" in text


def test_optimize_when_risk_parity_then_risk_contributions_are_equal(stocks_clean):
    w = optimize(stocks_clean, "risk_parity")
    rc = risk_contributions(w.to_numpy(), sample_cov(stocks_clean).to_numpy())
    assert np.abs(rc - 1 / len(w)).max() < 1e-8
    assert (w > 0).all() and w.sum() == pytest.approx(1.0, abs=1e-12)


def test_optimize_when_risk_budgets_given_then_contributions_follow_budgets(stocks_clean):
    budgets = pd.Series(np.arange(1, 11, dtype=float), index=stocks_clean.columns)
    w = optimize(stocks_clean, "risk_parity", risk_budgets=budgets)
    rc = risk_contributions(w.to_numpy(), sample_cov(stocks_clean).to_numpy())
    assert np.abs(rc - budgets / budgets.sum()).max() < 1e-8


def test_optimize_when_hrp_then_weights_positive_and_sum_to_one(stocks_clean):
    w = optimize(stocks_clean, "hrp")
    assert (w > 0).all()
    assert w.sum() == pytest.approx(1.0, abs=1e-12)


def test_hrp_when_assets_uncorrelated_then_weights_are_inverse_variance():
    from signaltrust.portfolio import hrp_weights

    var = np.array([0.04, 0.01, 0.09, 0.02, 0.05])
    w = hrp_weights(np.diag(var))
    ivp = (1 / var) / (1 / var).sum()
    assert np.allclose(w, ivp, atol=1e-12)


def test_optimize_when_bounds_given_then_weights_respect_them(stocks_clean):
    bounds = {a: (0.02, 0.25) for a in stocks_clean.columns}
    for method in ("min_variance", "max_sharpe", "mean_variance"):
        w = optimize(stocks_clean, method, bounds=bounds)
        assert (w >= 0.02 - 1e-12).all() and (w <= 0.25 + 1e-12).all(), method
        assert w.sum() == pytest.approx(1.0, abs=1e-9)


def test_optimize_when_shorts_allowed_then_gross_leverage_is_capped(stocks_clean):
    free = optimize(stocks_clean, "max_sharpe", bounds=(-1, 1), leverage=3.0)
    capped = optimize(stocks_clean, "max_sharpe", bounds=(-1, 1), leverage=1.3)
    assert free.abs().sum() > 1.3 + 1e-3  # the cap binds
    assert capped.abs().sum() <= 1.3 + 1e-9
    assert capped.sum() == pytest.approx(1.0, abs=1e-9)
    assert (capped < 0).any()


def test_optimize_when_turnover_capped_then_distance_to_current_within_cap(stocks_clean):
    current = pd.Series(0.1, index=stocks_clean.columns)
    free = optimize(stocks_clean, "min_variance")
    capped = optimize(stocks_clean, "min_variance", max_turnover=0.3, current_weights=current)
    assert (free - current).abs().sum() > 0.3
    assert (capped - current).abs().sum() <= 0.3 + 1e-9


def test_optimize_when_turnover_without_current_weights_then_error(stocks_clean):
    with pytest.raises(ValidationError, match="current_weights"):
        optimize(stocks_clean, "min_variance", max_turnover=0.2)


def test_optimize_when_target_return_then_portfolio_reaches_it_at_min_risk(stocks_clean):
    mu = expected_returns(stocks_clean)
    cov = sample_cov(stocks_clean)
    w = optimize(stocks_clean, "mean_variance", target_return=0.25)
    assert float(mu @ w) >= 0.25 - 1e-9
    ef = pypfopt.EfficientFrontier(
        pypfopt.expected_returns.mean_historical_return(
            stocks_clean, compounding=False, frequency=12
        ),
        pypfopt.risk_models.sample_cov(stocks_clean, frequency=12),
    )
    theirs = pd.Series(ef.efficient_return(0.25)).reindex(stocks_clean.columns)
    assert np.abs(w - theirs).max() < 1e-4
    w_min = optimize(stocks_clean, "min_variance")
    assert float(w @ cov @ w) >= float(w_min @ cov @ w_min) - 1e-12


def test_optimize_when_target_risk_then_volatility_equals_target(stocks_clean):
    cov = sample_cov(stocks_clean)
    w = optimize(stocks_clean, "mean_variance", target_risk=0.2)
    assert np.sqrt(float(w @ cov @ w)) == pytest.approx(0.2, abs=1e-8)


def test_optimize_when_target_risk_below_minimum_then_error(stocks_clean):
    with pytest.raises(ValidationError, match="target_risk"):
        optimize(stocks_clean, "mean_variance", target_risk=0.01)


def test_efficient_frontier_when_traced_then_risk_and_return_increase(stocks_clean):
    front = efficient_frontier(stocks_clean, n_points=8)
    assert len(front) == 8
    assert (np.diff(front["risk"]) > -1e-12).all()
    assert (np.diff(front["return"]) > 0).all()
    weights = front[list(stocks_clean.columns)]
    assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-9)


def test_optimize_when_hrp_bounds_violated_then_error(stocks_clean):
    with pytest.raises(OptimizationError, match="bounds"):
        optimize(stocks_clean, "hrp", bounds=(0, 0.12))


def test_optimize_when_unknown_method_then_error_lists_methods(stocks_clean):
    with pytest.raises(ValidationError, match="min_variance"):
        optimize(stocks_clean, "black_litterman")


@pytest.mark.parametrize("cov", ["sample", "ledoit_wolf", "ewma"])
def test_optimize_when_each_cov_estimator_then_valid_weights(stocks_clean, cov):
    w = optimize(stocks_clean, "min_variance", cov=cov)
    assert w.sum() == pytest.approx(1.0, abs=1e-9) and (w >= -1e-12).all()
