"""Explain predictions of every model kind, and say the top contributions in a trader's words.

``explain(model, X)`` returns an :class:`Explanation`: one contribution per feature and row
with ``base_value + sum(contributions) == the explained output`` for that row (additivity).

Which output is explained (``output=``):

* ``"score"`` (default): the number the platform shows. Classifiers: the score in [0, 1]
  (``positive_class_score``: the probability of the higher class for binary labels,
  P(1) + 0.5 P(0) for {-1, 0, 1}); regressors: the prediction. Contributions are in score
  units, so "raised the score by 0.08" means eight probability points.
* ``"raw"``: tree models only; the booster's margin (log-odds for a binary classifier,
  the prediction for a regressor, the margin of ``class_index`` for several classes).

Methods (``method="auto"`` picks the first that fits the model):

* ``"tree"``: LightGBM/XGBoost wrappers (``booster_``) through ``shap.TreeExplainer`` on the
  booster, exact: for ``"score"`` of a binary classifier with ``model_output="probability"``
  and the interventional algorithm over a background sample; for ``"raw"`` path-dependent.
* ``"integrated_gradients"``: the PyTorch sequence models (LSTM, CNN, Transformer, CNN+LSTM),
  whose score depends on a window of past rows: see :mod:`signaltrust.ml.attribution`
  (contributions per feature and per bar of the window; attention weights for the hybrid).
* ``"permutation"``: every other flat model (linear, calibrated, ensembles, several-class
  trees) through ``shap.PermutationExplainer`` on the score function with an independent
  masker over a seeded background sample, also exactly additive (base value = mean score
  over the background).
* ``"lime"`` (asked for, never automatic): LIME's local linear surrogate, any flat model; see
  :mod:`signaltrust.ml.lime_explain`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.ml.attribution import integrated_gradients, is_sequence_model
from signaltrust.ml.explanation import (
    Explanation,
    format_contribution,
    format_value,
    readable_name,
)

OUTPUTS = ("score", "raw")
METHODS = ("auto", "tree", "permutation", "integrated_gradients", "lime")

__all__ = [
    "METHODS",
    "OUTPUTS",
    "Explanation",
    "explain",
    "format_contribution",
    "format_value",
    "readable_name",
    "score_function",
]


# -- explain ------------------------------------------------------------------------------------
def _frame(model: Any, X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise ValidationError("X must be 2-D (rows x features)", field="X", value=arr.shape,
                              fix="pass the feature frame the model was trained on")
    names = getattr(model, "feature_names_in_", None)
    cols = [str(n) for n in names] if names is not None and len(names) == arr.shape[1] else [
        f"x{j}" for j in range(arr.shape[1])]
    return pd.DataFrame(arr, columns=cols)


def score_function(model: Any) -> Any:
    """The function ``X -> score`` that ``output="score"`` explains (see the module docstring)."""
    from signaltrust.ml.models.base import positive_class_score

    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        classes = np.asarray(model.classes_)
        return lambda A: positive_class_score(classes, np.asarray(model.predict_proba(A)))
    return lambda A: np.asarray(model.predict(A), dtype=np.float64)


def _tree_kind(model: Any) -> str | None:
    booster = getattr(model, "booster_", None)
    module = type(booster).__module__ if booster is not None else ""
    return "lightgbm" if module.startswith("lightgbm") else (
        "xgboost" if module.startswith("xgboost") else None)


def _background(data: pd.DataFrame, background: Any, n_background: int, seed: int) -> np.ndarray:
    if background is not None:
        return np.asarray(background, dtype=np.float64)
    if len(data) <= n_background:
        return data.to_numpy(dtype=np.float64)
    rows = np.random.default_rng(seed).choice(len(data), size=n_background, replace=False)
    return data.to_numpy(dtype=np.float64)[np.sort(rows)]


def _import_shap() -> Any:
    import warnings

    with warnings.catch_warnings():  # shap's plotting colours warn about matplotlib on import
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        import shap
    return shap


def _members(model: Any) -> list[Any]:
    """The fitted base models of an ensemble (or the model of a calibrated wrapper)."""
    inner = [m[-1] if isinstance(m, tuple) else m for m in getattr(model, "estimators_", [])]
    wrapped = getattr(model, "estimator_", None)
    return inner + ([wrapped] if wrapped is not None else [])


def _resolve_method(model: Any, method: str, output: str) -> str:
    if method not in METHODS:
        raise ValidationError("unknown explanation method", field="method", value=method,
                              fix=f"use one of {METHODS}")
    sequence = is_sequence_model(model)
    if method == "auto":
        return "integrated_gradients" if sequence else "tree"  # tree falls back below
    if sequence and method != "integrated_gradients":
        raise ValidationError(
            f"a sequence model is not explained with method={method!r}: masking a row's "
            "features without its look-back window is not defined", field="method",
            value=method, fix="use method='auto' (integrated gradients)",
        )
    if method == "integrated_gradients" and not sequence:
        raise ValidationError("integrated gradients need a PyTorch sequence model",
                              field="method", value=method,
                              fix="use method='auto' for this model")
    if method == "lime" and output != "score":
        raise ValidationError("LIME explains the score only", field="output", value=output,
                              fix="use output='score'")
    return method


def explain(
    model: Any, X: Any, *, output: str = "score", method: str = "auto", background: Any = None,
    n_background: int = 100, max_evals: int | None = None, class_index: int = -1,
    random_state: int = 0, names: dict[str, str] | None = None, context: Any = None,
    steps: int = 64, num_samples: int = 2000,
) -> Explanation:
    """Contributions of each feature to the score of every row of ``X``, for any model kind.

    ``method="auto"``: SHAP's TreeExplainer for LightGBM/XGBoost (exact), integrated gradients
    for sequence models (``context``: the rows before X, their look-back history; ``steps``
    path points), SHAP's permutation explainer for every other model; ``"lime"`` for LIME
    (``num_samples`` perturbed rows per explained row). ``background`` (default:
    ``n_background`` rows of X drawn with ``random_state``) is the reference the SHAP and LIME
    contributions are measured against; pass the training features to explain test rows
    against the training distribution. ``max_evals`` bounds the permutation method's model
    calls per row (default ``10 * (2 * n_features + 1)``). ``names`` overrides readable
    feature names.
    """
    if output not in OUTPUTS:
        raise ValidationError("unknown explanation output", field="output", value=output,
                              fix=f"use one of {OUTPUTS}")
    asked, method = method, _resolve_method(model, method, output)
    if method == "integrated_gradients":
        if output != "score":
            raise ValidationError("sequence models are explained on their score",
                                  field="output", value=output, fix="use output='score'")
        frame = X if isinstance(X, pd.DataFrame) else _frame(model, X)
        return integrated_gradients(model, frame, context=context, steps=steps, names=names)
    if any(is_sequence_model(m) for m in _members(model)):
        raise ValidationError(
            "this model holds a sequence model, whose rows cannot be masked one by one",
            field="model", value=type(model).__name__,
            fix="explain its members one by one (sequence members with integrated gradients)",
        )
    data = _frame(model, X)
    values_in = data.to_numpy(dtype=np.float64)
    tree = _tree_kind(model)
    classes = getattr(model, "classes_", None)
    n_classes = 0 if classes is None else len(classes)
    bg = _background(data, background, n_background, random_state)
    target = "score" if (n_classes or output == "raw") else "prediction"
    reference = (f"a background of {len(bg)} rows"
                 + ("" if background is not None else f" drawn from X (seed {random_state})"))
    if method == "lime":
        from signaltrust.ml.lime_explain import lime_explain

        return lime_explain(score_function(model), data, bg, target=target,
                            num_samples=num_samples, random_state=random_state, names=names)
    if method == "tree" and tree is None:
        if asked == "tree":
            raise ValidationError("method='tree' needs a LightGBM or XGBoost model",
                                  field="method", value=asked, fix="use method='auto'")
        method = "permutation"
    if output == "raw":
        if tree is None or method != "tree":
            raise ValidationError("output='raw' needs a LightGBM or XGBoost model", field="output",
                                  value=output, fix="use output='score' for this model")
        target = "log-odds" if n_classes == 2 else ("margin" if n_classes > 2 else "prediction")
    shap = _import_shap()
    if method == "tree" and tree is not None and (output == "raw" or n_classes <= 2):
        if output == "raw":
            reference = "the trees' own cover (path-dependent TreeSHAP, no background)"
        if output == "score" and n_classes == 2:
            explainer = shap.TreeExplainer(model.booster_, data=bg, model_output="probability",
                                           feature_perturbation="interventional")
        else:
            explainer = shap.TreeExplainer(model.booster_)
        sv = explainer(values_in, check_additivity=False)
        vals, base = np.asarray(sv.values), np.asarray(sv.base_values, dtype=np.float64)
        if vals.ndim == 3:  # several classes: one margin per class
            vals, base = vals[:, :, class_index], base[:, class_index]
    else:
        method = "permutation"
        masker = shap.maskers.Independent(bg, max_samples=len(bg))
        explainer = shap.PermutationExplainer(score_function(model), masker, seed=random_state)
        evals = max_evals or 10 * (2 * data.shape[1] + 1)
        sv = explainer(values_in, max_evals=evals, silent=True)
        vals, base = np.asarray(sv.values), np.asarray(sv.base_values, dtype=np.float64)
    base = np.broadcast_to(base.reshape(-1) if base.size > 1 else base, (len(data),))
    return Explanation(
        values=pd.DataFrame(vals, index=data.index, columns=data.columns),
        base_values=pd.Series(np.array(base, dtype=np.float64), index=data.index,
                              name="base_value"),
        data=data, output=output, method=method, target=target, names=dict(names or {}),
        reference=reference,
    )
