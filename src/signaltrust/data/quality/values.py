"""Value checks: unreadable cells, empty and non-positive prices, OHLC consistency, volume."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from signaltrust.data.quality.report import QualityIssue, issue


def numeric_columns(
    frame: pd.DataFrame, columns: Sequence[str], rows: np.ndarray
) -> tuple[dict[str, np.ndarray], list[QualityIssue]]:
    """Float copies of ``columns``; text that is no number becomes NaN and an ``unparsable`` issue.

    The frame is read, never changed.
    """
    values: dict[str, np.ndarray] = {}
    problems: list[QualityIssue] = []
    stamps = frame.index if isinstance(frame.index, pd.DatetimeIndex) else None
    for column in columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            coerced = pd.to_numeric(series, errors="coerce")
            bad = np.flatnonzero(coerced.isna().to_numpy() & series.notna().to_numpy())
            for p in bad:
                raw = series.iloc[p]
                problems.append(
                    issue(
                        "unparsable",
                        f"{raw!r} is not a number",
                        timestamp=stamps[p] if stamps is not None else None,
                        row=rows[p],
                        column=column,
                        value=str(raw),
                    )
                )
            values[column] = coerced.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values[column] = series.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    return values, problems


def non_finite(
    values: dict[str, np.ndarray], index: pd.DatetimeIndex, rows: np.ndarray
) -> list[QualityIssue]:
    """non_finite_value: an infinite price or volume (an empty cell is missing, not infinite)."""
    out = []
    for column, x in values.items():
        for p in np.flatnonzero(np.isinf(x)):
            out.append(
                issue(
                    "non_finite_value",
                    f"{column} is {x[p]:g}; a value must be finite",
                    timestamp=index[p],
                    row=rows[p],
                    column=column,
                    value=str(x[p]),
                )
            )
    return out


def non_positive(
    values: dict[str, np.ndarray], index: pd.DatetimeIndex, rows: np.ndarray
) -> list[QualityIssue]:
    """non_positive_price: a price of zero or below (a price can only be positive)."""
    out = []
    for column, x in values.items():
        for p in np.flatnonzero(x <= 0):
            out.append(
                issue(
                    "non_positive_price",
                    f"{column} is {x[p]:g}; a price must be above zero",
                    timestamp=index[p],
                    row=rows[p],
                    column=column,
                    value=x[p],
                )
            )
    return out


def ohlc_inconsistent(
    values: dict[str, np.ndarray], index: pd.DatetimeIndex, rows: np.ndarray
) -> list[QualityIssue]:
    """ohlc_inconsistent: high below open, close or low, or low above open or close."""
    o, h, lo, c = (values[k] for k in ("open", "high", "low", "close"))
    with np.errstate(invalid="ignore"):
        top = np.fmax(o, c)
        bottom = np.fmin(o, c)
        high_low = h < lo
        high_bad = h < top
        low_bad = lo > bottom
    out = []
    for p in np.flatnonzero(high_low | high_bad | low_bad):
        reasons = []
        if high_low[p]:
            reasons.append(f"high {h[p]:g} is below low {lo[p]:g}")
        if high_bad[p]:
            reasons.append(f"high {h[p]:g} is below max(open, close) {top[p]:g}")
        if low_bad[p]:
            reasons.append(f"low {lo[p]:g} is above min(open, close) {bottom[p]:g}")
        column = "high" if (high_low[p] or high_bad[p]) else "low"
        out.append(
            issue(
                "ohlc_inconsistent",
                "; ".join(reasons),
                timestamp=index[p],
                row=rows[p],
                column=column,
                value=values[column][p],
            )
        )
    return out


def missing_values(
    values: dict[str, np.ndarray],
    index: pd.DatetimeIndex,
    rows: np.ndarray,
    *,
    skip_leading: bool,
) -> list[QualityIssue]:
    """missing_value: empty cells, one issue per row naming its empty columns.

    With ``skip_leading`` a column's empty cells before its first value are not reported
    (a panel's stock that had not listed yet).
    """
    if not values:
        return []
    names = list(values)
    empty = np.column_stack([np.isnan(values[c]) for c in names])
    if skip_leading:
        started = np.logical_or.accumulate(~empty, axis=0)
        empty &= started
    out = []
    for p in np.flatnonzero(empty.any(axis=1)):
        cols = [names[j] for j in np.flatnonzero(empty[p])]
        if len(cols) == len(names) and len(names) > 1:
            what = f"all {len(names)} columns are empty"
        else:
            what = f"{', '.join(cols)} {'is' if len(cols) == 1 else 'are'} empty"
        out.append(
            issue(
                "missing_value",
                what,
                timestamp=index[p],
                row=rows[p],
                column=",".join(cols),
            )
        )
    return out


def volume_checks(
    frame: pd.DataFrame,
    volume: np.ndarray | None,
    index: pd.DatetimeIndex,
    rows: np.ndarray,
    *,
    expects_volume: bool,
) -> list[QualityIssue]:
    """missing_volume (when volume is expected) and negative_volume."""
    if volume is None:
        if not expects_volume:
            return []
        return [
            issue(
                "missing_volume",
                "the bars have no volume column",
                column="volume",
            )
        ]
    out = []
    if expects_volume:
        for p in np.flatnonzero(np.isnan(volume)):
            out.append(
                issue(
                    "missing_volume",
                    "volume is empty",
                    timestamp=index[p],
                    row=rows[p],
                    column="volume",
                )
            )
    for p in np.flatnonzero(volume < 0):
        out.append(
            issue(
                "negative_volume",
                f"volume is {volume[p]:g}",
                timestamp=index[p],
                row=rows[p],
                column="volume",
                value=volume[p],
            )
        )
    return out
