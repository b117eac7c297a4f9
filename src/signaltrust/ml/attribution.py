"""Integrated gradients for the sequence models: each feature's and each bar's part of a score.

A sequence model scores row t from its window of the last ``lookback`` rows. Integrated
gradients (Sundararajan et al., 2017) attribute the score of that window to every (bar,
feature) cell: ``(x - baseline) * mean of the gradient along the straight path from the
baseline to x``. The baseline is the all-zero window, which after the model's own
standardisation is the training mean of every feature at every bar (the same value a padded
warm-up row has), so the base value is the score of an "average" window. Contributions add up
to ``score(x) - score(baseline)`` up to the path integral's discretisation (``steps`` points of
the midpoint rule); the largest gap is recorded in ``reference``.

Summed over bars they give one contribution per feature (``Explanation.values``); summed over
features, one per bar of the window (``Explanation.steps``, by bars ago). Dropout is off: the
explained score is the deterministic ``predict_proba`` / ``predict``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.ml.explanation import Explanation

STEPS = 64


def is_sequence_model(model: Any) -> bool:
    """Whether ``model`` scores a window of past rows (a SignalTrust PyTorch sequence model)."""
    return hasattr(model, "lookback") and hasattr(model, "module_")


def _score_weights(model: Any) -> np.ndarray | None:
    """Per-class weights whose dot product with the probabilities is the score; None for a
    regressor (its score is the de-standardised value)."""
    if getattr(model, "_classifier", False):
        from signaltrust.ml.models.base import positive_class_score

        classes = np.asarray(model.classes_)
        return positive_class_score(classes, np.eye(len(classes)))
    return None


def windows_for(model: Any, X: pd.DataFrame, context: pd.DataFrame | None) -> np.ndarray:
    """The standardised windows (rows of X, lookback, features) the model scores for X's rows,
    with ``context`` (the rows before X) as their history; missing history is zero-padded."""
    from signaltrust.ml.models.base import check_features
    from signaltrust.ml.models.deep.windows import gather_windows, pad_for_windows

    full = X if context is None or len(context) == 0 else pd.concat([context, X])
    if context is not None and len(context) and context.index[-1] >= X.index[0]:
        raise ValidationError("context must end before the first explained row", field="context",
                              value=str(context.index[-1]),
                              fix="pass the rows that come before X (its look-back history)")
    values = check_features(model, full, fit=False, allow_nan=False)
    padded = pad_for_windows(model._standardise(values), model.lookback)
    rows = np.arange(len(full) - len(X), len(full))
    return gather_windows(padded, rows, model.lookback)


def integrated_gradients(
    model: Any, X: pd.DataFrame, *, context: pd.DataFrame | None = None, steps: int = STEPS,
    names: dict[str, str] | None = None,
) -> Explanation:
    """Integrated-gradient contributions of every feature and bar to each row's score.

    ``X``: the rows to explain (a DataFrame with the model's columns, time-ordered);
    ``context``: the rows just before them (``lookback - 1`` are enough), used only as the
    windows' history. The score is P(up) for binary classifiers (P(1) + 0.5 P(0) for three
    classes) and the prediction for regressors.
    """
    import torch

    from signaltrust.ml.models.deep.training import seeded_torch

    if not isinstance(X, pd.DataFrame):
        raise ValidationError("X must be a DataFrame of time-ordered rows", field="X",
                              value=type(X).__name__, fix="pass the feature frame")
    if not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValidationError("steps must be a whole number >= 2", field="steps", value=steps,
                              fix="pass e.g. steps=64")
    windows = windows_for(model, X, context)
    weights = _score_weights(model)
    n_classes = 0 if weights is None else len(weights)
    net = model.module_.eval()

    def score(batch: torch.Tensor) -> torch.Tensor:
        out = model._net_outputs(net(batch))
        if weights is not None:
            return out[:, :n_classes] @ torch.from_numpy(weights.astype(np.float32))
        return out[:, -1] * float(model.target_scale_) + float(model.target_mean_)

    alphas = (np.arange(steps, dtype=np.float32) + 0.5) / steps  # midpoint rule on [0, 1]
    attributions = np.empty(windows.shape, dtype=np.float64)
    explained = np.empty(len(windows))
    with seeded_torch(int(model.random_state), int(model.n_threads), "cpu"):
        baseline = torch.zeros((1, *windows.shape[1:]))
        with torch.no_grad():
            base_value = float(score(baseline)[0])
        for i, window in enumerate(windows):
            x = torch.from_numpy(window)[None]
            path = (torch.from_numpy(alphas)[:, None, None] * x).requires_grad_(True)
            (grads,) = torch.autograd.grad(score(path).sum(), path)
            attributions[i] = (window * grads.mean(dim=0).numpy()).astype(np.float64)
            with torch.no_grad():
                explained[i] = float(score(x)[0])
    gap = float(np.max(np.abs(attributions.sum(axis=(1, 2)) + base_value - explained)))
    lookback = model.lookback
    bars_ago = pd.Index(range(lookback - 1, -1, -1), name="bars_ago")
    attention = None
    if hasattr(model, "attention_weights"):
        full = X if context is None else pd.concat([context, X])
        attention = model.attention_weights(full).iloc[len(full) - len(X):]
    target = "score" if weights is not None else "prediction"
    return Explanation(
        values=pd.DataFrame(attributions.sum(axis=1), index=X.index, columns=X.columns),
        base_values=pd.Series(base_value, index=X.index, name="base_value"),
        data=X, output="score", method="integrated_gradients", target=target,
        names=dict(names or {}),
        reference=(f"the training-mean window ({lookback} bars), {steps} path steps; largest "
                   f"completeness gap {gap:.1e}"),
        steps=pd.DataFrame(attributions.sum(axis=2), index=X.index, columns=bars_ago),
        attributions=attributions, attention=attention,
        model_output=pd.Series(explained, index=X.index, name="model_output"),
    )
