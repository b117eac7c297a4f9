"""Sample weights for overlapping labels: uniqueness, attributed returns, time decay (AFML ch. 4).

Two labels are concurrent at bar t when both are a function of the return earned at t (from
the close before t to the close at t). Label i earns the returns of the bars in (t0_i, t1_i];
a label with t1 == t0 is counted on its own bar. This is the book's definition ("a function of
at least one common return"), so back-to-back one-bar labels do not overlap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.ml.validation.intervals import label_intervals


def _bar_spans(t1: pd.Series, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """[first, stop) positions in ``index`` of the bars each label earns."""
    intervals = label_intervals(t1)
    if not isinstance(index, pd.Index) or not index.is_monotonic_increasing or len(index) == 0:
        raise ValidationError(
            "index must be the bars' increasing time index",
            field="index",
            value=type(index).__name__,
            fix="pass close.index",
        )
    bars = (
        pd.DatetimeIndex(index).as_unit("ns").asi8
        if intervals.is_time
        else np.asarray(index, "float64")
    )
    if intervals.t0.min() < bars[0] or intervals.t1.max() > bars[-1]:
        raise ValidationError(
            "the bars must cover every label from its start to its end",
            field="index",
            value=f"bars {index[0]} .. {index[-1]}, labels {t1.index[0]} .. {t1.max()}",
            fix="pass the index of the prices the labels were made from",
        )
    first = np.searchsorted(bars, intervals.t0, side="right")
    stop = np.searchsorted(bars, intervals.t1, side="right")
    empty = stop <= first
    first[empty] = stop[empty] - 1
    return first, stop


def concurrent_labels(t1: pd.Series, index: pd.Index) -> pd.Series:
    """Number of labels that earn each bar's return (concurrency), on ``index``."""
    first, stop = _bar_spans(t1, index)
    return pd.Series(_concurrency(first, stop, len(index)), index=index, name="concurrency")


def _concurrency(first: np.ndarray, stop: np.ndarray, n_bars: int) -> np.ndarray:
    change = np.zeros(n_bars + 1, dtype=np.int64)
    np.add.at(change, first, 1)
    np.add.at(change, stop, -1)
    return np.cumsum(change[:-1])


def label_uniqueness(t1: pd.Series, index: pd.Index) -> pd.Series:
    """Average uniqueness of each label: the mean of 1 / concurrency over the bars it earns.

    1 for a label that shares no return with any other; 1/2 for two labels over the same bars.
    ``t1`` is indexed by label start with label ends as values; ``index`` is the bars' index.
    """
    first, stop = _bar_spans(t1, index)
    counts = _concurrency(first, stop, len(index))
    inverse = np.zeros(len(counts) + 1)
    inverse[1:] = np.cumsum(1.0 / np.maximum(counts, 1))
    unique = (inverse[stop] - inverse[first]) / (stop - first)
    return pd.Series(unique, index=t1.index, name="uniqueness")


def uniqueness_weights(
    t1: pd.Series, close: pd.Series | None = None, *, index: pd.Index | None = None
) -> pd.Series:
    """Sample weights for overlapping labels, scaled to sum to the number of samples.

    Without ``close`` a label's weight is its average uniqueness. With ``close`` it is the
    absolute sum of the log returns the label earns, each divided by that bar's concurrency
    (returns attributed to the labels that share them, AFML 4.6): large, unshared moves weigh
    most. The bars are ``close.index``, else ``index``, else the timestamps in ``t1``.
    Pass the result as ``sample_weight`` to an estimator's ``fit``.
    """
    if close is not None:
        if not isinstance(close, pd.Series) or close.isna().any() or (close <= 0).any():
            raise ValidationError(
                "close must be a Series of positive prices without gaps",
                field="close",
                value=type(close).__name__,
                fix="pass bars['close'] with missing rows dropped",
            )
        bars = close.index
    elif index is not None:
        bars = index
    else:
        bars = t1.index.union(pd.Index(t1.to_numpy())).sort_values()
    if close is None:
        raw = label_uniqueness(t1, bars).to_numpy()
    else:
        first, stop = _bar_spans(t1, bars)
        counts = _concurrency(first, stop, len(bars))
        log_returns = np.log(close.to_numpy(dtype="float64"))
        log_returns = np.diff(log_returns, prepend=log_returns[0])
        attributed = np.zeros(len(counts) + 1)
        attributed[1:] = np.cumsum(log_returns / np.maximum(counts, 1))
        raw = np.abs(attributed[stop] - attributed[first])
    total = raw.sum()
    scaled = raw * len(raw) / total if total > 0 else np.ones(len(raw))
    return pd.Series(scaled, index=t1.index, name="weight")


def time_decay(weights: pd.Series, last_weight: float = 1.0) -> pd.Series:
    """Decay sample weights with age: linear in cumulative uniqueness, newest sample untouched.

    ``weights`` (e.g. :func:`label_uniqueness`) in time order. The decay factor is linear in
    the cumulative weight x: 1 for the newest sample, ``last_weight`` at x = 0 (the start of the
    history), so 1 means no decay and 0 decays linearly towards zero; a negative value c in
    (-1, 0) gives zero weight to the oldest fraction |c| of the history. Returns ``weights``
    times the decay factor.
    """
    try:
        c = float(last_weight)
    except (TypeError, ValueError):
        c = float("nan")
    if not -1.0 < c <= 1.0:
        raise ValidationError(
            "last_weight must be in (-1, 1]",
            field="last_weight",
            value=last_weight,
            fix="pass 1.0 for no decay, 0.5 to halve the oldest, -0.5 to drop the oldest half",
        )
    _check_weights(weights)
    if not weights.index.is_monotonic_increasing:
        raise ValidationError(
            "weights must be in time order",
            field="weights.index",
            value="not sorted",
            fix="weights.sort_index()",
        )
    values = weights.to_numpy(dtype="float64")
    age = np.cumsum(values)
    total = age[-1] if len(age) else 0.0
    if total <= 0:
        return weights.astype("float64")
    slope = (1.0 - c) / total if c >= 0 else 1.0 / ((c + 1.0) * total)
    factor = np.maximum(1.0 - slope * (total - age), 0.0)
    return pd.Series(values * factor, index=weights.index, name=weights.name)


def _check_weights(weights: Any) -> None:
    if not isinstance(weights, pd.Series) or weights.isna().any() or (weights < 0).any():
        raise ValidationError(
            "weights must be a Series of non-negative numbers",
            field="weights",
            value=type(weights).__name__,
            fix="pass label_uniqueness(t1, close.index)",
        )
