import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.portfolio import (
    atr_size,
    atr_stop,
    confidence_scaled_fraction,
    fixed_fractional_size,
    kelly_fraction,
    kelly_from_moments,
    volatility_target_size,
    volatility_target_weight,
)


def test_fixed_fractional_when_long_with_stop_then_risks_the_fraction():
    # 100,000 x 1% = 1,000 at risk; 5 per share to the stop -> 200 shares
    assert fixed_fractional_size(100_000, 0.01, 50.0, 45.0) == pytest.approx(200.0)


def test_fixed_fractional_when_stop_above_entry_then_short_size():
    assert fixed_fractional_size(100_000, 0.01, 50.0, 52.0) == pytest.approx(-500.0)


def test_fixed_fractional_when_size_exceeds_leverage_then_capped():
    # 0.05 x 100,000 / 0.5 = 10,000 shares; cap 2 x equity = 200,000 -> 2,000 shares
    assert fixed_fractional_size(100_000, 0.05, 100.0, 99.5, max_leverage=2.0) == pytest.approx(
        2000.0
    )


def test_fixed_fractional_when_lot_size_then_rounded_down():
    assert fixed_fractional_size(100_000, 0.01, 50.0, 47.0, lot_size=100) == 300.0


def test_fixed_fractional_when_stop_equals_entry_then_error_names_stop():
    with pytest.raises(ValidationError, match="stop_price"):
        fixed_fractional_size(100_000, 0.01, 50.0, 50.0)


def test_volatility_target_when_asset_vol_twice_target_then_half_weight():
    assert volatility_target_weight(0.10, 0.20) == pytest.approx(0.5)
    # 0.5 x 1,000,000 / 250 = 2,000 units
    assert volatility_target_size(1_000_000, 250.0, 0.10, 0.20) == pytest.approx(2000.0)


def test_volatility_target_when_asset_calm_then_capped_at_max_leverage():
    assert volatility_target_weight(0.20, 0.05, max_leverage=1.5) == pytest.approx(1.5)


def test_volatility_target_when_negative_vol_then_error_names_field_and_value():
    with pytest.raises(ValidationError) as err:
        volatility_target_weight(0.1, -0.2)
    assert "asset_vol" in str(err.value) and "-0.2" in str(err.value)


def test_atr_stop_and_size_when_two_atr_then_hand_values():
    assert atr_stop(100.0, 2.5, 2.0, "long") == pytest.approx(95.0)
    assert atr_stop(100.0, 2.5, 2.0, "short") == pytest.approx(105.0)
    # 1% of 50,000 = 500 at risk; 5 per unit -> 100 units
    assert atr_size(50_000, 0.01, 100.0, 2.5, 2.0) == pytest.approx(100.0)


def test_kelly_fraction_when_edge_then_p_minus_q_over_b():
    assert kelly_fraction(0.6, 1.0) == pytest.approx(0.2)
    assert kelly_fraction(0.55, 2.0) == pytest.approx(0.55 - 0.45 / 2)
    assert kelly_fraction(0.6, 1.0, fraction=0.5) == pytest.approx(0.1)


def test_kelly_fraction_when_no_edge_then_zero():
    assert kelly_fraction(0.4, 1.0) == 0.0


def test_kelly_fraction_when_probability_outside_unit_interval_then_error():
    with pytest.raises(ValidationError, match="win_probability"):
        kelly_fraction(1.2, 1.0)


def test_kelly_from_moments_when_mu_and_sigma_then_mu_over_variance_capped():
    assert kelly_from_moments(0.08, 0.4) == pytest.approx(0.5)
    assert kelly_from_moments(0.08, 0.2, max_leverage=10) == pytest.approx(2.0)
    assert kelly_from_moments(0.08, 0.2) == pytest.approx(1.0)  # capped at 1
    assert kelly_from_moments(-0.02, 0.2, fraction=0.5) == pytest.approx(-0.25)
    assert kelly_from_moments(0.06, 0.2, risk_free=0.02) == pytest.approx(1.0)


def test_confidence_scaled_when_score_and_confidence_then_linear_mapping():
    assert confidence_scaled_fraction(0.75, 0.8, 0.5) == pytest.approx(0.5 * 0.5 * 0.8)
    assert confidence_scaled_fraction(0.25, 1.0, 0.4) == pytest.approx(-0.2)
    assert confidence_scaled_fraction(0.25, 1.0, 0.4, long_only=True) == 0.0
    assert confidence_scaled_fraction(0.9, 0.3, 0.5, min_confidence=0.5) == 0.0


def test_confidence_scaled_when_confidence_negative_then_error_names_fix():
    with pytest.raises(ValidationError, match="confidence.*fix"):
        confidence_scaled_fraction(0.6, -0.1, 0.5)
