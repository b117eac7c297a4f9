"""Strategy P/L at expiry and before, with costs on by default."""

from __future__ import annotations

import numpy as np
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.options import bsm_price
from signaltrust.options.strategies import (
    MarketState,
    OptionCosts,
    collar,
    covered_call,
    straddle,
    strangle,
    vertical,
)

ENTRY = MarketState(spot=100.0, years=30 / 365, vol=0.2, rate=0.01)
SPOTS = np.linspace(60.0, 140.0, 81)


def test_call_vertical_when_at_expiry_without_costs_then_loss_is_debit_and_gain_is_width_less_it():
    result = vertical("call", 100.0, 110.0).pnl(SPOTS, ENTRY, costs=OptionCosts.free())
    debit = (bsm_price("call", 100, 100, ENTRY.years, 0.2, 0.01)
             - bsm_price("call", 100, 110, ENTRY.years, 0.2, 0.01)) * 100
    assert result.net_debit == pytest.approx(debit)
    assert result.pnl.min() == pytest.approx(-debit)
    assert result.pnl.max() == pytest.approx(1000.0 - debit)
    assert result.breakevens() == [pytest.approx(100.0 + debit / 100)]


def test_straddle_when_costs_are_on_then_pnl_is_lower_by_commissions_and_half_spread():
    free = straddle(100.0).pnl(SPOTS, ENTRY, costs=OptionCosts.free())
    costed = straddle(100.0).pnl(SPOTS, ENTRY)
    expected = 2 * 0.65 + 0.02 * free.net_debit  # two contracts, half-spread on the premium
    assert np.allclose(free.pnl - costed.pnl, expected)


def test_strangle_when_price_stays_between_strikes_then_long_loses_the_debit():
    result = strangle(95.0, 105.0).pnl([100.0], ENTRY, costs=OptionCosts.free())
    assert result.pnl[0] == pytest.approx(-result.net_debit)


def test_covered_call_when_price_rises_above_strike_then_gain_is_capped():
    result = covered_call(105.0).pnl(SPOTS, ENTRY, costs=OptionCosts.free())
    above = SPOTS >= 105.0
    assert np.allclose(result.pnl[above], result.pnl[above][0])


def test_collar_when_price_collapses_then_loss_is_floored_at_the_put():
    result = collar(95.0, 105.0).pnl(SPOTS, ENTRY, costs=OptionCosts.free())
    below = SPOTS <= 95.0
    floor = (95.0 - 100.0) * 100 - result.net_debit + 100 * 100.0  # stock premium is the spot
    assert np.allclose(result.pnl[below], floor)


def test_pnl_before_expiry_when_marked_then_lies_above_the_expiry_payoff_for_a_long_straddle():
    # at a zero rate a European put is never worth less than its intrinsic value
    before = straddle(100.0).pnl(SPOTS, ENTRY, at=MarketState(0, 15 / 365, 0.2, 0.0),
                                 costs=OptionCosts.free())
    at_expiry = straddle(100.0).pnl(SPOTS, ENTRY, costs=OptionCosts.free())
    assert np.all(before.pnl >= at_expiry.pnl - 1e-9)
    assert before.pnl[40] > at_expiry.pnl[40] + 100  # time value left at the money


def test_pnl_when_mark_date_is_after_expiry_then_validation_error():
    with pytest.raises(ValidationError) as err:
        straddle(100.0).pnl(SPOTS, ENTRY, at=MarketState(0, 1.0, 0.2))
    assert err.value.field == "at.years"
