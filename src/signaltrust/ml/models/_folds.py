"""Out-of-fold predictions over a time-ordered splitter, shared by calibration and stacking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import TimeSeriesSplit

from signaltrust.core.errors import ValidationError


def resolve_splitter(cv: Any) -> Any:
    """An int is ``TimeSeriesSplit(n_splits=cv)`` (expanding window, test after train); any
    object with ``split(X, y)`` is used as given (e.g. the purged walk-forward splitters)."""
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if cv < 2:
            raise ValidationError(
                "cv needs at least 2 folds",
                field="cv",
                value=cv,
                fix="pass cv=5 or a time-ordered splitter",
            )
        return TimeSeriesSplit(n_splits=int(cv))
    if hasattr(cv, "split"):
        return cv
    raise ValidationError(
        "cv must be a number of folds or a splitter with split(X, y)",
        field="cv",
        value=cv,
        fix="pass cv=5 or a time-ordered splitter such as a purged walk-forward split",
    )


def take_rows(X: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of a DataFrame (keeping names and index) or an array."""
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[idx]
    return np.asarray(X)[idx]


def out_of_fold(
    models: list[Any],
    X: Any,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    cv: Any,
    predict: Callable[[Any, Any], np.ndarray],
    width: int,
) -> np.ndarray:
    """(n_samples, len(models) * width) predictions, each row made by models that never trained
    on it; rows in no test fold stay NaN. Refuses a splitter whose train and test folds overlap."""
    splitter = resolve_splitter(cv)
    n = len(y)
    oof = np.full((n, len(models) * width), np.nan)
    n_folds = 0
    for train_idx, test_idx in splitter.split(X, y):
        train_idx, test_idx = np.asarray(train_idx), np.asarray(test_idx)
        if np.intersect1d(train_idx, test_idx).size:
            raise ValidationError(
                "cv yields a fold whose training and test rows overlap",
                field="cv",
                value=type(splitter).__name__,
                fix="use disjoint train/test folds (TimeSeriesSplit, purged k-fold)",
            )
        if len(np.unique(y[train_idx])) < 2:
            continue  # a fold whose training period has one class cannot fit a classifier
        Xtr, Xte = take_rows(X, train_idx), take_rows(X, test_idx)
        w = None if sample_weight is None else sample_weight[train_idx]
        for j, model in enumerate(models):
            fitted = clone(model).fit(Xtr, y[train_idx], sample_weight=w)
            oof[test_idx, j * width : (j + 1) * width] = predict(fitted, Xte)
        n_folds += 1
    if n_folds == 0:
        raise ValidationError(
            "no usable fold: every training fold holds a single class",
            field="cv",
            value=type(splitter).__name__,
            fix="use fewer folds or a longer history",
        )
    return oof


def aligned_proba(model: Any, X: Any, classes: np.ndarray) -> np.ndarray:
    """``predict_proba`` with columns for every one of ``classes`` (0 for a class the model,
    fitted on a fold that lacked it, never saw)."""
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    seen = np.asarray(model.classes_)
    if len(seen) == len(classes) and np.array_equal(seen, classes):
        return proba
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, seen)] = proba
    return out
