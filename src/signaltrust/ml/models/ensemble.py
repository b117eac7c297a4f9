"""Stacked ensemble: base models' out-of-fold probabilities feed a meta-model; one score in
[0, 1] with a confidence from the agreement of the base models (and MC-dropout spread)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models._folds import aligned_proba, out_of_fold
from signaltrust.ml.models.base import (
    ArrayLike,
    check_features,
    check_positive,
    check_sample_weight,
    check_target,
    encode_classes,
    positive_class_score,
)

DEFAULT_BASE_MODELS = ("lgbm", "logistic")


class StackedEnsemble(ClassifierMixin, BaseEstimator):
    """Stack classifiers: a meta-model learns from the base models' out-of-fold probabilities.

    ``models``: estimators, registry names (``"lgbm"``, ``"lstm"``, ...) or ``(name, estimator)``
    pairs; default ``("lgbm", "logistic")``. ``cv``: an int (``TimeSeriesSplit``, each test fold
    after its training fold) or a time-ordered splitter; only rows in a test fold train the
    meta-model, so it never sees in-sample predictions. ``meta``: ``"logistic"`` or a classifier.
    The base models are then refitted on all rows. ``mc_samples`` > 0 adds the MC-dropout spread
    of the deep models to the confidence. ``n_jobs`` is given to the base models named by
    registry name that take it (None: their own default); on busy shared cores one thread
    per model is much faster than several (LightGBM's threads wait for each other). With
    ``n_jobs=1`` the fits also run on one BLAS thread (the logistic member's L-BFGS solver
    waits on two), with the same probabilities.
    """

    def __init__(
        self,
        models: Any = None,
        meta: Any = "logistic",
        cv: Any = 5,
        mc_samples: int = 0,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.models = models
        self.meta = meta
        self.cv = cv
        self.mc_samples = mc_samples
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _base_models(self) -> list[tuple[str, Any]]:
        import inspect

        from signaltrust.ml.models import get_model, model_class

        specs = DEFAULT_BASE_MODELS if self.models is None else self.models
        if isinstance(specs, (str, bytes)) or len(specs) == 0:
            raise ValidationError(
                "models must be a non-empty list",
                field="models",
                value=specs,
                fix="pass e.g. models=['lgbm', 'logistic']",
            )
        out: list[tuple[str, Any]] = []
        for i, spec in enumerate(specs):
            if isinstance(spec, str):
                params: dict[str, Any] = {"random_state": self.random_state}
                if self.n_jobs is not None and "n_jobs" in inspect.signature(
                        model_class(spec)).parameters:
                    params["n_jobs"] = self.n_jobs
                out.append((spec, get_model(spec, **params)))
            elif isinstance(spec, tuple) and len(spec) == 2:
                out.append((str(spec[0]), spec[1]))
            else:
                out.append((f"{type(spec).__name__}_{i}", spec))
        for name, est in out:
            if not hasattr(est, "predict_proba"):
                raise ValidationError(
                    "every base model must be a classifier",
                    field="models",
                    value=name,
                    fix="use classifiers (lgbm, xgb, logistic, lstm...)",
                )
        return out

    def _meta_model(self) -> Any:
        if isinstance(self.meta, str):
            from signaltrust.ml.models import get_model

            if self.meta != "logistic":
                raise ValidationError(
                    "unknown meta",
                    field="meta",
                    value=self.meta,
                    fix="use meta='logistic' or pass a classifier",
                )
            return get_model("logistic", random_state=self.random_state)
        return clone(self.meta)

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        eval_set: Any = None,
    ) -> StackedEnsemble:
        """Out-of-fold base predictions -> meta-model; then base models refitted on all rows."""
        check_positive("mc_samples", self.mc_samples, integer=True, allow_zero=True)
        bases = self._base_models()
        meta = self._meta_model()
        Xa = check_features(self, X, fit=True, allow_nan=True)
        ya = check_target(y, len(Xa))
        encode_classes(self, ya, fit=True)
        w = check_sample_weight(sample_weight, len(Xa))
        with self._blas_limit():
            return self._fit_members(bases, meta, X, ya, w)

    def _blas_limit(self) -> Any:
        """One BLAS thread for the fits when ``n_jobs == 1``; the libraries' own otherwise."""
        if self.n_jobs != 1:
            from contextlib import nullcontext

            return nullcontext()
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=1, user_api="blas")

    def _fit_members(self, bases: list[tuple[str, Any]], meta: Any, X: ArrayLike,
                     ya: np.ndarray, w: np.ndarray | None) -> StackedEnsemble:
        oof = out_of_fold(
            [m for _, m in bases], X, ya, w, self.cv, self._meta_columns_of, self._width
        )
        ok = np.isfinite(oof).all(axis=1)
        if len(np.unique(ya[ok])) < 2:
            raise ValidationError(
                "the out-of-fold rows hold a single class: the meta-model cannot learn",
                field="cv",
                value=int(ok.sum()),
                fix="use more data or fewer folds",
            )
        self.meta_ = meta.fit(oof[ok], ya[ok], sample_weight=None if w is None else w[ok])
        self.n_meta_samples_ = int(ok.sum())
        self.estimators_ = [(name, clone(m).fit(X, ya, sample_weight=w)) for name, m in bases]
        return self

    @property
    def _width(self) -> int:
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def _meta_columns_of(self, model: Any, X: Any) -> np.ndarray:
        proba = aligned_proba(model, X, self.classes_)
        return proba[:, -1:] if len(self.classes_) == 2 else proba

    def _base_features(self, X: ArrayLike) -> np.ndarray:
        check_features(self, X, fit=False, allow_nan=True)
        return np.column_stack([self._meta_columns_of(m, X) for _, m in self.estimators_])

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """The meta-model's class probabilities (columns in ``classes_`` order)."""
        Z = self._base_features(X)
        out = np.full((len(Z), len(self.classes_)), np.nan)
        ok = np.isfinite(Z).all(axis=1)
        out[ok] = aligned_proba(self.meta_, Z[ok], self.classes_)
        return out

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class."""
        proba = np.nan_to_num(self.predict_proba(X), nan=0.0)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_confidence(self, X: ArrayLike) -> np.ndarray:
        """Confidence in [0, 1]: 1 - spread / 0.5, clipped, where spread combines the base models'
        disagreement (std across models of their scores) and, with ``mc_samples``, the mean
        MC-dropout variance of the deep models: spread = sqrt(between^2 + mean(within^2))."""
        check_features(self, X, fit=False, allow_nan=True)
        scores, within = [], []
        for _, m in self.estimators_:
            if self.mc_samples > 0 and hasattr(m, "predict_proba_samples"):
                samples = m.predict_proba_samples(X, self.mc_samples)
                s = np.stack([positive_class_score(self.classes_, p) for p in samples])
                scores.append(
                    positive_class_score(self.classes_, aligned_proba(m, X, self.classes_))
                )
                within.append(s.std(axis=0))
            else:
                scores.append(
                    positive_class_score(self.classes_, aligned_proba(m, X, self.classes_))
                )
                within.append(np.zeros(len(scores[-1])))
        between = np.stack(scores).std(axis=0)
        spread = np.sqrt(between**2 + np.mean(np.stack(within) ** 2, axis=0))
        return np.clip(1.0 - spread / 0.5, 0.0, 1.0)

    def predict_score(self, X: ArrayLike) -> pd.DataFrame:
        """DataFrame(score, confidence) on X's index: the score is the expected class rescaled to
        [0, 1] (binary: P(up); {-1, 0, 1}: P(1) + 0.5 P(0)), the confidence as in
        :meth:`predict_confidence`."""
        index = X.index if isinstance(X, (pd.DataFrame, pd.Series)) else pd.RangeIndex(len(X))
        score = positive_class_score(self.classes_, self.predict_proba(X))
        return pd.DataFrame({"score": score, "confidence": self.predict_confidence(X)}, index=index)
