import empyrical
import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.stats import norm

from signaltrust import metrics
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.risk.measures import (
    component_var,
    conditional_value_at_risk,
    cornish_fisher_z,
    moments,
    portfolio_cvar,
    portfolio_returns,
    portfolio_var,
    position_cvar,
    position_var,
    value_at_risk,
)


@pytest.fixture(scope="module")
def returns():
    prices = load("stocks").dropna()
    return prices.pct_change().iloc[1:]


@pytest.mark.parametrize("cutoff", [0.01, 0.05, 0.1])
def test_historical_var_when_compared_then_equals_empyrical_and_metrics(returns, cutoff):
    for col in returns.columns:
        r = returns[col]
        assert value_at_risk(r, cutoff) == pytest.approx(
            empyrical.value_at_risk(r, cutoff), abs=1e-15
        )
        assert value_at_risk(r, cutoff) == metrics.value_at_risk(r, cutoff)
        ours = conditional_value_at_risk(r, cutoff)
        assert ours == pytest.approx(empyrical.conditional_value_at_risk(r, cutoff), abs=1e-15)
        assert ours == metrics.conditional_value_at_risk(r, cutoff)
        assert ours <= value_at_risk(r, cutoff) < 0


def test_gaussian_var_when_hand_computed_then_equal():
    r = np.array([0.01, -0.02, 0.03, -0.01, 0.005, 0.0])
    mean, sd = r.mean(), r.std(ddof=1)
    z = -1.6448536269514729  # norm.ppf(0.05)
    assert value_at_risk(r, 0.05, "gaussian") == pytest.approx(mean + z * sd, abs=1e-12)
    phi = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
    assert conditional_value_at_risk(r, 0.05, "gaussian") == pytest.approx(
        mean - sd * phi / 0.05, abs=1e-12
    )


def test_cornish_fisher_when_symmetric_normal_moments_then_equals_gaussian():
    assert cornish_fisher_z(-1.6448536269514729, 0.0, 0.0) == -1.6448536269514729


def test_cornish_fisher_var_when_skewed_then_hand_formula(returns):
    r = returns["AMZN"].to_numpy()
    mean = r.mean()
    sd = r.std(ddof=1)
    c = r - mean
    s = np.mean(c**3) / np.mean(c**2) ** 1.5
    k = np.mean(c**4) / np.mean(c**2) ** 2 - 3
    assert moments(r) == pytest.approx((mean, sd, s, k))
    z = norm.ppf(0.01)
    zcf = z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
    assert value_at_risk(r, 0.01, "cornish_fisher") == pytest.approx(mean + zcf * sd, abs=1e-14)


def test_cornish_fisher_cvar_when_integrated_numerically_then_closed_form_agrees(returns):
    r = returns["XRX"].to_numpy()
    mean, sd, s, k = moments(r)
    a = 0.05
    tail, _ = integrate.quad(lambda u: cornish_fisher_z(norm.ppf(u), s, k), 0, a, limit=200)
    expected = mean + sd * tail / a
    assert conditional_value_at_risk(r, a, "cornish_fisher") == pytest.approx(expected, abs=1e-9)


def test_monte_carlo_var_when_seeded_then_reproducible_and_near_gaussian(returns):
    r = returns["MSFT"]
    a = value_at_risk(r, 0.05, "monte_carlo", seed=7)
    assert a == value_at_risk(r, 0.05, "monte_carlo", seed=7)
    assert a != value_at_risk(r, 0.05, "monte_carlo", seed=8)
    gauss = value_at_risk(r, 0.05, "gaussian")
    sd = r.std()
    # quantile standard error sqrt(p(1-p)/n)/phi(z) x sigma, 5 standard errors
    se = np.sqrt(0.05 * 0.95 / 100_000) / norm.pdf(norm.ppf(0.05)) * sd
    assert abs(a - gauss) < 5 * se


def test_position_var_when_long_and_short_then_money_quantile_of_pnl(returns):
    r = returns["AAPL"]
    assert position_var(10_000, r) == pytest.approx(10_000 * value_at_risk(r))
    # a short loses on the upside: its VaR is -value x the upper quantile
    assert position_var(-10_000, r) == pytest.approx(-10_000 * np.percentile(r, 95))
    assert position_cvar(-10_000, r) <= position_var(-10_000, r) < 0


def test_portfolio_var_when_weights_then_var_of_weighted_returns(returns):
    w = pd.Series(np.linspace(1, 2, returns.shape[1]), index=returns.columns)
    w /= w.sum()
    series = returns.to_numpy() @ w.to_numpy()
    assert portfolio_var(w, returns) == pytest.approx(np.percentile(series, 5))
    assert portfolio_cvar(w, returns) == pytest.approx(empyrical.conditional_value_at_risk(series))
    sigma = np.sqrt(w @ returns.cov() @ w)
    expected = series.mean() + norm.ppf(0.05) * sigma
    assert portfolio_var(w, returns, method="gaussian") == pytest.approx(expected, abs=1e-14)
    mc = portfolio_var(w, returns, method="monte_carlo", seed=1)
    assert (
        abs(mc - expected) < 5 * np.sqrt(0.05 * 0.95 / 100_000) / norm.pdf(norm.ppf(0.05)) * sigma
    )


@pytest.mark.parametrize("include_mean", [True, False])
def test_component_var_when_summed_then_equals_portfolio_gaussian_var(returns, include_mean):
    w = pd.Series([0.3, -0.1, 0.2, 0.05, 0.1, 0.15, 0.1, 0.05, 0.1, 0.05], index=returns.columns)
    table = component_var(w, returns, 0.05, include_mean=include_mean)
    cov = returns.cov().to_numpy()
    sigma = np.sqrt(w @ cov @ w)
    mean = float(returns.mean() @ w) if include_mean else 0.0
    total = mean + norm.ppf(0.05) * sigma
    assert table["component"].sum() == pytest.approx(total, abs=1e-14)
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-12)
    if not include_mean:
        hand = w * (cov @ w) / sigma * norm.ppf(0.05)
        assert np.allclose(table["component"], hand, atol=1e-15)


def test_component_var_when_weight_bumped_then_marginal_is_derivative(returns):
    w = np.full(returns.shape[1], 0.1)
    table = component_var(w, returns)
    h = 1e-6
    bumped = w.copy()
    bumped[2] += h
    numeric = (
        portfolio_var(bumped, returns, method="gaussian")
        - portfolio_var(w, returns, method="gaussian")
    ) / h
    assert table["marginal"].iloc[2] == pytest.approx(numeric, rel=1e-4)


def test_var_when_returns_contain_nan_then_error_suggests_dropna():
    with pytest.raises(ValidationError, match="dropna"):
        value_at_risk(pd.Series([0.01, np.nan, -0.02]))


@pytest.mark.parametrize("cutoff", [0.0, 1.0, -0.05])
def test_var_when_cutoff_outside_unit_interval_then_error_names_cutoff(cutoff):
    with pytest.raises(ValidationError, match="cutoff"):
        value_at_risk([0.01, -0.02, 0.03], cutoff)


def test_var_when_method_unknown_then_error_lists_methods():
    with pytest.raises(ValidationError, match="cornish_fisher"):
        value_at_risk([0.01, -0.02, 0.03], method="evt")


def test_portfolio_returns_when_weights_name_unknown_asset_then_error(returns):
    with pytest.raises(ValidationError, match="TSLA"):
        portfolio_returns({"TSLA": 1.0}, returns)
