"""The bar schema: a UTC DatetimeIndex labelled by period start and float OHLCV columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close")
BAR_COLUMNS: tuple[str, ...] = (*PRICE_COLUMNS, "volume")
INDEX_NAME = "timestamp"


def ensure_utc_index(index: pd.Index, *, field: str = "index") -> pd.DatetimeIndex:
    """Return ``index`` as a UTC DatetimeIndex; naive timestamps are taken to be UTC already."""
    if not isinstance(index, pd.DatetimeIndex):
        try:
            index = pd.DatetimeIndex(index)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                "the index is not made of timestamps",
                field=field,
                value=type(index).__name__,
                fix="set a datetime index, e.g. df.set_index(pd.to_datetime(df['date'], utc=True))",
            ) from exc
    if index.tz is None:
        index = index.tz_localize("UTC")
    else:
        index = index.tz_convert("UTC")
    return index.as_unit("ns").rename(INDEX_NAME)


def validate_bars(frame: pd.DataFrame, *, require_volume: bool = False) -> pd.DataFrame:
    """Check a frame has the bar schema and return it in canonical form (UTC ns index, float columns).

    Structure only: values are judged by ``signaltrust.data.quality`` and never changed here.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(
            "bars must be a pandas DataFrame", field="bars", value=type(frame).__name__,
            fix="pass a DataFrame with open/high/low/close[/volume] columns",
        )
    missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
    if require_volume and "volume" not in frame.columns:
        missing.append("volume")
    if missing:
        raise ValidationError(
            "bars lack required columns",
            field="columns",
            value=list(frame.columns),
            fix=f"add or rename columns {missing} (lower case); an importer's column mapping can do it",
        )
    index = ensure_utc_index(frame.index)
    ordered = [c for c in BAR_COLUMNS if c in frame.columns]
    columns: dict[str, Any] = {}
    for column in ordered:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values):
            raise ValidationError(
                "bar column is not numeric",
                field=column,
                value=str(values.dtype),
                fix="convert it with pd.to_numeric, or import the file with signaltrust.data.read_csv",
            )
        columns[column] = values.astype("float64").to_numpy(copy=True)  # the input is untouched
    for column in frame.columns:
        if column not in BAR_COLUMNS:  # other columns ride along, unchanged
            extra = frame[column].copy()
            extra.index = index
            columns[column] = extra
    out = pd.DataFrame(columns, index=index)  # one frame from the arrays: no per-column copies
    out.columns.name = frame.columns.name
    out.attrs = dict(frame.attrs)
    return out
