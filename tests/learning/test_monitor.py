"""The drift watch: alerts and a retraining trigger from features, scores and live errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signaltrust.research.learning.alerts import Alerter
from signaltrust.research.learning.monitor import DriftMonitor


class _Inbox:
    def __init__(self):
        self.alerts = []

    def send(self, alert):
        self.alerts.append(alert)


def _frames(shift: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({c: rng.normal(0, 1, 600) for c in "abc"})
    cur = pd.DataFrame({c: rng.normal(shift if c != "c" else 0, 1, 200) for c in "abc"})
    return ref, cur


def test_check_when_nothing_moved_then_no_retraining_and_no_alert():
    inbox = _Inbox()
    verdict = DriftMonitor(Alerter([inbox])).check("m", *_frames(0.0))
    assert not verdict.retrain and inbox.alerts == []


def test_check_when_most_features_moved_then_retrain_and_one_alert_names_them():
    inbox = _Inbox()
    verdict = DriftMonitor(Alerter([inbox])).check("m", *_frames(1.5))
    assert verdict.retrain and verdict.feature_drift["drifted"] == ["a", "b"]
    assert len(inbox.alerts) == 1 and "a, b" in inbox.alerts[0].message
    assert inbox.alerts[0].details == {"model": "m"}


def test_check_when_live_error_rises_then_adwin_reason_and_when_it_falls_then_none():
    rng = np.random.default_rng(5)
    ref, cur = _frames(0.0)
    worse = pd.Series(np.r_[rng.normal(0.2, 0.05, 600), rng.normal(0.5, 0.05, 300)])
    better = pd.Series(np.r_[rng.normal(0.5, 0.05, 600), rng.normal(0.2, 0.05, 300)])
    monitor = DriftMonitor(Alerter([]))
    assert any("ADWIN" in r for r in monitor.check("m", ref, cur, errors=worse).reasons)
    verdict = monitor.check("m", ref, cur, errors=better)
    assert verdict.error_changes and not verdict.retrain


def test_check_when_scores_drift_then_prediction_drift_is_a_reason():
    rng = np.random.default_rng(6)
    ref, cur = _frames(0.0)
    verdict = DriftMonitor(Alerter([])).check(
        "m", ref, cur, reference_scores=pd.Series(rng.uniform(0.4, 0.6, 500)),
        current_scores=pd.Series(rng.uniform(0.55, 0.75, 200)))
    assert verdict.retrain and verdict.prediction_drift["psi"] > 0.2
