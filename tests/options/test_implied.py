"""Implied volatility: round trips, QuantLib's answer, and a clear error outside the bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import ValidationError
from signaltrust.options import bsm_greeks, bsm_price, implied_vol, price_bounds
from tests.options import quantlib_reference as ref


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["call", "put"]), spot=st.floats(1.0, 1000.0),
       moneyness=st.floats(0.6, 1.6), years=st.floats(0.02, 3.0), vol=st.floats(0.03, 1.5),
       rate=st.floats(-0.01, 0.1), dividend=st.floats(0.0, 0.08))
def test_implied_vol_when_given_a_model_price_then_returns_the_vol_that_priced_it(
        kind, spot, moneyness, years, vol, rate, dividend):
    strike = spot * moneyness
    greeks = bsm_greeks(kind, spot, strike, years, vol, rate, dividend)
    # only where the price carries the vol: vega large enough against double rounding
    assume(greeks.vega * vol > 1e-6 * spot)
    got = implied_vol(greeks.price, kind, spot, strike, years, rate, dividend)
    assert got == pytest.approx(vol, rel=1e-7, abs=1e-9)


def test_implied_vol_when_compared_with_quantlib_then_equal_to_1e8():
    price = bsm_price("put", 100.0, 95.0, 45 / 365.0, 0.31, 0.02, 0.01)
    expected = ref.implied("put", 100.0, 95.0, 45, price, 0.02, 0.01)
    assert implied_vol(price, "put", 100.0, 95.0, 45 / 365.0, 0.02, 0.01) == pytest.approx(
        expected, abs=1e-8)


def test_implied_vol_when_price_is_below_intrinsic_then_validation_error_not_nan():
    intrinsic = 100.0 - 80.0 * math.exp(-0.01 * 0.5)
    with pytest.raises(ValidationError, match="intrinsic") as err:
        implied_vol(intrinsic - 0.5, "call", 100.0, 80.0, 0.5, 0.01)
    assert err.value.field == "price" and err.value.fix


def test_implied_vol_when_call_costs_more_than_the_spot_then_validation_error():
    with pytest.raises(ValidationError, match="upper bound"):
        implied_vol(101.0, "call", 100.0, 80.0, 0.5, 0.01)


def test_implied_vol_when_one_row_of_a_chain_is_bad_then_error_names_the_row():
    prices = np.array([5.0, -1.0, 3.0])
    with pytest.raises(ValidationError) as err:
        implied_vol(prices, "call", 100.0, [100.0, 105.0, 110.0], 0.5)
    assert err.value.field == "price[1]"


def test_price_bounds_when_filtering_a_chain_then_only_fittable_quotes_remain():
    strikes = np.array([90.0, 100.0, 110.0])
    prices = np.array([9.0, 4.0, 2.0])  # the 90 call is below intrinsic (10)
    bounds = price_bounds("call", 100.0, strikes, 0.25)
    inside = bounds.inside(prices)
    assert inside.tolist() == [False, True, True]
    vols = implied_vol(prices[inside], "call", 100.0, strikes[inside], 0.25)
    assert np.all((vols > 0.05) & (vols < 1.0))


def test_american_implied_vol_when_given_a_tree_price_then_returns_its_vol():
    from signaltrust.options import tree_price
    from signaltrust.options.implied_american import american_implied_vol

    price = tree_price("put", 100.0, 110.0, 0.5, 0.35, 0.05, steps=201)
    got = american_implied_vol(price, "put", 100.0, 110.0, 0.5, 0.05, steps=201)
    assert got == pytest.approx(0.35, abs=1e-9)


def test_american_implied_vol_when_price_is_below_exercise_value_then_validation_error():
    from signaltrust.options.implied_american import american_implied_vol

    with pytest.raises(ValidationError, match="exercising now is worth 10"):
        american_implied_vol(9.5, "put", 100.0, 110.0, 0.5, 0.05, steps=101)
