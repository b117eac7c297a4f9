"""Drift of features, predictions and live error: PSI, Kolmogorov-Smirnov and ADWIN.

A model learned on one market meets another: the inputs move (feature drift), its scores move
(prediction drift) or its error grows (performance decay). :func:`drift_report` compares a
reference window (what the model was trained on) with a current window, per column:

- PSI, the population stability index, over ``bins`` quantile bins of the reference
  (sum of (cur - ref) * ln(cur / ref) over the bins; empty bins get ``eps``); the usual reading
  is < 0.1 stable, 0.1-0.2 moderate, > 0.2 a shift;
- the two-sample Kolmogorov-Smirnov statistic and its p-value (``scipy.stats.ks_2samp``).

:class:`ErrorDrift` runs ADWIN (Bifet and Gavaldà 2007, river's implementation) over a stream
of live errors: it keeps the longest recent window whose mean is consistent and reports a
change when two sub-windows' means differ by more than the Hoeffding-style bound at ``delta``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain


def population_stability_index(reference: Any, current: Any, *, bins: int = 10,
                               eps: float = 1e-4) -> float:
    """Population stability index of ``current`` against ``reference`` (quantile bins).

    The bin edges are the reference's quantiles, so each reference bin holds about 1/``bins``
    of it; values outside the reference range fall in the end bins. NaN when either side has
    no finite value.
    """
    ref = np.asarray(reference, dtype="float64")
    cur = np.asarray(current, dtype="float64")
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    if len(ref) == 0 or len(cur) == 0:
        return float("nan")
    if bins < 2:
        raise ValidationError("PSI needs at least 2 bins", field="bins", value=bins,
                              fix="pass bins=10")
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1))[1:-1])
    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"),
                            minlength=len(edges) + 1) / len(ref)
    cur_share = np.bincount(np.searchsorted(edges, cur, side="right"),
                            minlength=len(edges) + 1) / len(cur)
    ref_share = np.maximum(ref_share, eps)
    cur_share = np.maximum(cur_share, eps)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


@dataclass(frozen=True)
class ColumnDrift:
    """One column's drift: PSI, KS statistic and p-value, and whether it counts as drift."""

    column: str
    psi: float
    ks_statistic: float
    ks_pvalue: float
    drifted: bool


@dataclass
class DriftReport:
    """Per-column drift of a current window against a reference window, and the verdict."""

    columns: list[ColumnDrift]
    reference_rows: int
    current_rows: int
    psi_threshold: float
    ks_pvalue: float
    reference_span: tuple[Any, Any] | None = None
    current_span: tuple[Any, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> list[str]:
        """The columns that drifted (PSI above its threshold and KS p-value below its own)."""
        return [c.column for c in self.columns if c.drifted]

    @property
    def share_drifted(self) -> float:
        return len(self.drifted) / len(self.columns) if self.columns else 0.0

    def frame(self) -> pd.DataFrame:
        """One row per column, the most shifted (by PSI) first."""
        rows = [to_plain(c) for c in self.columns]
        out = pd.DataFrame(rows, columns=["column", "psi", "ks_statistic", "ks_pvalue", "drifted"])
        return out.sort_values("psi", ascending=False, na_position="last").reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data, shared by ``drift report --json`` and the API."""
        return to_plain({
            "reference_rows": self.reference_rows, "current_rows": self.current_rows,
            "reference_span": self.reference_span, "current_span": self.current_span,
            "psi_threshold": self.psi_threshold, "ks_pvalue": self.ks_pvalue,
            "drifted": self.drifted, "share_drifted": self.share_drifted,
            "columns": self.frame().to_dict(orient="records"), "notes": self.notes,
        })


def _span(frame: pd.DataFrame | pd.Series) -> tuple[Any, Any] | None:
    return (frame.index[0], frame.index[-1]) if len(frame) else None


def drift_report(reference: pd.DataFrame | pd.Series, current: pd.DataFrame | pd.Series, *,
                 psi_threshold: float = 0.2, ks_pvalue: float = 0.01,
                 bins: int = 10) -> DriftReport:
    """PSI and KS of every column of ``current`` against ``reference`` (features or scores).

    A column drifts when its PSI exceeds ``psi_threshold`` and its KS p-value is below
    ``ks_pvalue``: both the size and the significance of the shift are asked for, so a large
    sample does not flag a negligible move and a small one does not flag noise.
    """
    ref = reference.to_frame("score") if isinstance(reference, pd.Series) else reference
    cur = current.to_frame("score") if isinstance(current, pd.Series) else current
    if not isinstance(ref, pd.DataFrame) or not isinstance(cur, pd.DataFrame):
        raise ValidationError("drift compares two DataFrames (or Series)", field="reference",
                              value=type(reference).__name__, fix="pass feature frames")
    missing = [c for c in ref.columns if c not in cur.columns]
    if missing:
        raise ValidationError("the current window lacks columns of the reference",
                              field="current", value=missing[:5],
                              fix="compute the same features for both windows")
    columns, notes = [], []
    for name in ref.columns:
        r = ref[name].to_numpy(dtype="float64")
        c = cur[name].to_numpy(dtype="float64")
        r, c = r[np.isfinite(r)], c[np.isfinite(c)]
        if len(r) < 2 or len(c) < 2:
            notes.append(f"{name}: fewer than 2 finite values on one side, not compared")
            continue
        psi = population_stability_index(r, c, bins=bins)
        ks = stats.ks_2samp(r, c)
        columns.append(ColumnDrift(
            column=str(name), psi=psi, ks_statistic=float(ks.statistic),
            ks_pvalue=float(ks.pvalue),
            drifted=bool(psi > psi_threshold and ks.pvalue < ks_pvalue)))
    return DriftReport(columns=columns, reference_rows=len(ref), current_rows=len(cur),
                       psi_threshold=psi_threshold, ks_pvalue=ks_pvalue,
                       reference_span=_span(ref), current_span=_span(cur), notes=notes)


class ErrorDrift:
    """ADWIN over a live error stream: ``update(error)`` returns True when the error's mean
    changed (river's ``ADWIN``; ``delta`` is its confidence: smaller, fewer false alarms).

    ``detections`` lists the stream positions where a change was found; ``width`` is the
    current consistent window and ``mean`` its average error.
    """

    def __init__(self, delta: float = 0.002, clock: int = 32) -> None:
        self.delta = delta
        self.clock = clock
        self.detections: list[int] = []
        self._seen = 0
        self._adwin: Any = None

    def _detector(self) -> Any:
        if self._adwin is None:
            if not 0 < self.delta < 1:
                raise ValidationError("ADWIN's delta is a probability in (0, 1)", field="delta",
                                      value=self.delta, fix="pass delta=0.002")
            from river.drift import ADWIN

            self._adwin = ADWIN(delta=self.delta, clock=self.clock)
        return self._adwin

    def update(self, error: float) -> bool:
        """Add one error; True when ADWIN detects a change of its mean at this point."""
        detector = self._detector()
        detector.update(float(error))
        self._seen += 1
        if detector.drift_detected:
            self.detections.append(self._seen - 1)
            return True
        return False

    def update_many(self, errors: Iterable[float]) -> list[int]:
        """Add a sequence of errors; the positions (in the whole stream) of new detections."""
        before = len(self.detections)
        for e in errors:
            self.update(e)
        return self.detections[before:]

    @property
    def seen(self) -> int:
        """How many errors have been added."""
        return self._seen

    @property
    def width(self) -> int:
        return int(self._detector().width)

    @property
    def mean(self) -> float:
        return float(self._detector().estimation)


__all__ = ["ColumnDrift", "DriftReport", "ErrorDrift", "drift_report",
           "population_stability_index"]
