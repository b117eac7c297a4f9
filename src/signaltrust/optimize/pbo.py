"""Probability of backtest overfitting (PBO) by combinatorially symmetric cross-validation (CSCV).

Bailey, Borwein, López de Prado & Zhu, "The Probability of Backtest Overfitting" (Journal of
Computational Finance, 2017; working paper 2015). The T x N matrix of per-period returns of N
configurations is cut into S equal blocks of consecutive rows; each of the C(S, S/2) ways of
picking half the blocks is an in-sample set and the other half its out-of-sample set. The
configuration best in sample is ranked out of sample; PBO is the share of splits where it
lands at or below the out-of-sample median.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.optimize.nb import cscv_nb

Metric = str | Callable[[np.ndarray], np.ndarray]
_COMPILED = {"sharpe": 0, "mean": 1}


@dataclass(frozen=True)
class PBOResult:
    """The outcome of CSCV: PBO, the logits and the in-sample / out-of-sample pairs of the chosen.

    ``logits`` holds one lambda = ln(w / (1 - w)) per split, w the chosen configuration's
    out-of-sample rank / (N + 1); ``pbo`` the share of lambdas <= 0. ``is_performance`` and
    ``oos_performance`` are the chosen configuration's metric in and out of sample per split;
    ``degradation_slope`` / ``degradation_intercept`` the least-squares line OOS = a + b * IS
    through them (b < 0: the better it looked, the worse it did); ``prob_oos_loss`` the share
    of splits whose chosen configuration lost out of sample (metric < 0).
    """

    pbo: float
    logits: np.ndarray
    is_performance: np.ndarray
    oos_performance: np.ndarray
    chosen: np.ndarray
    degradation_slope: float
    degradation_intercept: float
    prob_oos_loss: float
    n_partitions: int
    n_configurations: int
    rows_used: int
    rows_dropped: int
    metric: str
    configurations: list[Any] = field(default_factory=list, repr=False)

    @property
    def n_splits(self) -> int:
        return int(self.logits.size)

    def chosen_counts(self) -> pd.Series:
        """How often each configuration was the in-sample best, most chosen first."""
        labels = (
            [self.configurations[i] for i in self.chosen] if self.configurations else (self.chosen)
        )
        return pd.Series(labels).value_counts()

    def __plain__(self) -> dict[str, Any]:
        """What ``--json`` and the API show: the headline figures (not the per-split arrays)."""
        return {**self.summary(), "rows_used": self.rows_used, "rows_dropped": self.rows_dropped}

    def summary(self) -> dict[str, Any]:
        """The headline figures as a plain dict (JSON-ready)."""
        return {
            "pbo": self.pbo,
            "splits": self.n_splits,
            "partitions": self.n_partitions,
            "configurations": self.n_configurations,
            "median_logit": float(np.median(self.logits)),
            "is_mean": float(np.nanmean(self.is_performance)),
            "oos_mean": float(np.nanmean(self.oos_performance)),
            "degradation_slope": self.degradation_slope,
            "prob_oos_loss": self.prob_oos_loss,
            "metric": self.metric,
        }


def _matrix(performance: Any) -> tuple[np.ndarray, list[Any]]:
    if isinstance(performance, pd.DataFrame):
        values = performance.to_numpy(dtype=np.float64, na_value=np.nan)
        names = list(performance.columns)
    else:
        values = np.asarray(performance, dtype=np.float64)
        names = list(range(values.shape[1])) if values.ndim == 2 else []
    if values.ndim != 2 or values.shape[1] < 2:
        raise ValidationError(
            "expected a table of per-period returns, one column per configuration",
            field="performance",
            value=f"shape {values.shape}",
            fix="pass a T x N DataFrame (rows: bars, columns: at least two configurations)",
        )
    if np.isnan(values).any():
        raise ValidationError(
            "performance holds NaN returns",
            field="performance",
            value=f"{int(np.isnan(values).sum())} NaN cells",
            fix="fill bars without a position with 0 (e.g. .fillna(0)) before calling",
        )
    return values, names


def _check_partitions(n_partitions: int, rows: int) -> None:
    if n_partitions < 2 or n_partitions % 2:
        raise ValidationError(
            "n_partitions must be an even number of at least 2",
            field="n_partitions",
            value=n_partitions,
            fix="use 16 (the paper's choice) or another even number",
        )
    if rows < n_partitions:
        raise ValidationError(
            "too few rows for that many partitions",
            field="n_partitions",
            value=n_partitions,
            fix=f"use at most {max(rows - rows % 2, 2)} partitions for {rows} rows",
        )


def _custom_splits(
    blocks: list[np.ndarray], combos: np.ndarray, metric: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    n_cols = blocks[0].shape[1]
    out = np.empty((len(combos), 4))
    all_blocks = set(range(len(blocks)))
    for c, chosen in enumerate(combos):
        is_rows = np.vstack([blocks[s] for s in chosen])
        oos_rows = np.vstack([blocks[s] for s in sorted(all_blocks - set(chosen))])
        is_perf = np.asarray(metric(is_rows), dtype=np.float64).reshape(-1)
        oos_perf = np.asarray(metric(oos_rows), dtype=np.float64).reshape(-1)
        if is_perf.size != n_cols or oos_perf.size != n_cols:
            raise ValidationError(
                "metric must return one value per column",
                field="metric",
                value=f"{is_perf.size} values for {n_cols} columns",
                fix="return e.g. rows.mean(axis=0) / rows.std(axis=0, ddof=1)",
            )
        best = int(np.nanargmax(np.where(np.isnan(is_perf), -np.inf, is_perf)))
        ranked = np.where(np.isnan(oos_perf), -np.inf, oos_perf)
        target = ranked[best]
        rank = (ranked < target).sum() + ((ranked == target).sum() + 1) / 2.0
        out[c] = (best, is_perf[best], oos_perf[best], rank / (n_cols + 1.0))
    return out


def probability_of_backtest_overfitting(
    performance: pd.DataFrame | np.ndarray,
    n_partitions: int = 16,
    metric: Metric = "sharpe",
    *,
    periods_per_year: float | None = None,
) -> PBOResult:
    """Probability of backtest overfitting of picking the best of N configurations, by CSCV.

    ``performance``: T rows of per-period returns (oldest first) x N configurations (e.g.
    every combination of a parameter sweep). ``n_partitions`` S (even): the rows are cut into
    S blocks of equal size (the oldest T mod S rows are dropped, see ``rows_dropped``) and all
    C(S, S/2) in-sample / out-of-sample splits are evaluated (12,870 for S = 16). ``metric``:
    "sharpe" (mean / std, ddof 1; annualised with ``periods_per_year`` when given, which
    changes no rank), "mean", or a function of a rows x N array returning N values (bigger is
    better). A configuration whose metric is NaN (constant returns) ranks last.
    """
    values, names = _matrix(performance)
    rows, n_cols = values.shape
    _check_partitions(n_partitions, rows)
    dropped = rows % n_partitions
    values = values[dropped:]
    size = values.shape[0] // n_partitions
    blocks = [values[s * size : (s + 1) * size] for s in range(n_partitions)]
    # combinations containing block 0 come first: split c and its mirror are both present
    combos = np.array(
        list(itertools.combinations(range(n_partitions), n_partitions // 2)), dtype=np.int64
    )
    if callable(metric):
        out = _custom_splits(blocks, combos, metric)
        metric_name = getattr(metric, "__name__", "custom")
    elif metric in _COMPILED:
        shift = values.mean(axis=0)
        sums = np.stack([(b - shift).sum(axis=0) for b in blocks])
        squares = np.stack([((b - shift) ** 2).sum(axis=0) for b in blocks])
        sizes = np.full(n_partitions, size, dtype=np.int64)
        out = np.empty((len(combos), 4))
        cscv_nb(sums, squares, sizes, shift, combos, _COMPILED[metric], out)
        metric_name = metric
    else:
        raise ValidationError(
            "unknown metric",
            field="metric",
            value=metric,
            fix="use 'sharpe', 'mean' or a function of a rows x N array returning N values",
        )
    chosen = out[:, 0].astype(np.int64)
    is_perf = out[:, 1].copy()
    oos_perf = out[:, 2].copy()
    if metric_name == "sharpe" and periods_per_year is not None:
        is_perf *= math.sqrt(periods_per_year)
        oos_perf *= math.sqrt(periods_per_year)
    omega = out[:, 3]
    logits = np.log(omega / (1.0 - omega))
    slope, intercept = _degradation(is_perf, oos_perf)
    finite_oos = oos_perf[np.isfinite(oos_perf)]
    return PBOResult(
        pbo=float(np.mean(logits <= 0.0)),
        logits=logits,
        is_performance=is_perf,
        oos_performance=oos_perf,
        chosen=chosen,
        degradation_slope=slope,
        degradation_intercept=intercept,
        prob_oos_loss=float(np.mean(finite_oos < 0.0)) if finite_oos.size else math.nan,
        n_partitions=n_partitions,
        n_configurations=n_cols,
        rows_used=size * n_partitions,
        rows_dropped=dropped,
        metric=metric_name,
        configurations=names,
    )


def _degradation(is_perf: np.ndarray, oos_perf: np.ndarray) -> tuple[float, float]:
    """Least-squares slope and intercept of out-of-sample on in-sample performance."""
    ok = np.isfinite(is_perf) & np.isfinite(oos_perf)
    x, y = is_perf[ok], oos_perf[ok]
    if x.size < 2 or np.ptp(x) == 0.0:
        return math.nan, math.nan
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)
