"""SVI smiles fitted from a synthetic chain recover the surface that made it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.options.svi import SviSmile, fit_surface, fit_svi, synthetic_chain

AS_OF = pd.Timestamp("2026-12-07T21:00Z")
SPOT, RATE, DIVIDEND = 100.0, 0.03, 0.01
TRUE = {  # days to expiry: raw SVI (a, b, rho, m, sigma) with a skew, as equity smiles have
    30: (0.004, 0.06, -0.5, 0.02, 0.08),
    90: (0.01, 0.1, -0.35, 0.0, 0.15),
    365: (0.03, 0.12, -0.2, 0.05, 0.25),
}


@pytest.fixture(scope="module")
def surface_and_truth():
    truth = {}
    for days, params in TRUE.items():
        years = days / 365.0
        truth[AS_OF + pd.Timedelta(days=days)] = SviSmile(
            *params, years=years, forward=SPOT * np.exp((RATE - DIVIDEND) * years))
    chain = synthetic_chain("TEST", SPOT, AS_OF, truth, np.arange(60.0, 161.0, 5.0), RATE,
                            DIVIDEND, half_spread=0.01)
    return chain, truth, fit_surface(chain, RATE, DIVIDEND)


def test_fit_surface_when_chain_comes_from_known_svi_then_parameters_are_recovered(
        surface_and_truth):
    _, truth, surface = surface_and_truth
    assert list(surface.smiles) == list(truth)
    for expiry, smile in surface.smiles.items():
        expected = truth[expiry]
        for name in ("a", "b", "rho", "m", "sigma"):
            assert getattr(smile, name) == pytest.approx(getattr(expected, name), abs=1e-6), name
        assert smile.rmse_vol < 1e-8


def test_fitted_surface_when_asked_between_strikes_then_gives_the_true_vol(surface_and_truth):
    _, truth, surface = surface_and_truth
    expiry = list(truth)[1]
    strikes = np.array([72.5, 97.5, 131.0])
    assert np.allclose(surface.vol(expiry, strikes), truth[expiry].vol(strikes), atol=1e-8)


def test_chain_implied_vols_when_a_quote_is_below_intrinsic_then_it_is_dropped_and_counted(
        surface_and_truth):
    chain = surface_and_truth[0]
    quotes = chain.quotes.copy()
    bad = (quotes["kind"] == "put") & (quotes["strike"] == 60.0)
    quotes.loc[bad, ["bid", "ask"]] = -0.01, 0.0  # no two-sided quote
    quotes.loc[(quotes["kind"] == "call") & (quotes["strike"] == 160.0), ["bid", "ask"]] = \
        (150.0, 151.0)  # above the spot: no vol fits
    from signaltrust.options.chain import OptionChain

    ivs = OptionChain("TEST", SPOT, AS_OF, quotes).implied_vols(RATE, DIVIDEND)
    assert ivs.attrs["dropped"]["no two-sided quote"] == 3
    assert ivs.attrs["dropped"]["outside no-arbitrage bounds"] == 3
    assert ivs["iv"].between(0.05, 1.0).all()


def test_fit_svi_when_fewer_than_five_strikes_then_validation_error():
    with pytest.raises(ValidationError, match="at least 5"):
        fit_svi([90, 100, 110], [0.25, 0.2, 0.22], 0.25, 100.0)
