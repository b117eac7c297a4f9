"""Signal-quality metrics of out-of-sample predictions: IC, hit rate, precision@top, calibration.

Every function takes aligned arrays or Series (one value per out-of-sample bar) and ignores
rows where any input is missing; none of them fits anything.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats


def _clean(*columns: Any) -> list[np.ndarray]:
    arrays = [np.asarray(c, dtype="float64") for c in columns]
    keep = np.logical_and.reduce([np.isfinite(a) for a in arrays])
    return [a[keep] for a in arrays]


def information_coefficient(score: Any, forward_return: Any) -> float:
    """Information coefficient: Spearman rank correlation of the score and the forward return.

    NaN when fewer than three rows are left or either input is constant.
    """
    s, r = _clean(score, forward_return)
    if len(s) < 3 or np.ptp(s) == 0 or np.ptp(r) == 0:
        return float("nan")
    return float(stats.spearmanr(s, r).statistic)


def hit_rate(score: Any, forward_return: Any, center: float = 0.5) -> float:
    """Share of bars whose predicted direction (score above ``center`` = up) matches the return.

    Bars with an exactly flat forward return or a score exactly at ``center`` make no call and
    are left out.
    """
    s, r = _clean(score, forward_return)
    called = (s != center) & (r != 0)
    if not called.any():
        return float("nan")
    return float(np.mean(np.sign(s[called] - center) == np.sign(r[called])))


def precision_at_top(score: Any, positive: Any, fraction: float = 0.1) -> float:
    """Share of positive outcomes among the ``fraction`` highest scores (top decile by default).

    The top is ``ceil(fraction * n)`` rows; ties at the cut are broken by time order (earlier
    first), so the figure is deterministic.
    """
    s, p = _clean(score, positive)
    if len(s) == 0:
        return float("nan")
    k = max(1, math.ceil(fraction * len(s)))
    top = np.argsort(-s, kind="stable")[:k]
    return float(np.mean(p[top] > 0))


def brier_score(probability: Any, positive: Any) -> float:
    """Brier score: mean squared gap between the probability and the 0/1 outcome (lower: better)."""
    q, p = _clean(probability, positive)
    if len(q) == 0:
        return float("nan")
    return float(np.mean((q - (p > 0)) ** 2))


def roc_auc(score: Any, positive: Any) -> float:
    """Area under the ROC curve (the probability a random positive outranks a random negative)."""
    s, p = _clean(score, positive)
    y = p > 0
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(s)  # average ranks for ties: the Mann-Whitney form of the AUC
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def reliability_table(
    score: Any, positive: Any, forward_return: Any, bins: int = 10
) -> pd.DataFrame:
    """Calibration by score decile: mean score, observed share of positives, mean forward return.

    Bins are quantiles of the score (fewer than ``bins`` when scores repeat); a calibrated
    probability has ``mean_score`` close to ``observed_rate`` in every row.
    """
    s, p, r = _clean(score, positive, forward_return)
    columns = ["bin", "count", "score_low", "score_high", "mean_score", "observed_rate",
               "mean_forward_return"]
    if len(s) == 0:
        return pd.DataFrame(columns=columns)
    order = np.argsort(s, kind="stable")
    groups = np.array_split(order, min(bins, len(s)))
    rows = []
    for i, g in enumerate(groups):
        rows.append([i + 1, len(g), float(s[g].min()), float(s[g].max()), float(s[g].mean()),
                     float(np.mean(p[g] > 0)), float(r[g].mean())])
    return pd.DataFrame(rows, columns=columns)


def prediction_metrics(predictions: pd.DataFrame, *, probabilistic: bool,
                       center: float) -> dict[str, Any]:
    """All signal metrics of stitched out-of-sample predictions.

    ``predictions`` has columns score, label, forward_return and fold.
    """
    score = predictions["score"]
    fwd = predictions["forward_return"]
    positive = (predictions["label"] > 0).astype("float64").where(predictions["label"].notna())
    per_fold = {
        int(fold): information_coefficient(part["score"], part["forward_return"])
        for fold, part in predictions.groupby("fold", sort=True)
    }
    ics = np.array([v for v in per_fold.values() if np.isfinite(v)])
    return {
        "ic": information_coefficient(score, fwd),
        "ic_per_fold": per_fold,
        "ic_mean": float(ics.mean()) if len(ics) else float("nan"),
        "ic_std": float(ics.std(ddof=1)) if len(ics) > 1 else float("nan"),
        "hit_rate": hit_rate(score, fwd, center),
        "precision_at_top_decile": precision_at_top(score, positive, 0.1),
        "base_rate": float(positive.mean()),
        "brier": brier_score(score, positive) if probabilistic else float("nan"),
        "auc": roc_auc(score, positive) if probabilistic else float("nan"),
        "n_predictions": int(score.notna().sum()),
    }
