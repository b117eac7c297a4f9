"""Deflated / probabilistic Sharpe ratio, expected maximum Sharpe and minimum track record length.

Which figures come from where:
- Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", numerical example: annualised
  SR 2.5, T = 1250 daily returns (five years of 250 days), N = 100 trials whose annualised
  Sharpe ratios have variance 0.5, skewness -3, kurtosis 10. The paper reports the expected
  maximum Sharpe ratio 0.1132 (per day) and DSR 0.9004; both are checked to the 4 decimals
  printed there.
- The PSR / MinTRL formulas of Bailey & López de Prado (2012) are checked against independent
  computations rather than remembered paper figures: the standard error they rest on against
  a simulation of Sharpe ratios of skewed returns, PSR against its definition as a normal
  probability, and MinTRL as the exact inverse of PSR.
- expected_max_sharpe against a simulation of the maximum of N normal Sharpe ratios (the
  formula is an approximation: within 1.5% at N = 100 and N = 1000, 3% at N = 10).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from signaltrust.core.errors import ValidationError
from signaltrust.optimize import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    min_track_record_length,
    probabilistic_sharpe_ratio,
    sharpe_moments,
    sharpe_ratio_std,
)

DAYS = 250  # the paper's year: T = 1250 is five years


def test_expected_max_sharpe_when_paper_example_then_0_1132():
    per_day = expected_max_sharpe(100, 0.5 / DAYS)
    assert per_day == pytest.approx(0.1132, abs=5e-5)


def test_deflated_sharpe_when_paper_example_then_0_9004():
    dsr = deflated_sharpe_ratio(
        2.5,
        n_trials=100,
        sr_variance=0.5,
        n_obs=1250,
        skew=-3,
        kurtosis=10,
        annualization=DAYS,
    )
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_deflated_sharpe_when_per_period_inputs_then_same_as_annualised():
    per_period = deflated_sharpe_ratio(
        2.5 / math.sqrt(DAYS),
        n_trials=100,
        sr_variance=0.5 / DAYS,
        n_obs=1250,
        skew=-3,
        kurtosis=10,
    )
    annualised = deflated_sharpe_ratio(
        2.5,
        n_trials=100,
        sr_variance=0.5,
        n_obs=1250,
        skew=-3,
        kurtosis=10,
        annualization=DAYS,
    )
    assert per_period == pytest.approx(annualised, rel=1e-12)


@pytest.mark.parametrize(("n_trials", "tolerance"), [(10, 0.03), (100, 0.015), (1000, 0.015)])
def test_expected_max_sharpe_when_simulated_then_close_to_the_mean_maximum(n_trials, tolerance):
    rng = np.random.default_rng(7)
    variance = 0.04
    draws = rng.standard_normal((20_000, n_trials)) * math.sqrt(variance)
    simulated = draws.max(axis=1).mean()
    assert expected_max_sharpe(n_trials, variance) == pytest.approx(simulated, rel=tolerance)


def test_expected_max_sharpe_when_one_trial_then_the_mean():
    assert expected_max_sharpe(1, 0.3, sr_mean=0.05) == 0.05


def test_expected_max_sharpe_when_more_trials_then_higher_threshold():
    values = [expected_max_sharpe(n, 0.01) for n in (2, 10, 100, 1000, 10_000)]
    assert all(a < b for a, b in zip(values, values[1:], strict=False))


def test_sharpe_std_when_skewed_fat_tailed_returns_then_matches_simulation():
    # returns with skewness -sqrt(2) and kurtosis 6: a negated, standardised chi-square(4)
    rng = np.random.default_rng(1)
    k, n, reps, true_sr = 4, 500, 20_000, 0.1
    z = -(rng.chisquare(k, (reps, n)) - k) / math.sqrt(2 * k)
    returns = true_sr + z
    estimates = returns.mean(axis=1) / returns.std(axis=1, ddof=1)
    simulated = estimates.std()
    non_normal = sharpe_ratio_std(true_sr, n, skew=-math.sqrt(8 / k), kurtosis=3 + 12 / k)
    normal = sharpe_ratio_std(true_sr, n)
    assert non_normal == pytest.approx(simulated, rel=0.03)
    assert normal != pytest.approx(simulated, rel=0.03)  # the correction matters here


def test_psr_when_computed_then_normal_probability_of_standardised_distance():
    sr, n, g3, g4, bench = 0.12, 400, -0.8, 7.0, 0.03
    z = (sr - bench) * math.sqrt(n - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    assert probabilistic_sharpe_ratio(sr, n, g3, g4, bench) == pytest.approx(
        stats.norm.cdf(z), rel=1e-12
    )


def test_psr_when_sharpe_equals_benchmark_then_one_half():
    assert probabilistic_sharpe_ratio(0.1, 300, -1, 5, sr_benchmark=0.1) == pytest.approx(0.5)


def test_psr_when_longer_record_then_more_confident():
    short = probabilistic_sharpe_ratio(0.05, 100, -1.0, 6.0)
    long = probabilistic_sharpe_ratio(0.05, 1000, -1.0, 6.0)
    assert 0.5 < short < long < 1.0


def test_psr_when_negative_skew_and_fat_tails_then_less_confident():
    normal = probabilistic_sharpe_ratio(0.08, 500)
    ugly = probabilistic_sharpe_ratio(0.08, 500, skew=-2.0, kurtosis=12.0)
    assert ugly < normal


@settings(max_examples=60, deadline=None)
@given(
    sr=st.floats(0.02, 0.5),
    gap=st.floats(0.01, 0.3),
    g3=st.floats(-2, 2),
    g4=st.floats(3, 15),
    prob=st.floats(0.6, 0.995),
)
def test_min_track_record_when_psr_evaluated_there_then_equals_prob(sr, gap, g3, g4, prob):
    bench = sr - gap
    if 1 - g3 * sr + (g4 - 1) / 4 * sr**2 <= 0:
        return
    n = min_track_record_length(sr, g3, g4, sr_benchmark=bench, prob=prob)
    assert probabilistic_sharpe_ratio(sr, n, g3, g4, bench) == pytest.approx(prob, abs=1e-9)


def test_min_track_record_when_sharpe_not_above_benchmark_then_infinite():
    assert min_track_record_length(0.05, sr_benchmark=0.05) == math.inf
    assert min_track_record_length(-0.1) == math.inf


def test_min_track_record_when_annualised_then_same_as_per_period():
    annual = min_track_record_length(1.5, -1, 6, sr_benchmark=0.5, annualization=252)
    daily = min_track_record_length(1.5 / math.sqrt(252), -1, 6, 0.5 / math.sqrt(252))
    assert annual == pytest.approx(daily, rel=1e-12)


def test_deflated_sharpe_when_given_returns_then_uses_their_moments():
    rng = np.random.default_rng(3)
    returns = rng.standard_t(5, 1500) * 0.01 + 0.0008
    sr, n, g3, g4 = sharpe_moments(returns)
    assert g4 > 3.5  # t(5) returns are fat-tailed: Pearson kurtosis, not excess
    expected = probabilistic_sharpe_ratio(sr, n, g3, g4, expected_max_sharpe(50, 0.0004))
    got = deflated_sharpe_ratio(returns, n_trials=50, sr_variance=0.0004)
    assert got == pytest.approx(expected, rel=1e-12)


def test_deflated_sharpe_when_trials_sharpes_given_then_uses_count_and_variance():
    trials = np.random.default_rng(5).normal(0.02, 0.03, 200)
    by_list = deflated_sharpe_ratio(0.09, trials_sharpes=trials, n_obs=1000)
    by_numbers = deflated_sharpe_ratio(
        0.09, n_trials=200, sr_variance=trials.var(ddof=1), n_obs=1000
    )
    assert by_list == pytest.approx(by_numbers, rel=1e-12)


def test_deflated_sharpe_when_more_trials_then_lower():
    values = [
        deflated_sharpe_ratio(0.1, n_trials=n, sr_variance=0.001, n_obs=1000)
        for n in (1, 10, 100, 1000)
    ]
    assert values[0] == pytest.approx(probabilistic_sharpe_ratio(0.1, 1000))
    assert all(a > b for a, b in zip(values, values[1:], strict=False))


def test_deflated_sharpe_when_noise_strategies_searched_then_best_is_not_significant():
    rng = np.random.default_rng(11)
    returns = rng.normal(0.0, 0.01, (1000, 200))  # 200 skill-less strategies
    sharpes = returns.mean(axis=0) / returns.std(axis=0, ddof=1)
    best = returns[:, sharpes.argmax()]
    naive = probabilistic_sharpe_ratio(*sharpe_moments(best)[:1], n_obs=1000)
    dsr = deflated_sharpe_ratio(best, trials_sharpes=sharpes)
    assert naive > 0.95  # the best of 200 coins looks significant on its own
    assert dsr < 0.95


def test_psr_when_excess_kurtosis_makes_variance_negative_then_error_names_kurtosis():
    with pytest.raises(ValidationError, match="kurtosis"):
        probabilistic_sharpe_ratio(1.5, 100, skew=2.0, kurtosis=0.0)


def test_deflated_sharpe_when_sharpe_without_length_then_error_names_n_obs():
    with pytest.raises(ValidationError, match="n_obs"):
        deflated_sharpe_ratio(0.1, n_trials=10, sr_variance=0.01)


def test_deflated_sharpe_when_no_trial_dispersion_then_error_says_what_to_pass():
    with pytest.raises(ValidationError, match="trials_sharpes"):
        deflated_sharpe_ratio(0.1, n_trials=10, n_obs=500)
