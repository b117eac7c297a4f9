"""Gradient-boosted trees (the meta-model): LightGBM and XGBoost classifiers and regressors.

CPU-friendly defaults (300 trees, learning rate 0.05, 31 leaves / depth 6, 80% row and column
subsampling, 2 threads), deterministic given ``random_state``, missing values allowed, optional
early stopping on ``eval_set``. The fitted library estimator is ``model_`` and its booster
``booster_`` (what SHAP's TreeExplainer takes).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models.base import (
    ArrayLike,
    check_eval_set,
    check_features,
    check_positive,
    check_sample_weight,
    check_target,
    encode_classes,
)


class _BoostedTrees(BaseEstimator):
    """Shared fit/predict for the four boosted-tree wrappers."""

    _classifier = False

    def _make(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_kwargs(self, eval_list: Any, sample_weight: Any) -> dict[str, Any]:
        return {}

    def _check_params(self) -> None:
        check_positive("n_estimators", self.n_estimators, integer=True)
        check_positive("learning_rate", self.learning_rate)
        if self.early_stopping_rounds is not None:
            check_positive("early_stopping_rounds", self.early_stopping_rounds, integer=True)

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        eval_set: Any = None,
    ) -> _BoostedTrees:
        """Fit the trees; with ``eval_set`` and ``early_stopping_rounds``, stop early."""
        self._check_params()
        if self.early_stopping_rounds is not None and eval_set is None:
            raise ValidationError(
                "early stopping needs a validation set",
                field="eval_set",
                value=None,
                fix="pass eval_set=[(X_valid, y_valid)] (data after the training period) "
                "or set early_stopping_rounds=None",
            )
        Xa = check_features(self, X, fit=True, allow_nan=True)
        ya = check_target(y, len(Xa))
        ya = encode_classes(self, ya, fit=True) if self._classifier else ya.astype(np.float64)
        w = check_sample_weight(sample_weight, len(Xa))
        evals = check_eval_set(self, eval_set, allow_nan=True, classifier=self._classifier)
        self.model_ = self._make()
        kwargs = self._fit_kwargs(evals, w)
        self.model_.fit(Xa, ya, sample_weight=w, **kwargs)
        self._after_fit()
        return self

    def _after_fit(self) -> None:
        pass

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    @property
    def feature_importances_(self) -> np.ndarray:
        """Importance of each feature (LightGBM: split counts; XGBoost: gain share)."""
        return self.model_.feature_importances_

    def _predict_raw(self, X: ArrayLike, proba: bool) -> np.ndarray:
        Xa = check_features(self, X, fit=False, allow_nan=True)
        return self.model_.predict_proba(Xa) if proba else self.model_.predict(Xa)


class _LGBM(_BoostedTrees):
    def __init__(
        self,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        max_depth: int = -1,
        min_child_samples: int = 20,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 0.0,
        early_stopping_rounds: int | None = None,
        n_jobs: int = 2,
        random_state: int = 0,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.params = params

    def _make(self) -> Any:
        import lightgbm as lgb

        cls = lgb.LGBMClassifier if self._classifier else lgb.LGBMRegressor
        return cls(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            max_depth=self.max_depth,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1 if self.subsample < 1.0 else 0,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
            **(self.params or {}),
        )

    def _fit_kwargs(self, evals: Any, sample_weight: Any) -> dict[str, Any]:
        import lightgbm as lgb

        kwargs: dict[str, Any] = {}
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            kwargs["feature_name"] = [_lgbm_safe(n) for n in names]
        if evals:
            kwargs["eval_X"] = tuple(x for x, _ in evals)
            kwargs["eval_y"] = tuple(y for _, y in evals)
            if self.early_stopping_rounds:
                kwargs["callbacks"] = [
                    lgb.early_stopping(self.early_stopping_rounds, verbose=False)
                ]
        return kwargs

    def _after_fit(self) -> None:
        self.booster_ = self.model_.booster_
        self.best_iteration_ = self.model_.best_iteration_ or self.n_estimators

    def _predict_raw(self, X: ArrayLike, proba: bool) -> np.ndarray:
        Xa = check_features(self, X, fit=False, allow_nan=True)
        # The booster directly: same numbers as the sklearn wrapper, no feature-name warnings.
        out = np.asarray(
            self.booster_.predict(Xa, num_iteration=self.best_iteration_), dtype=np.float64
        )
        if proba and out.ndim == 1:
            return np.column_stack([1.0 - out, out])
        return out


def _lgbm_safe(name: str) -> str:
    # LightGBM refuses JSON special characters in feature names.
    return "".join("_" if ch in '[]{}":,' else ch for ch in str(name))


class LGBMClassifierModel(ClassifierMixin, _LGBM):
    """LightGBM classifier for binary or {-1, 0, 1} labels (the gradient-boosted meta-model)."""

    _classifier = True

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        return self._predict_raw(X, proba=True)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class label."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class LGBMRegressorModel(RegressorMixin, _LGBM):
    """LightGBM regressor (e.g. for forward returns)."""

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The predicted target."""
        return self._predict_raw(X, proba=False)


class _XGB(_BoostedTrees):
    def __init__(
        self,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        max_depth: int = 6,
        min_child_weight: float = 1.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int | None = None,
        n_jobs: int = 2,
        random_state: int = 0,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.params = params

    def _make(self) -> Any:
        import xgboost as xgb

        cls = xgb.XGBClassifier if self._classifier else xgb.XGBRegressor
        return cls(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            min_child_weight=self.min_child_weight,
            subsample=self.subsample,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            tree_method="hist",
            device="cpu",
            verbosity=0,
            early_stopping_rounds=self.early_stopping_rounds,
            **(self.params or {}),
        )

    def _fit_kwargs(self, evals: Any, sample_weight: Any) -> dict[str, Any]:
        return {"eval_set": evals, "verbose": False} if evals else {}

    def _after_fit(self) -> None:
        self.booster_ = self.model_.get_booster()
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            # Names XGBoost refuses ([, ], <) leave its f0, f1, ...
            with contextlib.suppress(ValueError):
                self.booster_.feature_names = [str(n) for n in names]
        best = getattr(self.model_, "best_iteration", None)
        self.best_iteration_ = (best + 1) if best is not None else self.n_estimators

    def _predict_raw(self, X: ArrayLike, proba: bool) -> np.ndarray:
        Xa = check_features(self, X, fit=False, allow_nan=True)
        # Predict with plain arrays: the booster may carry feature names, the data here does not.
        import xgboost as xgb

        dm = xgb.DMatrix(Xa, feature_names=self.booster_.feature_names)
        it = (0, self.best_iteration_)
        out = np.asarray(self.booster_.predict(dm, iteration_range=it), dtype=np.float64)
        if not proba:
            return out
        if out.ndim == 1:
            return np.column_stack([1.0 - out, out])
        return out / out.sum(axis=1, keepdims=True)  # float32 rows re-summed to 1 in float64


class XGBClassifierModel(ClassifierMixin, _XGB):
    """XGBoost classifier for binary or {-1, 0, 1} labels (the gradient-boosted meta-model)."""

    _classifier = True

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        return self._predict_raw(X, proba=True)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class label."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class XGBRegressorModel(RegressorMixin, _XGB):
    """XGBoost regressor (e.g. for forward returns)."""

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The predicted target."""
        return self._predict_raw(X, proba=False)
