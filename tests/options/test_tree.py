"""The CRR binomial tree equals QuantLib's BinomialVanillaEngine('crr') to 1e-8."""

from __future__ import annotations

import numpy as np
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.options import bsm_greeks, tree_greeks, tree_price
from tests.options import quantlib_reference as ref

CASES = [  # kind, spot, strike, days, vol, rate, dividend
    ("put", 100.0, 105.0, 30, 0.2, 0.01, 0.0),
    ("call", 100.0, 105.0, 30, 0.2, 0.01, 0.0),
    ("put", 90.0, 100.0, 400, 0.45, 0.05, 0.02),
    ("call", 100.0, 80.0, 400, 0.45, 0.05, 0.06),
]
STEPS = 301


@pytest.mark.parametrize("case", CASES)
def test_american_tree_when_priced_then_price_delta_gamma_theta_equal_quantlib(case):
    kind, spot, strike, days, vol, rate, dividend = case
    expected = ref.american(*case, steps=STEPS)
    got = tree_greeks(kind, spot, strike, days / 365.0, vol, rate, dividend, steps=STEPS)
    for name in ("price", "delta", "gamma", "theta"):  # theta per year, as QuantLib's
        assert getattr(got, name) == pytest.approx(expected[name], abs=1e-8), name


def test_american_put_when_rates_are_positive_then_worth_more_than_european():
    args = ("put", 90.0, 100.0, 1.0, 0.3, 0.06, 0.0)
    american = tree_price(*args, style="american")
    european = bsm_greeks(*args).price
    assert american > european + 0.1
    assert american >= 10.0  # never below immediate exercise


def test_european_tree_when_steps_grow_then_converges_to_black_scholes():
    args = ("call", 100.0, 110.0, 0.5, 0.25, 0.03, 0.01)
    exact = bsm_greeks(*args).price
    errors = [abs(tree_price(*args, style="european", steps=n) - exact) for n in (51, 801)]
    assert errors[1] < errors[0] and errors[1] < 5e-3


def test_tree_vega_and_rho_when_bumped_then_close_to_black_scholes_for_a_call_without_dividend():
    args = ("call", 100.0, 100.0, 0.5, 0.25, 0.03, 0.0)  # early exercise never pays here
    tree, exact = tree_greeks(*args), bsm_greeks(*args)
    assert tree.vega == pytest.approx(exact.vega, rel=1e-2)
    assert tree.rho == pytest.approx(exact.rho, rel=1e-2)


def test_tree_when_given_a_chain_then_rows_equal_scalar_prices():
    strikes = np.array([90.0, 100.0, 110.0])
    chain = tree_price("put", 100.0, strikes, 0.25, 0.3, 0.02, steps=101)
    singles = [tree_price("put", 100.0, k, 0.25, 0.3, 0.02, steps=101) for k in strikes]
    assert chain.tolist() == singles


@pytest.mark.parametrize("kwargs,field", [({"style": "bermudan"}, "style"),
                                          ({"steps": 1}, "steps")])
def test_tree_when_style_or_steps_are_bad_then_validation_error(kwargs, field):
    with pytest.raises(ValidationError) as err:
        tree_price("put", 100.0, 100.0, 0.5, 0.2, **kwargs)
    assert err.value.field == field
