"""Probability calibration out of sample: isotonic or sigmoid (Platt) maps fitted on
out-of-fold predictions from a time-ordered splitter, never on the data the model trained on."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models._folds import aligned_proba, out_of_fold
from signaltrust.ml.models.base import (
    ArrayLike,
    check_choice,
    check_features,
    check_sample_weight,
    check_target,
    encode_classes,
)


class _Sigmoid:
    """Platt scaling: a 1-D logistic regression on the logit of the probability."""

    def fit(self, p: np.ndarray, hit: np.ndarray) -> _Sigmoid:
        self.lr_ = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(p)[:, None], hit)
        return self

    def predict(self, p: np.ndarray) -> np.ndarray:
        return self.lr_.predict_proba(_logit(p)[:, None])[:, 1]


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


class CalibratedModel(ClassifierMixin, BaseEstimator):
    """Calibrate a classifier's probabilities on out-of-fold predictions (time-ordered folds).

    For each fold of ``cv`` (an int means ``TimeSeriesSplit``: every test fold lies after its
    training fold) a clone of ``model`` is fitted on the training rows and predicts the test
    rows; the calibration map (``"isotonic"`` or ``"sigmoid"``) is fitted on those pairs only.
    Then ``model`` is refitted on all rows (``estimator_``). Several classes: one map per class
    (one-vs-rest), rows renormalised to sum to 1.
    """

    def __init__(
        self, model: Any = None, method: str = "isotonic", cv: Any = 5, random_state: int = 0
    ) -> None:
        self.model = model
        self.method = method
        self.cv = cv
        self.random_state = random_state

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        eval_set: Any = None,
    ) -> CalibratedModel:
        """Fit the calibration maps out of fold, then the model on all rows."""
        check_choice("method", self.method, ["isotonic", "sigmoid"])
        if self.model is None or not hasattr(self.model, "predict_proba"):
            raise ValidationError(
                "model must be a classifier with predict_proba",
                field="model",
                value=self.model,
                fix="pass e.g. CalibratedModel(get_model('lgbm'))",
            )
        Xa = check_features(self, X, fit=True, allow_nan=True)
        ya = check_target(y, len(Xa))
        encode_classes(self, ya, fit=True)
        w = check_sample_weight(sample_weight, len(Xa))
        k = len(self.classes_)
        oof = out_of_fold(
            [self.model], X, ya, w, self.cv, lambda m, Xt: aligned_proba(m, Xt, self.classes_), k
        )
        ok = np.isfinite(oof).all(axis=1)
        if ok.sum() < 10:
            raise ValidationError(
                "too few out-of-fold predictions to calibrate",
                field="cv",
                value=int(ok.sum()),
                fix="use more data or fewer folds",
            )
        columns = [k - 1] if k == 2 else list(range(k))
        self.calibrators_ = []
        for c in columns:
            hit = (ya[ok] == self.classes_[c]).astype(int)
            cal = (
                IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
                if self.method == "isotonic"
                else _Sigmoid()
            )
            self.calibrators_.append(cal.fit(oof[ok, c], hit))
        self.n_calibration_samples_ = int(ok.sum())
        self.estimator_ = clone(self.model).fit(X, ya, sample_weight=w)
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Calibrated class probabilities (columns in ``classes_`` order)."""
        check_features(self, X, fit=False, allow_nan=True)
        raw = np.asarray(self.estimator_.predict_proba(X), dtype=np.float64)
        out = np.full_like(raw, np.nan)
        ok = np.isfinite(raw).all(axis=1)
        if len(self.classes_) == 2:
            q = self.calibrators_[0].predict(raw[ok, 1])
            out[ok] = np.column_stack([1 - q, q])
        else:
            cal = np.column_stack([c.predict(raw[ok, i]) for i, c in enumerate(self.calibrators_)])
            total = cal.sum(axis=1, keepdims=True)
            uniform = np.full_like(cal, 1.0 / cal.shape[1])
            out[ok] = np.where(total > 0, cal / np.where(total > 0, total, 1.0), uniform)
        return out

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class after calibration."""
        proba = np.nan_to_num(self.predict_proba(X), nan=0.0)
        return self.classes_[np.argmax(proba, axis=1)]
