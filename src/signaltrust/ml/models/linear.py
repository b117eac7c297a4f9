"""Linear baselines: standardised logistic regression (classifier) and ridge regression.

Both standardise the features inside a scikit-learn Pipeline fitted on the training data only,
so a test fold never leaks its mean or scale into training. They refuse NaN/inf in X.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from signaltrust.ml.models.base import (
    ArrayLike,
    check_features,
    check_positive,
    check_sample_weight,
    check_target,
    encode_classes,
)


class LogisticModel(ClassifierMixin, BaseEstimator):
    """Logistic-regression baseline with standardisation (binary or {-1, 0, 1} labels).

    ``C`` is the inverse L2 strength; ``eval_set`` is accepted for the common interface and
    ignored (nothing to stop early).
    """

    def __init__(
        self, C: float = 1.0, max_iter: int = 1000, class_weight: Any = None, random_state: int = 0
    ) -> None:
        self.C = C
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        eval_set: Any = None,
    ) -> LogisticModel:
        """Fit scaler and logistic regression on the training data."""
        check_positive("C", self.C)
        check_positive("max_iter", self.max_iter, integer=True)
        Xa = check_features(self, X, fit=True, allow_nan=False)
        ya = encode_classes(self, check_target(y, len(Xa)), fit=True)
        w = check_sample_weight(sample_weight, len(Xa))
        self.pipeline_ = Pipeline(
            [
                ("scale", StandardScaler()),
                (
                    "logistic",
                    LogisticRegression(
                        C=self.C,
                        max_iter=self.max_iter,
                        class_weight=self.class_weight,
                        random_state=self.random_state,
                    ),
                ),
            ]
        )
        self.pipeline_.fit(Xa, ya, scale__sample_weight=w, logistic__sample_weight=w)
        return self

    @property
    def coef_(self) -> np.ndarray:
        """Coefficients on the standardised features."""
        return self.pipeline_.named_steps["logistic"].coef_

    @property
    def n_iter_(self) -> np.ndarray:
        """Solver iterations used."""
        return self.pipeline_.named_steps["logistic"].n_iter_

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        Xa = check_features(self, X, fit=False, allow_nan=False)
        return self.pipeline_.predict_proba(Xa)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class label."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class LinearModel(RegressorMixin, BaseEstimator):
    """Ridge-regression baseline with standardisation (``alpha=0`` is ordinary least squares)."""

    def __init__(self, alpha: float = 1.0, random_state: int = 0) -> None:
        self.alpha = alpha
        self.random_state = random_state

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        eval_set: Any = None,
    ) -> LinearModel:
        """Fit scaler and ridge regression on the training data."""
        check_positive("alpha", self.alpha, allow_zero=True)
        Xa = check_features(self, X, fit=True, allow_nan=False)
        ya = check_target(y, len(Xa)).astype(np.float64)
        w = check_sample_weight(sample_weight, len(Xa))
        self.pipeline_ = Pipeline(
            [
                ("scale", StandardScaler()),
                ("ridge", Ridge(alpha=self.alpha, random_state=self.random_state)),
            ]
        )
        self.pipeline_.fit(Xa, ya, scale__sample_weight=w, ridge__sample_weight=w)
        return self

    @property
    def coef_(self) -> np.ndarray:
        """Coefficients on the standardised features."""
        return self.pipeline_.named_steps["ridge"].coef_

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The predicted target."""
        Xa = check_features(self, X, fit=False, allow_nan=False)
        return self.pipeline_.predict(Xa)
