"""Black-Scholes-Merton prices and Greeks equal QuantLib's to 1e-8, in QuantLib's units."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import ValidationError
from signaltrust.options import bsm_greeks, bsm_price, bumped_greeks
from tests.options import quantlib_reference as ref

CASES = [  # kind, spot, strike, days, vol, rate, dividend
    ("call", 100.0, 105.0, 30, 0.2, 0.01, 0.0),
    ("put", 100.0, 105.0, 30, 0.2, 0.01, 0.0),
    ("call", 100.0, 80.0, 400, 0.45, 0.05, 0.06),
    ("put", 90.0, 100.0, 400, 0.45, 0.05, 0.02),
    ("call", 2500.0, 2600.0, 7, 0.9, -0.005, 0.0),
    ("put", 50.0, 30.0, 1000, 0.12, 0.03, 0.01),
]
GREEKS = ("price", "delta", "gamma", "vega", "theta", "rho")


@pytest.mark.parametrize("case", CASES)
def test_greeks_when_priced_then_equal_quantlib_analytic_european_to_1e8(case):
    kind, spot, strike, days, vol, rate, dividend = case
    expected = ref.european(*case)
    # QuantLib's units: vega per 1.00 vol, theta per year, rho per 1.00 rate; t = days / 365
    got = bsm_greeks(kind, spot, strike, days / 365.0, vol, rate, dividend)
    for name in GREEKS:
        assert getattr(got, name) == pytest.approx(expected[name], abs=1e-8), name
    assert got.theta_per_day == pytest.approx(expected["theta"] / 365.0, abs=1e-10)
    assert got.vega_per_point == pytest.approx(expected["vega"] / 100.0, abs=1e-10)


def test_chain_when_priced_as_arrays_then_each_row_equals_its_scalar_price():
    kinds = np.array([c[0] for c in CASES])
    cols = [np.array([c[i] for c in CASES], dtype=float) for i in range(1, 7)]
    cols[2] = cols[2] / 365.0
    chain = bsm_greeks(kinds, *cols)
    for i, case in enumerate(CASES):
        one = bsm_greeks(case[0], case[1], case[2], case[3] / 365.0, *case[4:])
        assert chain.price[i] == one.price and chain.delta[i] == one.delta


def test_bumped_greeks_when_compared_then_agree_with_closed_forms():
    args = ("put", 100.0, 105.0, 60 / 365.0, 0.25, 0.02, 0.01)
    exact, bumped = bsm_greeks(*args), bumped_greeks(bsm_price, *args, time_bump=1e-5)
    for name in ("delta", "vega", "rho"):
        assert getattr(bumped, name) == pytest.approx(getattr(exact, name), rel=1e-6), name
    assert bumped.gamma == pytest.approx(exact.gamma, rel=1e-4)
    assert bumped.theta == pytest.approx(exact.theta, rel=1e-3)


@pytest.mark.parametrize("field,bad", [("vol", 0.0), ("spot", -1.0), ("years", 0.0),
                                       ("strike", float("nan"))])
def test_price_when_an_input_is_not_positive_then_validation_error_names_it(field, bad):
    args = {"kind": "call", "spot": 100.0, "strike": 100.0, "years": 0.5, "vol": 0.2}
    args[field] = bad
    with pytest.raises(ValidationError) as err:
        bsm_price(**args)
    assert err.value.field == field


def test_price_when_kind_is_unknown_then_validation_error():
    with pytest.raises(ValidationError, match="call or a put"):
        bsm_price("straddle", 100.0, 100.0, 0.5, 0.2)


finite_inputs = dict(
    spot=st.floats(1.0, 1000.0), moneyness=st.floats(0.5, 2.0), years=st.floats(0.01, 5.0),
    vol=st.floats(0.01, 2.0), rate=st.floats(-0.02, 0.15), dividend=st.floats(0.0, 0.1),
)


@settings(max_examples=200, deadline=None)
@given(**finite_inputs)
def test_call_minus_put_when_priced_then_equals_discounted_forward_minus_strike(
        spot, moneyness, years, vol, rate, dividend):
    strike = spot * moneyness
    call = bsm_price("call", spot, strike, years, vol, rate, dividend)
    put = bsm_price("put", spot, strike, years, vol, rate, dividend)
    parity = spot * math.exp(-dividend * years) - strike * math.exp(-rate * years)
    assert call - put == pytest.approx(parity, abs=1e-9 * max(spot, strike))
    assert call >= 0.0 and put >= 0.0
