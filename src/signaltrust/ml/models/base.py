"""The model contract: validation of X, y, weights and eval sets shared by every SignalTrust model.

Every model is a scikit-learn estimator: constructor arguments are stored as given, ``fit`` does
the work and returns ``self``, fitted state ends with ``_``. Inputs are checked here, at the
boundary, and refused with a :class:`~signaltrust.core.errors.ValidationError` that names the
field, the value and the fix.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from signaltrust.core.errors import ValidationError

ArrayLike = Any  # a DataFrame, an ndarray or anything np.asarray accepts


def check_features(
    estimator: Any, X: ArrayLike, *, fit: bool, allow_nan: bool, field: str = "X"
) -> np.ndarray:
    """Validate a feature matrix and return it as a 2-D float64 array.

    At ``fit`` time records ``n_features_in_`` and, for a DataFrame, ``feature_names_in_``;
    afterwards checks that X has the same columns. NaN/inf are refused unless ``allow_nan``.
    """
    if not fit:
        check_is_fitted(estimator)
    names: np.ndarray | None = None
    if isinstance(X, pd.DataFrame):
        names = np.asarray([str(c) for c in X.columns], dtype=object)
        non_numeric = [
            str(c)
            for c, t in X.dtypes.items()
            if not pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
        ]
        if non_numeric:
            raise ValidationError(
                f"{field} has non-numeric columns",
                field=f"{field}.columns",
                value=non_numeric[:10],
                fix="encode or drop these columns before fitting (models take numbers only)",
            )
        arr = X.to_numpy(dtype=np.float64, na_value=np.nan)
    elif isinstance(X, pd.Series):
        raise ValidationError(
            f"{field} is a Series; models need a 2-D feature matrix",
            field=field,
            value=f"Series of length {len(X)}",
            fix="pass X.to_frame() or a DataFrame of features",
        )
    else:
        if sp.issparse(X):
            raise ValidationError(
                f"sparse {field} is not supported",
                field=field,
                value=type(X).__name__,
                fix="pass a dense array: X.toarray()",
            )
        try:
            arr = check_array(
                X, dtype=np.float64, ensure_all_finite=False, ensure_2d=True, input_name=field
            )
        except ValueError as exc:  # sklearn's wording kept: tools match on it
            raise ValidationError(
                str(exc),
                field=field,
                value=type(X).__name__,
                fix="pass a numeric 2-D DataFrame or array (samples x features)",
            ) from exc
    if not allow_nan:
        bad = ~np.isfinite(arr)
        if bad.any():
            cols = np.flatnonzero(bad.any(axis=0))
            labels = [str(names[c]) if names is not None else f"column {c}" for c in cols[:10]]
            raise ValidationError(
                f"{field} holds NaN or inf, which {type(estimator).__name__} cannot take",
                field=f"{field} columns",
                value=labels,
                fix="drop the warm-up rows (e.g. X.dropna()) or impute them before fitting, "
                "or use 'lgbm'/'xgb', which accept missing values",
            )
    if fit:
        estimator.n_features_in_ = arr.shape[1]
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    else:
        expected = getattr(estimator, "n_features_in_", None)
        if expected is not None and arr.shape[1] != expected:
            raise ValidationError(
                f"{field} has {arr.shape[1]} features, but {type(estimator).__name__} is expecting "
                f"{expected} features as input",
                field=f"{field}.shape[1]",
                value=arr.shape[1],
                fix="pass the same feature columns, in the same order, as at fit time",
            )
        fitted_names = getattr(estimator, "feature_names_in_", None)
        if fitted_names is not None and names is not None and list(names) != list(fitted_names):
            missing = [n for n in fitted_names if n not in set(names)]
            raise ValidationError(
                f"{field} columns differ from those the model was fitted with",
                field=f"{field}.columns",
                value=missing[:10] or list(names[:10]),
                fix="select X[model.feature_names_in_] before predicting",
            )
    return arr


def check_target(y: ArrayLike, n_samples: int, *, field: str = "y") -> np.ndarray:
    """Validate a 1-D target of the same length as X; NaN targets are refused."""
    if y is None:
        raise ValidationError(
            "this model requires y to be passed, but the target y is None",
            field=field,
            value=None,
            fix="pass the labels: model.fit(X, y)",
        )
    arr = np.asarray(y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) else y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        warnings.warn(
            f"A column-vector {field} was passed when a 1d array was expected. "
            f"Please change the shape "
            f"of {field} to (n_samples, ), for example using ravel().",
            DataConversionWarning,
            stacklevel=3,
        )
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValidationError(
            f"{field} must be 1-D",
            field=field,
            value=f"shape {arr.shape}",
            fix="pass one label per sample (a Series or 1-D array)",
        )
    if len(arr) != n_samples:
        raise ValidationError(
            f"{field} has {len(arr)} samples but X has {n_samples}",
            field=f"len({field})",
            value=len(arr),
            fix="align X and y on the same index (e.g. X, y = X.align(y, join='inner', axis=0))",
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValidationError(
            f"{field} holds NaN or inf labels",
            field=field,
            value=int((~np.isfinite(arr)).sum()),
            fix="drop the rows whose label is unknown (the last horizon rows) before fitting",
        )
    return arr


def encode_classes(estimator: Any, y: np.ndarray, *, fit: bool, field: str = "y") -> np.ndarray:
    """Map class labels to 0..K-1; at fit records ``classes_`` (sorted, e.g. [-1, 0, 1])."""
    if fit:
        if y.dtype.kind == "f" and not np.all(y == np.round(y)):
            raise ValidationError(
                f"{field} holds continuous values but this is a classifier",
                field=field,
                value=y[:5].tolist(),
                fix="pass class labels (0/1 or -1/0/1) or use a regressor",
            )
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValidationError(
                f"{field} holds one class only",
                field=field,
                value=classes.tolist(),
                fix="train on a period with both outcomes, or check the label construction",
            )
        estimator.classes_ = classes
    classes = estimator.classes_
    codes = np.searchsorted(classes, y)
    codes = np.clip(codes, 0, len(classes) - 1)
    if not np.array_equal(classes[codes], y):
        unknown = np.setdiff1d(np.unique(y), classes)
        raise ValidationError(
            f"{field} holds classes the model has not seen",
            field=field,
            value=unknown.tolist()[:10],
            fix=f"use only the classes {classes.tolist()}",
        )
    return codes.astype(np.int64)


def check_sample_weight(sample_weight: ArrayLike | None, n_samples: int) -> np.ndarray | None:
    """Validate sample weights: 1-D, same length as X, finite and non-negative."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64).ravel()
    if len(w) != n_samples:
        raise ValidationError(
            f"sample_weight has {len(w)} values but X has {n_samples} samples",
            field="len(sample_weight)",
            value=len(w),
            fix="pass one weight per sample",
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValidationError(
            "sample_weight must be finite and non-negative",
            field="sample_weight",
            value=float(np.nanmin(w)) if np.isfinite(w).any() else "nan",
            fix="replace NaN weights and clip negative ones to 0",
        )
    if not (w > 0).any():
        raise ValidationError(
            "sample_weight is zero for every sample",
            field="sample_weight",
            value=0.0,
            fix="give at least some samples a positive weight",
        )
    return w


def check_eval_set(
    estimator: Any, eval_set: Any, *, allow_nan: bool, classifier: bool
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Validate ``eval_set``: a list of (X, y) pairs, or one pair; labels encoded like y."""
    if eval_set is None:
        return None
    if isinstance(eval_set, tuple) and len(eval_set) == 2 and not isinstance(eval_set[0], tuple):
        eval_set = [eval_set]
    if not isinstance(eval_set, Sequence) or not all(
        isinstance(p, (tuple, list)) and len(p) == 2 for p in eval_set
    ):
        raise ValidationError(
            "eval_set must be a list of (X, y) pairs",
            field="eval_set",
            value=type(eval_set).__name__,
            fix="pass eval_set=[(X_valid, y_valid)] with data after the training period",
        )
    out = []
    for i, (Xe, ye) in enumerate(eval_set):
        xa = check_features(estimator, Xe, fit=False, allow_nan=allow_nan, field=f"eval_set[{i}].X")
        ya = check_target(ye, len(xa), field=f"eval_set[{i}].y")
        if classifier:
            ya = encode_classes(estimator, ya, fit=False, field=f"eval_set[{i}].y")
        out.append((xa, ya))
    return out


def check_choice(field: str, value: Any, choices: Sequence[Any]) -> None:
    """Refuse a parameter outside its allowed values, listing them."""
    if value not in choices:
        raise ValidationError(
            f"unknown {field}",
            field=field,
            value=value,
            fix=f"use one of {list(choices)}",
        )


def check_positive(
    field: str, value: Any, *, integer: bool = False, allow_zero: bool = False
) -> None:
    """Refuse a parameter that must be a positive (integer) number."""
    ok = (
        isinstance(value, (int, np.integer))
        if integer
        else isinstance(value, (int, float, np.number))
    )
    ok = (value >= 0 if allow_zero else value > 0) if ok and not isinstance(value, bool) else False
    if not ok:
        kind = "integer" if integer else "number"
        bound = ">= 0" if allow_zero else "> 0"
        raise ValidationError(
            f"{field} must be a {kind} {bound}",
            field=field,
            value=value,
            fix=f"pass a {kind} {bound}",
        )


def positive_class_score(classes: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """One score in [0, 1] from class probabilities: the expected class rescaled to [0, 1].

    Binary {0, 1} or {-1, 1}: the probability of the higher class. Three classes {-1, 0, 1}:
    P(1) + 0.5 * P(0). Non-numeric classes: the probability of the last class.
    """
    classes = np.asarray(classes)
    if classes.dtype.kind in "iufb" and len(classes) >= 2:
        c = classes.astype(np.float64)
        position = (c - c.min()) / (c.max() - c.min())
        return proba @ position
    return proba[:, -1]
