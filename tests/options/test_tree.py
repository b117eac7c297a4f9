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


def test_american_tree_when_quantlib_grid_rounds_below_maturity_then_we_still_pay_at_expiry():
    # (T/801)*801 < T for 725 days: QuantLib 1.44 leaves the final nodes at zero; a CRR tree
    # built the same way with a zero payoff at expiry reproduces QuantLib, ours pays it
    import math

    spot, strike, days, vol, rate, steps = 100.0, 53.0, 725, 0.6, 0.027, 801
    years = days / 365.0
    assert (years / steps) * steps < years
    quantlib = ref.american("put", spot, strike, days, vol, rate, 0.0, steps=steps)["price"]
    dt = years / steps
    dx = vol * math.sqrt(dt)
    pu = 0.5 + 0.5 * (rate - 0.5 * vol * vol) * dt / dx
    values = np.zeros(steps + 1)
    for i in range(steps - 1, -1, -1):
        values = ((1 - pu) * values[:-1] + pu * values[1:]) * math.exp(-rate * dt)
        exercise = strike - spot * np.exp((2 * np.arange(i + 1) - i) * dx)
        values = np.maximum(values, exercise)
    assert quantlib == pytest.approx(values[0], abs=1e-9)
    ours = tree_price("put", spot, strike, years, vol, rate, steps=steps)
    assert ours > quantlib + 1e-3
