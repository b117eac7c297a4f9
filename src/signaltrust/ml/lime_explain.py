"""LIME explanations (the ``lime`` package): a local linear surrogate of the score per row.

For each row, LIME draws ``num_samples`` perturbed rows from the background's per-feature
normal distribution (seeded), scores them with the model and fits a weighted ridge regression
on the standardised features, weighting each sample by its closeness to the row. A feature's
contribution is its surrogate coefficient times the row's standardised value, so
``base_value`` (the surrogate's intercept) plus the contributions is the surrogate's output at
the row, not exactly the model's score (``model_output``): the gap is LIME's local error.
Unlike SHAP it is not additive to the model; it is an option for a second, differently built
opinion. ``pip install 'signaltrust[explain]'`` (or ``lime``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.ml.explanation import Explanation

NUM_SAMPLES = 2000


def lime_explain(
    score: Callable[[np.ndarray], np.ndarray], data: pd.DataFrame, background: np.ndarray, *,
    target: str, num_samples: int = NUM_SAMPLES, random_state: int = 0,
    names: dict[str, str] | None = None,
) -> Explanation:
    """LIME contributions of each feature to ``score`` for every row of ``data``."""
    try:
        from lime.lime_tabular import LimeTabularExplainer
    except ImportError:
        raise ValidationError(
            "LIME is not installed", field="method", value="lime",
            fix="pip install 'signaltrust[explain]' (or lime), or use method='auto'",
        ) from None
    if not isinstance(num_samples, (int, np.integer)) or num_samples < 10:
        raise ValidationError("num_samples must be a whole number >= 10", field="num_samples",
                              value=num_samples, fix="pass e.g. num_samples=2000")
    columns = [str(c) for c in data.columns]
    explainer = LimeTabularExplainer(
        np.asarray(background, dtype=np.float64), mode="regression", feature_names=columns,
        discretize_continuous=False, random_state=int(random_state),
    )
    mean, scale = explainer.scaler.mean_, explainer.scaler.scale_
    values = data.to_numpy(dtype=np.float64)
    contributions = np.zeros_like(values)
    intercepts = np.empty(len(values))
    for i, row in enumerate(values):
        found = explainer.explain_instance(row, score, num_features=len(columns),
                                           num_samples=int(num_samples))
        label = 1 if 1 in found.local_exp else next(iter(found.local_exp))
        standardised = (row - mean) / np.where(scale > 0, scale, 1.0)
        for j, weight in found.local_exp[label]:
            contributions[i, int(j)] = weight * standardised[int(j)]
        intercept = found.intercept
        intercepts[i] = float(intercept[label] if isinstance(intercept, dict) else intercept)
    return Explanation(
        values=pd.DataFrame(contributions, index=data.index, columns=data.columns),
        base_values=pd.Series(intercepts, index=data.index, name="base_value"),
        data=data, output="score", method="lime", target=target, names=dict(names or {}),
        reference=(f"{int(num_samples)} perturbed samples around a {len(background)}-row "
                   "background (LIME's local surrogate)"),
        model_output=pd.Series(np.asarray(score(values), dtype=np.float64), index=data.index,
                               name="model_output"),
    )
