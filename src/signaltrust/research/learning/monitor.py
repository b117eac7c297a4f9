"""Drift watch: feature drift, prediction drift and live-error decay turned into alerts and a
retraining trigger.

>>> import numpy as np, pandas as pd
>>> monitor = DriftMonitor(Alerter([]))
>>> rng = np.random.default_rng(0)
>>> ref = pd.DataFrame({"x": rng.normal(0, 1, 500)})
>>> monitor.check("m", ref, pd.DataFrame({"x": rng.normal(2, 1, 200)})).retrain
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from signaltrust.core.serialize import to_plain
from signaltrust.ml.drift import ErrorDrift, drift_report
from signaltrust.research.learning.alerts import Alert, Alerter


@dataclass
class DriftVerdict:
    """What the watch found: the reasons to retrain (none: keep serving) and alerts sent."""

    reasons: list[str]
    feature_drift: dict[str, Any]
    prediction_drift: dict[str, Any] | None
    error_changes: list[int]
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def retrain(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return to_plain({"retrain": self.retrain, "reasons": self.reasons,
                         "feature_drift": self.feature_drift,
                         "prediction_drift": self.prediction_drift,
                         "error_changes": self.error_changes, "failures": self.failures})


class DriftMonitor:
    """Checks a model's inputs, scores and live errors; alerts and asks for retraining when

    - the share of drifted features exceeds ``feature_share`` (PSI and KS thresholds),
    - its scores drifted (the same test on the score), or
    - ADWIN finds a change in the mean of the live error whose new mean is higher.
    """

    def __init__(self, alerter: Alerter, *, psi_threshold: float = 0.2,
                 ks_pvalue: float = 0.01, adwin_delta: float = 0.002,
                 feature_share: float = 0.3) -> None:
        self.alerter = alerter
        self.psi_threshold = psi_threshold
        self.ks_pvalue = ks_pvalue
        self.adwin_delta = adwin_delta
        self.feature_share = feature_share

    @classmethod
    def from_settings(cls, learning: Any, alerter: Alerter | None = None) -> DriftMonitor:
        return cls(alerter or Alerter.from_settings(learning),
                   psi_threshold=learning.psi_threshold, ks_pvalue=learning.ks_pvalue,
                   adwin_delta=learning.adwin_delta)

    def check(self, model: str, reference: pd.DataFrame | None = None,
              current: pd.DataFrame | None = None, *,
              reference_scores: pd.Series | None = None,
              current_scores: pd.Series | None = None,
              errors: pd.Series | None = None) -> DriftVerdict:
        """Compare ``current`` with ``reference`` features (and scores), run ADWIN on
        ``errors`` (oldest first); alert on every reason found. Each part is optional."""
        reasons: list[str] = []
        feature_drift: dict[str, Any] = {}
        if reference is not None and current is not None:
            features = drift_report(reference, current, psi_threshold=self.psi_threshold,
                                    ks_pvalue=self.ks_pvalue)
            feature_drift = {"share_drifted": features.share_drifted,
                             "drifted": features.drifted}
            if features.share_drifted > self.feature_share:
                reasons.append(f"{len(features.drifted)} of {len(features.columns)} features "
                               f"drifted ({', '.join(features.drifted[:5])})")
        prediction = None
        if reference_scores is not None and current_scores is not None:
            report = drift_report(reference_scores, current_scores,
                                  psi_threshold=self.psi_threshold, ks_pvalue=self.ks_pvalue)
            prediction = report.to_dict()["columns"][0] if report.columns else None
            if report.drifted:
                reasons.append(f"the scores drifted (PSI {prediction['psi']:.2f})")
        changes: list[int] = []
        if errors is not None and len(errors):
            detector = ErrorDrift(self.adwin_delta)
            values = errors.dropna().to_numpy(dtype="float64")
            changes = detector.update_many(values)
            if changes and detector.mean > float(values[: changes[0]].mean()):
                reasons.append(f"live error rose to {detector.mean:.3f} (ADWIN, change at "
                               f"{changes[-1]})")
        failures: list[tuple[str, str]] = []
        for reason in reasons:
            failures += self.alerter.send(Alert("drift", "warning", reason, {"model": model}))
        return DriftVerdict(reasons, feature_drift, prediction, changes, failures)


__all__ = ["DriftMonitor", "DriftVerdict"]
