"""Benchmark-relative statistics equal empyrical's; the others follow docs/metrics.md."""

from __future__ import annotations

import math
import warnings

import empyrical
import numpy as np
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.metrics import (
    alpha,
    alpha_beta,
    beta,
    capture,
    down_capture,
    excess_sharpe,
    information_ratio,
    tracking_error,
    up_capture,
)

PAIR_FUNCS = [alpha, beta, excess_sharpe, capture, up_capture, down_capture]


@pytest.fixture(params=[0, 1, 2])
def random_pair(request, make_returns):
    seed = request.param
    benchmark = make_returns(100 + seed, nans=True, drift=0.0003)
    noise = make_returns(200 + seed, nans=True, drift=0.0001)
    return 0.8 * benchmark + 0.5 * noise, benchmark


def _theirs(name, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(empyrical, name)(*args, **kwargs)


@pytest.mark.parametrize("func", PAIR_FUNCS, ids=lambda f: f.__name__)
def test_relative_statistic_when_random_returns_then_equals_empyrical(func, random_pair, same):
    returns, benchmark = random_pair
    same(func(returns, benchmark), _theirs(func.__name__, returns, benchmark))


@pytest.mark.parametrize("func", PAIR_FUNCS, ids=lambda f: f.__name__)
def test_relative_statistic_when_numpy_arrays_then_equals_empyrical(func, random_pair, same):
    returns, benchmark = (s.to_numpy() for s in random_pair)
    same(func(returns, benchmark), _theirs(func.__name__, returns, benchmark))


def test_alpha_beta_when_goog_against_sp500_with_different_dates_then_equals_empyrical(
    real_pair, same
):
    goog, sp500 = real_pair
    ours = alpha_beta(goog, sp500)
    theirs = empyrical.alpha_beta(goog, sp500)
    same(ours[0], theirs[0])
    same(ours[1], theirs[1])
    same(excess_sharpe(goog, sp500), empyrical.excess_sharpe(goog, sp500))


@pytest.mark.parametrize("risk_free", [0.0, 0.0001])
@pytest.mark.parametrize("annualization", [None, 365])
def test_alpha_beta_when_risk_free_and_annualization_vary_then_equals_empyrical(
    random_pair, risk_free, annualization, same
):
    returns, benchmark = random_pair
    ours = alpha_beta(returns, benchmark, risk_free, annualization=annualization)
    theirs = empyrical.alpha_beta(returns, benchmark, risk_free, annualization=annualization)
    same(ours[0], theirs[0])
    same(ours[1], theirs[1])
    same(alpha(returns, benchmark, risk_free, annualization=annualization), theirs[0])


def test_beta_when_returns_are_a_scaled_benchmark_then_the_scale(make_returns):
    benchmark = make_returns(9)
    assert beta(1.7 * benchmark, benchmark) == pytest.approx(1.7, rel=1e-12)
    assert alpha(benchmark, benchmark) == pytest.approx(0.0, abs=1e-15)


def test_beta_when_benchmark_is_constant_then_nan_as_empyrical(make_returns):
    returns = make_returns(3).to_numpy()
    flat = np.full(returns.size, 0.001)
    assert math.isnan(beta(returns, flat)) and math.isnan(empyrical.beta(returns, flat))


def test_information_ratio_when_random_returns_then_annualised_mean_over_std_of_active_returns(
    random_pair,
):
    returns, benchmark = random_pair
    active = (returns - benchmark).dropna().to_numpy()
    expected = active.mean() / active.std(ddof=1) * math.sqrt(252)
    assert information_ratio(returns, benchmark) == pytest.approx(expected, rel=1e-9)
    assert information_ratio(returns, benchmark, annualization=12) == pytest.approx(
        expected / math.sqrt(252) * math.sqrt(12), rel=1e-9
    )


def test_tracking_error_when_random_returns_then_annualised_std_of_active_returns(random_pair):
    returns, benchmark = random_pair
    active = (returns - benchmark).dropna().to_numpy()
    assert tracking_error(returns, benchmark) == pytest.approx(
        active.std(ddof=1) * math.sqrt(252), rel=1e-9
    )
    assert tracking_error(returns, benchmark, period="weekly") == pytest.approx(
        active.std(ddof=1) * math.sqrt(52), rel=1e-9
    )


def test_information_ratio_when_returns_equal_benchmark_then_nan(make_returns):
    returns = make_returns(4).to_numpy()
    assert tracking_error(returns, returns) == 0.0
    assert math.isnan(information_ratio(returns, returns))


def test_relative_statistic_when_arrays_differ_in_length_then_error_names_factor_returns():
    with pytest.raises(ValidationError, match="factor_returns"):
        beta(np.zeros(10), np.zeros(9))


@pytest.mark.parametrize(
    "func",
    [alpha, beta, excess_sharpe, information_ratio, tracking_error],
    ids=lambda f: f.__name__,
)
def test_relative_statistic_when_empty_then_nan(func):
    assert math.isnan(func(np.array([]), np.array([])))
