"""Explain predictions with SHAP values, and say the top contributions in a trader's words.

``explain(model, X)`` returns an :class:`Explanation`: one contribution per feature and row
with ``base_value + sum(contributions) == the model's output`` for that row (additivity).

Which output is explained (``output=``):

* ``"score"`` (default): the number the platform shows. Classifiers: the score in [0, 1]
  (``positive_class_score``: the probability of the higher class for binary labels,
  P(1) + 0.5 P(0) for {-1, 0, 1}); regressors: the prediction. Contributions are in score
  units, so "raised the score by 0.08" means eight probability points.
* ``"raw"``: tree models only; the booster's margin (log-odds for a binary classifier,
  the prediction for a regressor, the margin of ``class_index`` for several classes).

Method: LightGBM/XGBoost wrappers (``booster_``) go through ``shap.TreeExplainer`` on the
booster, exact: for ``"score"`` of a binary classifier with ``model_output="probability"`` and
the interventional algorithm over a background sample; for ``"raw"`` path-dependent TreeSHAP.
Every other model (linear, calibrated, ensembles, several-class trees) goes through
``shap.PermutationExplainer`` on the score function with an independent masker over a seeded
background sample, which is also exactly additive (base value = mean score over the
background). Sequence models (a ``lookback`` window over past rows) are refused: masking one
row's features without its history is not defined here yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

OUTPUTS = ("score", "raw")


@dataclass(frozen=True)
class Explanation:
    """SHAP contributions per row and feature, the base value, and the explained output.

    ``values`` (rows x features) and ``data`` (the feature values) share X's index and columns;
    ``base_values`` is one number per row; ``output`` names the explained quantity ("score" or
    "raw") and ``method`` the SHAP algorithm ("tree" or "permutation").
    """

    values: pd.DataFrame
    base_values: pd.Series
    data: pd.DataFrame
    output: str
    method: str
    target: str = "score"
    names: dict[str, str] = field(default_factory=dict)

    @property
    def predictions(self) -> pd.Series:
        """base value + sum of contributions: the explained model output per row."""
        return self.base_values + self.values.sum(axis=1)

    def _row(self, i: Any) -> int:
        if isinstance(i, (int, np.integer)):
            if not -len(self.values) <= i < len(self.values):
                raise ValidationError("row out of range", field="i", value=int(i),
                                      fix=f"use 0..{len(self.values) - 1}")
            return int(i) % len(self.values)
        try:
            pos = self.values.index.get_loc(i)
        except KeyError:
            raise ValidationError("no such row in the explanation", field="i", value=i,
                                  fix="pass a position or a label of X's index") from None
        if not isinstance(pos, (int, np.integer)):
            raise ValidationError("row label is not unique", field="i", value=i,
                                  fix="pass an integer position")
        return int(pos)

    def top(self, i: Any, top: int = 3) -> pd.DataFrame:
        """The ``top`` contributions of row ``i`` by absolute size: feature, value, contribution."""
        row = self._row(i)
        contrib = self.values.iloc[row]
        order = np.argsort(-np.abs(contrib.to_numpy()), kind="stable")[: max(int(top), 0)]
        names = contrib.index[order]
        return pd.DataFrame({
            "feature": names,
            "label": [readable_name(n, self.names) for n in names],
            "value": self.data.iloc[row][names].to_numpy(dtype=float),
            "contribution": contrib.iloc[order].to_numpy(dtype=float),
        })

    def sentence(self, i: Any, top: int = 3) -> str:
        """The top contributions as a sentence: "RSI(14) at 72 raised the score by 0.08; ..."."""
        parts = []
        for k, row in enumerate(self.top(i, top).itertuples(index=False)):
            subject = f"the {self.target}" if k == 0 else "it"
            size = format_contribution(abs(row.contribution))
            if row.contribution > 0:
                verb = f"raised {subject} by {size}"
            elif row.contribution < 0:
                verb = f"lowered {subject} by {size}"
            else:
                verb = f"did not move {subject}"
            parts.append(f"{row.label} at {format_value(row.feature, row.value)} {verb}")
        return "; ".join(parts) + "." if parts else ""

    def to_frame(self) -> pd.DataFrame:
        """Contributions with ``base_value`` and ``prediction`` columns, one row per sample."""
        out = self.values.copy()
        out["base_value"] = self.base_values
        out["prediction"] = self.predictions
        return out


# -- readable names and values ------------------------------------------------------------------
# (pattern, label template, value kind): "pct" fractions shown as %, "pp" already in percent,
# "level" oscillators shown as whole numbers, "num" plain numbers.
_NAMES: list[tuple[str, str, str]] = [
    (r"ret_(\d+)", "{0}-day return", "pct"),
    (r"rsi_(\d+)", "RSI({0})", "level"),
    (r"roc_(\d+)", "{0}-day rate of change", "pp"),
    (r"macd_signal_(\d+)_(\d+)_(\d+)", "MACD signal({0},{1},{2})", "pct"),
    (r"macd_hist_(\d+)_(\d+)_(\d+)", "MACD histogram({0},{1},{2})", "pct"),
    (r"macd_(\d+)_(\d+)_(\d+)", "MACD({0},{1},{2})", "pct"),
    (r"stoch_k_(\d+)_(\d+)", "Stochastic %K({0},{1})", "level"),
    (r"stoch_d_(\d+)_(\d+)", "Stochastic %D({0},{1})", "level"),
    (r"sma_ratio_(\d+)", "price vs {0}-day SMA", "pct"),
    (r"ema_ratio_(\d+)", "price vs {0}-day EMA", "pct"),
    (r"adx_(\d+)", "ADX({0})", "level"),
    (r"aroon_up_(\d+)", "Aroon up({0})", "level"),
    (r"aroon_down_(\d+)", "Aroon down({0})", "level"),
    (r"aroon_osc_(\d+)", "Aroon oscillator({0})", "level"),
    (r"natr_(\d+)", "NATR({0})", "pp"),
    (r"realized_vol_ratio_(\d+)_(\d+)", "{0}/{1}-day volatility ratio", "num"),
    (r"realized_vol_(\d+)", "{0}-day realised volatility", "pct"),
    (r"bb_width_(\d+)", "Bollinger width({0})", "pct"),
    (r"bb_pctb_(\d+)", "Bollinger %B({0})", "num"),
    (r"obv_change_(\d+)", "{0}-day OBV change", "num"),
    (r"mfi_(\d+)", "MFI({0})", "level"),
    (r"volume_zscore_(\d+)", "volume z-score({0})", "num"),
    (r"volume_ratio_(\d+)", "volume vs {0}-day average", "num"),
    (r"body_ratio", "candle body share", "pct"),
    (r"upper_shadow_ratio", "upper shadow share", "pct"),
    (r"lower_shadow_ratio", "lower shadow share", "pct"),
    (r"gap", "opening gap", "pct"),
    (r"prob_(\w+)", "P({0} regime)", "num"),
    (r"vix", "VIX", "num"),
]


def _match(name: str) -> tuple[str, str] | None:
    for pattern, template, kind in _NAMES:
        m = re.fullmatch(pattern, str(name))
        if m:
            return template.format(*[g.replace("_", "-") for g in m.groups()]), kind
    return None


def readable_name(name: str, overrides: dict[str, str] | None = None) -> str:
    """A trader's name for a feature: ``rsi_14`` -> "RSI(14)", ``ret_20`` -> "20-day return"."""
    if overrides and name in overrides:
        return overrides[name]
    found = _match(name)
    return found[0] if found else str(name)


def format_value(name: str, value: float) -> str:
    """A feature value as a trader reads it: returns as %, oscillators as whole numbers."""
    if value is None or not np.isfinite(value):
        return "n/a"
    found = _match(name)
    kind = found[1] if found else "num"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "pp":
        return f"{value:.1f}%"
    if kind == "level":
        return f"{value:.0f}"
    return f"{value:.3g}"


def format_contribution(size: float) -> str:
    """Two decimals, or two significant digits below 0.01 (so a small push is not "0.00")."""
    return f"{size:.2f}" if size >= 0.01 or size == 0 else f"{size:.2g}"


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


def explain(
    model: Any, X: Any, *, output: str = "score", background: Any = None,
    n_background: int = 100, max_evals: int | None = None, class_index: int = -1,
    random_state: int = 0, names: dict[str, str] | None = None,
) -> Explanation:
    """SHAP values for every row of ``X``: tree models exactly, other models by permutation.

    ``background`` (default: ``n_background`` rows of X drawn with ``random_state``) is the
    reference the contributions are measured against; pass the training features to explain
    test rows against the training distribution. ``max_evals`` bounds the permutation method's
    model calls per row (default ``10 * (2 * n_features + 1)``). ``names`` overrides readable
    feature names.
    """
    shap = _import_shap()
    if output not in OUTPUTS:
        raise ValidationError("unknown explanation output", field="output", value=output,
                              fix=f"use one of {OUTPUTS}")
    if hasattr(model, "lookback"):
        raise ValidationError(
            "sequence models are not explained per row yet", field="model",
            value=type(model).__name__,
            fix="explain a tree or linear model, or a model on flat features",
        )
    data = _frame(model, X)
    values_in = data.to_numpy(dtype=np.float64)
    tree = _tree_kind(model)
    classes = getattr(model, "classes_", None)
    n_classes = 0 if classes is None else len(classes)
    bg = _background(data, background, n_background, random_state)
    target = "score" if (n_classes or output == "raw") else "prediction"
    if output == "raw":
        if tree is None:
            raise ValidationError("output='raw' needs a LightGBM or XGBoost model", field="output",
                                  value=output, fix="use output='score' for this model")
        target = "log-odds" if n_classes == 2 else ("margin" if n_classes > 2 else "prediction")
    if tree is not None and (output == "raw" or n_classes <= 2):
        method = "tree"
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
    )
