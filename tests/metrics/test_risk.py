"""Risk and risk-adjusted statistics equal empyrical's on random and real series and edge cases."""

from __future__ import annotations

import warnings

import empyrical
import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.metrics import (
    annual_volatility,
    calmar_ratio,
    conditional_value_at_risk,
    downside_risk,
    omega_ratio,
    sharpe_ratio,
    sortino_ratio,
    tail_ratio,
    value_at_risk,
)

ONE_SERIES = [
    annual_volatility,
    sharpe_ratio,
    sortino_ratio,
    downside_risk,
    calmar_ratio,
    omega_ratio,
    tail_ratio,
    conditional_value_at_risk,
]


def _empyrical(name, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(empyrical, name)(*args, **kwargs)


@pytest.mark.parametrize("func", ONE_SERIES, ids=lambda f: f.__name__)
def test_risk_statistic_when_random_returns_then_equals_empyrical(func, random_series, same):
    same(func(random_series), _empyrical(func.__name__, random_series))


@pytest.mark.parametrize("func", ONE_SERIES + [value_at_risk], ids=lambda f: f.__name__)
def test_risk_statistic_when_real_returns_then_equals_empyrical(func, market_series, same):
    same(func(market_series), _empyrical(func.__name__, market_series))


@pytest.mark.parametrize("func", ONE_SERIES + [value_at_risk], ids=lambda f: f.__name__)
def test_risk_statistic_when_numpy_array_then_equals_series_result(func, make_returns):
    returns = make_returns(5, nans=True)
    values = returns.to_numpy()
    a, b = func(values), func(returns)
    assert (np.isnan(a) and np.isnan(b)) or a == b


@pytest.mark.parametrize("risk_free", [0.0, 0.0001, -0.0002])
@pytest.mark.parametrize("period", ["daily", "weekly", "monthly"])
def test_sharpe_ratio_when_risk_free_and_period_vary_then_equals_empyrical(
    random_series, risk_free, period, same
):
    same(
        sharpe_ratio(random_series, risk_free=risk_free, period=period),
        empyrical.sharpe_ratio(random_series, risk_free=risk_free, period=period),
    )


def test_sharpe_ratio_when_risk_free_is_a_series_then_equals_empyrical(make_returns, same):
    returns, rates = make_returns(2), make_returns(3, drift=0.0001) * 0.01
    same(sharpe_ratio(returns, rates), empyrical.sharpe_ratio(returns, rates))


@pytest.mark.parametrize("required_return", [0.0, 0.0005, -0.001])
@pytest.mark.parametrize("annualization", [None, 365])
def test_sortino_ratio_when_required_return_varies_then_equals_empyrical(
    random_series, required_return, annualization, same
):
    same(
        sortino_ratio(random_series, required_return, annualization=annualization),
        empyrical.sortino_ratio(random_series, required_return, annualization=annualization),
    )
    same(
        downside_risk(random_series, required_return, annualization=annualization),
        empyrical.downside_risk(random_series, required_return, annualization=annualization),
    )


@pytest.mark.parametrize("alpha", [2.0, 3.0])
@pytest.mark.parametrize("period", ["daily", "weekly", "monthly", "quarterly", "yearly"])
def test_annual_volatility_when_alpha_and_period_vary_then_equals_empyrical(
    market_series, alpha, period, same
):
    same(
        annual_volatility(market_series, period=period, alpha=alpha),
        empyrical.annual_volatility(market_series, period=period, alpha=alpha),
    )


@pytest.mark.parametrize("period", ["daily", "monthly"])
def test_calmar_ratio_when_period_varies_then_equals_empyrical(random_series, period, same):
    same(
        calmar_ratio(random_series, period=period),
        empyrical.calmar_ratio(random_series, period=period),
    )


@pytest.mark.parametrize(
    ("risk_free", "required_return", "annualization"),
    [(0.0, 0.0, 252), (0.0001, 0.05, 252), (0.0, 0.001, 1), (0.0, -1.5, 252), (0.0, 0.10, 12)],
)
def test_omega_ratio_when_thresholds_vary_then_equals_empyrical(
    random_series, risk_free, required_return, annualization, same
):
    same(
        omega_ratio(random_series, risk_free, required_return, annualization),
        empyrical.omega_ratio(random_series, risk_free, required_return, annualization),
    )


@pytest.mark.parametrize("cutoff", [0.01, 0.05, 0.1, 0.25])
def test_value_at_risk_when_cutoff_varies_then_equals_empyrical(market_series, cutoff, same):
    same(value_at_risk(market_series, cutoff), empyrical.value_at_risk(market_series, cutoff))
    same(
        conditional_value_at_risk(market_series, cutoff),
        empyrical.conditional_value_at_risk(market_series, cutoff),
    )


def test_value_at_risk_when_returns_hold_nans_then_equals_empyrical_without_them(
    make_returns, same
):
    returns = make_returns(4, nans=True)
    same(value_at_risk(returns), empyrical.value_at_risk(returns.dropna()))


@pytest.mark.parametrize("func", ONE_SERIES + [value_at_risk], ids=lambda f: f.__name__)
def test_risk_statistic_when_empty_then_nan_as_empyrical(func):
    empty = np.array([], dtype=float)
    assert np.isnan(func(empty))
    assert np.isnan(_empyrical(func.__name__, empty))


@pytest.mark.parametrize("func", ONE_SERIES + [value_at_risk], ids=lambda f: f.__name__)
def test_risk_statistic_when_single_return_then_equals_empyrical(func, same):
    same(func(np.array([0.01])), _empyrical(func.__name__, np.array([0.01])))


@pytest.mark.parametrize("func", ONE_SERIES + [value_at_risk], ids=lambda f: f.__name__)
@pytest.mark.parametrize("level", [0.0, 0.001, -0.001], ids=["zero", "gain", "loss"])
def test_risk_statistic_when_constant_returns_then_equals_empyrical(func, level, same):
    constant = np.full(300, level)
    # a constant series has no dispersion: empyrical's volatility keeps a residue of ~1e-17
    same(func(constant), _empyrical(func.__name__, constant), atol=1e-15)


def test_sharpe_ratio_when_constant_positive_returns_then_infinite():
    assert sharpe_ratio(np.full(50, 0.001)) == np.inf


def test_sharpe_ratio_when_dataframe_then_one_value_per_column(make_returns):
    frame = pd.DataFrame({"a": make_returns(0), "b": make_returns(1, nans=True)})
    ours = sharpe_ratio(frame)
    assert list(ours.index) == ["a", "b"]
    np.testing.assert_allclose(ours.to_numpy(), empyrical.sharpe_ratio(frame), rtol=1e-9)


def test_sharpe_ratio_when_unknown_period_then_error_names_the_field(make_returns):
    with pytest.raises(ValidationError, match="period"):
        sharpe_ratio(make_returns(0), period="hourly")


def test_sharpe_ratio_when_annualization_is_zero_then_error_names_the_field(make_returns):
    with pytest.raises(ValidationError, match="annualization"):
        sharpe_ratio(make_returns(0), annualization=0)
