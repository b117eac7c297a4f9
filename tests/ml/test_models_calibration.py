"""Calibration out of sample: Brier score and reliability improve on an overconfident model."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import KFold

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models import CalibratedModel, get_model

OVERFIT = {
    "n_jobs": 1,
    "n_estimators": 80,
    "learning_rate": 0.3,
    "num_leaves": 63,
    "min_child_samples": 2,
}


def _problem(n: int = 2000, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f{i}" for i in range(6)])
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-1.0 * X["f0"]))).astype(int).to_numpy()
    return X, y


def _reliability_gap(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: mean |observed rate - mean probability| over probability bins."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    gap = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap += inside.mean() * abs(y[inside].mean() - p[inside].mean())
    return gap


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_calibrate_when_model_overconfident_then_brier_and_reliability_improve(method):
    X, y = _problem()
    train, test = slice(0, 1300), slice(1300, None)
    raw = get_model("lgbm", **OVERFIT).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    cal_model = CalibratedModel(get_model("lgbm", **OVERFIT), method=method, cv=3)
    cal = cal_model.fit(X[train], y[train]).predict_proba(X[test])[:, 1]
    brier_raw, brier_cal = brier_score_loss(y[test], raw), brier_score_loss(y[test], cal)
    gap_raw, gap_cal = _reliability_gap(raw, y[test]), _reliability_gap(cal, y[test])
    # Reported in the test log (pytest -rP): the figures this calibration achieves.
    print(f"{method}: Brier {brier_raw:.4f} -> {brier_cal:.4f}; ECE {gap_raw:.4f} -> {gap_cal:.4f}")
    assert brier_cal < brier_raw - 0.01
    assert gap_cal < gap_raw


def test_calibrate_when_three_classes_then_rows_sum_to_one():
    X, _ = _problem(n=1200)
    y = np.digitize(X["f0"].to_numpy(), [-0.5, 0.5]) - 1
    model = CalibratedModel(get_model("logistic"), cv=3).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (1200, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert list(model.classes_) == [-1, 0, 1]


def test_calibrate_when_pickled_then_identical_predictions():
    X, y = _problem(n=800)
    model = CalibratedModel(get_model("logistic"), method="sigmoid", cv=3).fit(X, y)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(model)).predict_proba(X), model.predict_proba(X)
    )


def test_calibrate_when_fitted_then_maps_learned_only_from_test_folds():
    X, y = _problem(n=1000)
    model = CalibratedModel(get_model("logistic"), cv=4).fit(X, y)
    # TimeSeriesSplit(4) on 1000 rows: the first 200 rows are never in a test fold.
    assert model.n_calibration_samples_ == 800


def test_calibrate_when_splitter_overlaps_then_validation_error():
    class Overlapping:
        def split(self, X, y=None, groups=None):
            idx = np.arange(len(X))
            yield idx, idx[-100:]

    X, y = _problem(n=500)
    with pytest.raises(ValidationError) as err:
        CalibratedModel(get_model("logistic"), cv=Overlapping()).fit(X, y)
    assert err.value.field == "cv"


def test_calibrate_when_any_disjoint_splitter_then_accepted_and_method_checked():
    X, y = _problem(n=600)
    CalibratedModel(get_model("logistic"), cv=KFold(3)).fit(X, y)
    with pytest.raises(ValidationError) as err:
        CalibratedModel(get_model("logistic"), method="beta").fit(X, y)
    assert err.value.field == "method"
