"""Cumulative, aggregated and annual returns equal empyrical's on random and real series."""

from __future__ import annotations

import warnings

import empyrical
import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.metrics import (
    aggregate_returns,
    annual_return,
    cagr,
    cum_returns,
    cum_returns_final,
    simple_returns,
    stability_of_timeseries,
)


@pytest.mark.parametrize("starting_value", [0, 1, 100_000])
def test_cum_returns_when_random_returns_then_equals_empyrical(random_series, starting_value):
    ours = cum_returns(random_series, starting_value)
    theirs = empyrical.cum_returns(random_series, starting_value)
    assert isinstance(ours, pd.Series) and ours.index.equals(random_series.index)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-9)


def test_cum_returns_when_array_then_returns_array(make_returns):
    values = make_returns(1).to_numpy()
    ours = cum_returns(values, 1.0)
    assert isinstance(ours, np.ndarray)
    np.testing.assert_allclose(ours, empyrical.cum_returns(values, 1.0), rtol=1e-9)


def test_cum_returns_final_when_random_or_real_returns_then_equals_empyrical(any_series, same):
    same(cum_returns_final(any_series), empyrical.cum_returns_final(any_series))
    same(cum_returns_final(any_series, 10.0), empyrical.cum_returns_final(any_series, 10.0))


@pytest.mark.parametrize("period", ["daily", "weekly", "monthly"])
def test_annual_return_when_random_returns_then_equals_empyrical(random_series, period, same):
    same(
        annual_return(random_series, period=period),
        empyrical.annual_return(random_series, period=period),
    )
    same(cagr(random_series, period=period), empyrical.cagr(random_series, period=period))


def test_annual_return_when_real_returns_and_custom_annualization_then_equals_empyrical(
    market_series, same
):
    for annualization in (252, 365, 260.5):
        same(
            annual_return(market_series, annualization=annualization),
            empyrical.annual_return(market_series, annualization=annualization),
        )


def test_annual_return_when_compounding_then_matches_final_value_over_years():
    # two years of 252 daily returns of 1% each: (1.01 ** 504) ** (1 / 2) - 1
    values = np.full(504, 0.01)
    assert annual_return(values) == pytest.approx(1.01**252 - 1, rel=1e-12)


@pytest.mark.parametrize("convert_to", ["weekly", "monthly", "quarterly", "yearly"])
def test_aggregate_returns_when_daily_returns_then_equals_empyrical(any_series, convert_to):
    ours = aggregate_returns(any_series, convert_to)
    theirs = empyrical.aggregate_returns(any_series, convert_to)
    assert list(ours.index) == list(theirs.index)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-9, atol=1e-15)


def test_aggregate_returns_when_unknown_period_then_error_names_the_field(make_returns):
    with pytest.raises(ValidationError, match="convert_to"):
        aggregate_returns(make_returns(0), "hourly")


def test_stability_of_timeseries_when_random_or_real_returns_then_equals_empyrical(
    any_series, same
):
    same(stability_of_timeseries(any_series), empyrical.stability_of_timeseries(any_series))


def test_stability_of_timeseries_when_seeded_random_returns_then_equals_empyrical(
    random_series, same
):
    same(stability_of_timeseries(random_series), empyrical.stability_of_timeseries(random_series))


@pytest.mark.parametrize(
    "func", [cum_returns_final, annual_return, stability_of_timeseries], ids=lambda f: f.__name__
)
def test_return_statistic_when_empty_then_nan_as_empyrical(func):
    empty = np.array([], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(empyrical, func.__name__)(empty)
    assert np.isnan(func(empty)) and np.isnan(theirs)


def test_return_statistics_when_all_zero_returns_then_equal_empyrical(same):
    zeros = np.zeros(300)
    for func in (cum_returns_final, annual_return, stability_of_timeseries):
        same(func(zeros), getattr(empyrical, func.__name__)(zeros))


def test_cum_returns_final_when_dataframe_then_one_value_per_column(make_returns):
    frame = pd.DataFrame({"a": make_returns(0), "b": make_returns(1, nans=True)})
    ours = cum_returns_final(frame)
    np.testing.assert_allclose(
        ours.to_numpy(), empyrical.cum_returns_final(frame).to_numpy(), rtol=1e-9
    )


def test_simple_returns_when_prices_then_equals_empyrical(market_series):
    prices = (1.0 + market_series).cumprod() * 100.0
    np.testing.assert_allclose(
        simple_returns(prices).to_numpy(), empyrical.simple_returns(prices).to_numpy(), rtol=1e-9
    )
    np.testing.assert_allclose(
        simple_returns(prices.to_numpy()), empyrical.simple_returns(prices.to_numpy()), rtol=1e-9
    )


def test_as_returns_when_two_dimensional_array_then_error_names_returns():
    with pytest.raises(ValidationError, match="returns"):
        annual_return.__wrapped__(np.zeros((3, 2)))
