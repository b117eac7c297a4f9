"""The boundary of the label functions: check prices and parameters before any label is made."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError


def price_series(name: str, value: Any, *, index: pd.Index | None = None) -> pd.Series:
    """Return ``value`` as a float64 Series on an increasing, unique index, or raise.

    When ``index`` is given the series must carry exactly that index (high and low beside close).
    """
    if not isinstance(value, pd.Series):
        raise ValidationError(
            f"{name} must be a pandas Series indexed by time",
            field=name,
            value=type(value).__name__,
            fix=f"pass a column of the bars, e.g. bars['{name}']",
        )
    if not pd.api.types.is_numeric_dtype(value.dtype) or pd.api.types.is_bool_dtype(value.dtype):
        raise ValidationError(
            f"{name} must be numeric",
            field=name,
            value=str(value.dtype),
            fix="convert it first, e.g. pd.to_numeric(series)",
        )
    if index is None:
        check_time_index(name, value.index)
    elif not value.index.equals(index):
        raise ValidationError(
            f"{name} must have the same index as close",
            field=name,
            value=f"{len(value)} rows from {value.index[:1].tolist()}",
            fix=f"align it first, e.g. {name}.reindex(close.index)",
        )
    out = value.astype("float64")
    bad = out.isna() | ~np.isfinite(out.to_numpy(dtype="float64", na_value=np.nan))
    if bad.any():
        raise ValidationError(
            f"{name} has {int(bad.sum())} missing or infinite values (never filled silently)",
            field=name,
            value=str(out.index[bad.to_numpy()][0]),
            fix="drop or fill them explicitly before labelling, e.g. close.dropna()",
        )
    if (out <= 0).any():
        raise ValidationError(
            f"{name} must be positive prices",
            field=name,
            value=float(out[out <= 0].iloc[0]),
            fix="pass prices, not returns; remove rows with zero or negative prices",
        )
    return out


def check_time_index(name: str, index: pd.Index) -> None:
    """Raise unless ``index`` is strictly increasing (sorted, no duplicates)."""
    if not index.is_monotonic_increasing:
        raise ValidationError(
            f"the index of {name} must be sorted in increasing time",
            field=f"{name}.index",
            value="not monotonic increasing",
            fix=f"sort it first: {name}.sort_index()",
        )
    if not index.is_unique:
        raise ValidationError(
            f"the index of {name} has duplicate timestamps",
            field=f"{name}.index",
            value=str(index[index.duplicated()][0]),
            fix="label one instrument at a time, or drop duplicated bars first",
        )


def positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int >= 1, or raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValidationError(
            f"{name} must be a whole number of bars >= 1",
            field=name,
            value=value,
            fix=f"pass e.g. {name}=10",
        )
    return int(value)


def non_negative(name: str, value: Any) -> float:
    """Return ``value`` as a float >= 0, or raise."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        out = float("nan")
    if not np.isfinite(out) or out < 0:
        raise ValidationError(
            f"{name} must be a finite number >= 0",
            field=name,
            value=value,
            fix=f"pass e.g. {name}=0.0",
        )
    return out


def end_times(index: pd.Index, positions: np.ndarray) -> pd.Series:
    """The timestamps at ``positions`` of ``index`` (-1 gives NaT), as a Series on ``index``."""
    valid = positions >= 0
    taken = index.take(np.where(valid, positions, 0))
    values = taken.where(valid) if hasattr(taken, "where") else taken
    return pd.Series(values, index=index, name="t1")
