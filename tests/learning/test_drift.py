"""Drift statistics: PSI by hand, KS per feature, ADWIN on a live error stream."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.ml.drift import ErrorDrift, drift_report, population_stability_index


def test_psi_when_computed_on_two_bins_then_equals_the_hand_formula():
    reference = [1, 2, 3, 4]  # median edge 2.5: half and half
    current = [1, 3, 4, 4]  # a quarter below, three quarters above
    expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert population_stability_index(reference, current, bins=2) == pytest.approx(expected)


def test_psi_when_same_distribution_then_near_zero_and_when_shifted_then_large():
    rng = np.random.default_rng(0)
    ref = rng.normal(0, 1, 5000)
    assert population_stability_index(ref, rng.normal(0, 1, 5000)) < 0.02
    assert population_stability_index(ref, rng.normal(1.0, 1, 5000)) > 0.5


def test_drift_report_when_one_column_shifts_then_only_it_is_flagged():
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"stable": rng.normal(0, 1, 800), "moved": rng.normal(0, 1, 800)})
    cur = pd.DataFrame({"stable": rng.normal(0, 1, 300), "moved": rng.normal(1.5, 1, 300)})
    report = drift_report(ref, cur)
    assert report.drifted == ["moved"]
    frame = report.frame()
    assert frame.loc[0, "column"] == "moved" and frame.loc[0, "ks_pvalue"] < 1e-6
    assert report.to_dict()["share_drifted"] == 0.5


def test_drift_report_when_current_lacks_a_column_then_validation_error():
    with pytest.raises(ValidationError):
        drift_report(pd.DataFrame({"a": [1.0, 2.0]}), pd.DataFrame({"b": [1.0, 2.0]}))


def test_prediction_drift_when_scores_given_as_series_then_reported_as_score_column():
    rng = np.random.default_rng(2)
    report = drift_report(pd.Series(rng.uniform(0.4, 0.6, 500)),
                          pd.Series(rng.uniform(0.6, 0.8, 200)))
    assert report.drifted == ["score"]


def test_adwin_when_error_mean_jumps_then_change_found_soon_after_and_not_before():
    rng = np.random.default_rng(3)
    detector = ErrorDrift(delta=0.002)
    before = detector.update_many(rng.normal(0.2, 0.1, 1000))
    after = detector.update_many(rng.normal(0.6, 0.1, 500))
    assert before == []
    assert after and 1000 <= after[0] < 1200
    assert detector.mean > 0.5  # the window was cut to the new regime


def test_adwin_when_stream_is_stationary_then_no_change_reported():
    rng = np.random.default_rng(4)
    detector = ErrorDrift(delta=0.002)
    assert detector.update_many(rng.binomial(1, 0.3, 3000).astype(float)) == []
    assert detector.width > 1000
