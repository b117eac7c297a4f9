"""Reading number cells: missing markers, text that is no number, decimal commas."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.data.importers.dates import DATE_FORMATS
from signaltrust.data.importers.options import NA_VALUES

__all__ = ["DATE_FORMATS", "NA_VALUES", "looks_like_decimal_comma", "to_numbers"]

_DECIMAL_COMMA = re.compile(r"^[-+]?\d{1,3}(\.\d{3})*,\d+$|^[-+]?\d+,\d+$")


def to_numbers(
    column: pd.Series, markers: set[str], *, text_allowed: bool
) -> tuple[Any, np.ndarray]:
    """Numbers (float64) with NaN for missing markers, and the mask of cells that are not numbers.

    A column with no number at all (a symbol or note column) stays text when ``text_allowed``.
    """
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype="float64", na_value=np.nan), np.zeros(len(column), dtype=bool)
    text = column.astype(str).str.strip()
    missing = text.str.lower().isin(markers).to_numpy() | column.isna().to_numpy()
    numbers = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    bad = np.isnan(numbers) & ~missing
    if text_allowed and bad.any() and bad.sum() == (~missing).sum():
        return column.where(~missing, None), np.zeros(len(column), dtype=bool)
    return numbers, bad


def looks_like_decimal_comma(values: list[Any]) -> bool:
    """True when every one of these unreadable cells is a number written with a decimal comma."""
    texts = [str(v).strip() for v in values]
    return bool(texts) and all(_DECIMAL_COMMA.match(t) for t in texts)
