"""Label intervals [t0, t1] as int64 arrays, and the purge and embargo that keep folds apart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError


@dataclass(frozen=True)
class LabelIntervals:
    """Start (``t0``, the sample's timestamp) and end (``t1``) of every label, as sortable numbers.

    Datetimes become int64 nanoseconds since the epoch (UTC for aware timestamps).
    """

    t0: np.ndarray
    t1: np.ndarray
    is_time: bool

    def __len__(self) -> int:
        return len(self.t0)


def _numbers(field: str, values: Any) -> tuple[np.ndarray, bool]:
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.DatetimeIndex(values)
        return stamps.as_unit("ns").asi8.copy(), True
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return np.asarray(values, dtype="float64"), False
    raise ValidationError(
        f"{field} must hold timestamps (or numbers)",
        field=field,
        value=str(getattr(values, "dtype", type(values))),
        fix="pass t1 from a label function, e.g. triple_barrier_labels(close)['t1']",
    )


def label_intervals(t1: Any) -> LabelIntervals:
    """Check ``t1`` (index: label start t0, values: label end t1) and return its arrays."""
    if not isinstance(t1, pd.Series):
        raise ValidationError(
            "t1 must be a Series: index = each sample's time, values = when its label is known",
            field="t1",
            value=type(t1).__name__,
            fix="pass labels['t1'] from a label function, or horizon_end_times(index, h)",
        )
    if t1.isna().any():
        raise ValidationError(
            f"t1 has {int(t1.isna().sum())} missing end times (labels not known yet)",
            field="t1",
            value=str(t1.index[t1.isna().to_numpy()][0]),
            fix="drop them first: keep = t1.notna(); X, y, t1 = X[keep], y[keep], t1[keep]",
        )
    if not t1.index.is_monotonic_increasing:
        raise ValidationError(
            "the index of t1 (the samples' times) must be sorted in increasing time",
            field="t1.index",
            value="not monotonic increasing",
            fix="sort X, y and t1 by time first, e.g. t1 = t1.sort_index() and X = X.loc[t1.index]",
        )
    start, start_is_time = _numbers("t1.index", t1.index)
    end, end_is_time = _numbers("t1", t1)
    if start_is_time != end_is_time:
        raise ValidationError(
            "t1's index and values must both be timestamps or both numbers",
            field="t1",
            value=f"index {t1.index.dtype}, values {t1.dtype}",
            fix="build t1 from the same clock as its index",
        )
    if start_is_time:
        tz_start = getattr(t1.index, "tz", None)
        tz_end = getattr(t1.dt, "tz", None)
        if (tz_start is None) != (tz_end is None):
            raise ValidationError(
                "t1's index and values must both be time-zone aware or both naive",
                field="t1",
                value=f"index tz {tz_start}, values tz {tz_end}",
                fix="use UTC for both: .tz_localize('UTC')",
            )
    early = end < start
    if early.any():
        first = int(np.flatnonzero(early)[0])
        raise ValidationError(
            "t1 ends before its own sample starts: a label cannot be known before its start",
            field="t1",
            value=f"{t1.index[first]} -> {t1.iloc[first]}",
            fix="t1 must be the time each label's outcome is known (>= its index); "
            "did you shift it the wrong way?",
        )
    return LabelIntervals(start, end, start_is_time)


def check_samples(X: Any, intervals: LabelIntervals, t1: pd.Series, needed: int, what: str) -> int:
    """Check that X lines up with t1 and that there are enough samples; return the sample count."""
    n = len(intervals) if X is None else len(X)
    if n != len(intervals):
        raise ValidationError(
            "X and t1 must have one row per sample, in the same order",
            field="t1",
            value=f"{len(intervals)} end times for {n} samples",
            fix="select t1 the same way as X, e.g. t1 = labels['t1'].loc[X.index]",
        )
    index = getattr(X, "index", None)
    if isinstance(index, pd.DatetimeIndex) and not index.equals(t1.index):
        raise ValidationError(
            "X's index and t1's index differ: the splitter would purge the wrong samples",
            field="t1",
            value=f"X starts {index[0]}, t1 starts {t1.index[0]}",
            fix="align them: t1 = t1.loc[X.index]",
        )
    if n < needed:
        raise ValidationError(
            f"too few samples for {what}",
            field="n_splits",
            value=f"{n} samples, {needed} needed",
            fix="lower n_splits (or n_test_splits), or use more data",
        )
    return n


def embargo_rule(embargo: Any, intervals: LabelIntervals) -> tuple[str, int]:
    """Turn ``embargo`` into ("samples", count) or ("time", span in t1's units)."""
    n = len(intervals)
    if isinstance(embargo, (pd.Timedelta, dt.timedelta, np.timedelta64)):
        span = pd.Timedelta(embargo)
        if not intervals.is_time or span < pd.Timedelta(0):
            raise ValidationError(
                "a time embargo needs timestamps in t1 and must be >= 0",
                field="embargo",
                value=str(embargo),
                fix="pass a fraction of samples instead, e.g. embargo=0.01",
            )
        return "time", int(span.as_unit("ns").value)
    if (
        isinstance(embargo, bool)
        or not isinstance(embargo, (int, float, np.integer, np.floating))
        or not (0.0 <= float(embargo) < 1.0)
    ):
        raise ValidationError(
            "embargo must be a fraction of the samples in [0, 1) or a pd.Timedelta",
            field="embargo",
            value=embargo,
            fix="pass e.g. embargo=0.01 (1 % of the samples) or embargo=pd.Timedelta('5D')",
        )
    return "samples", int(np.ceil(float(embargo) * n))


def train_mask(
    intervals: LabelIntervals, blocks: list[tuple[int, int]], rule: tuple[str, int]
) -> np.ndarray:
    """Samples that may train against the test ``blocks`` (each [start, stop) contiguous positions).

    A sample is dropped when it is in a test block, when its interval [t0, t1] overlaps the span
    [first t0, last t1] of a test block (purge), or when it starts within the embargo after that
    span: the next ``count`` samples, or those starting up to ``span`` after it.
    """
    t0, t1 = intervals.t0, intervals.t1
    keep = np.ones(len(t0), dtype=bool)
    kind, amount = rule
    for start, stop in blocks:
        keep[start:stop] = False
        first = t0[start]
        last = t1[start:stop].max()
        keep &= ~((t0 <= last) & (t1 >= first))
        if kind == "samples":
            after = int(np.searchsorted(t0, last, side="right"))
            keep[after : after + amount] = False
        else:
            keep &= ~((t0 > last) & (t0 <= last + amount))
    return keep


def contiguous_blocks(n_samples: int, n_blocks: int) -> list[tuple[int, int]]:
    """Split positions 0..n-1 into ``n_blocks`` contiguous runs as equal as possible."""
    edges = np.linspace(0, n_samples, n_blocks + 1).round().astype(np.int64)
    return [(int(edges[i]), int(edges[i + 1])) for i in range(n_blocks)]
