"""Reading cells: dates (format detection, time zones) and numbers (missing markers)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

NA_VALUES: tuple[str, ...] = (
    "",
    ".",
    "NA",
    "NaN",
    "nan",
    "null",
    "NULL",
    "None",
    "N/A",
    "n/a",
    "#N/A",
    "-",
)

# Tried in this order when no date_format is given; the one that reads the most cells wins
# (ties go to the earlier one, so month-first US dates beat day-first ones).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y/%m/%d",
    "%Y%m",
    "%Y%m%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
)
_AWARE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def best_format(values: pd.Series) -> tuple[str | None, int]:
    best, best_count = None, 0
    for fmt in DATE_FORMATS:
        count = int(pd.to_datetime(values, format=fmt, errors="coerce").notna().sum())
        if count > best_count:
            best, best_count = fmt, count
    return best, best_count


def parse_dates(
    column: pd.Series, date_format: str | None, tz: str, markers: set[str]
) -> tuple[pd.DatetimeIndex, str | None, np.ndarray, np.ndarray]:
    """UTC timestamps (NaT where unreadable), the format used, the unreadable mask, and the mask
    of local times that do not exist or are ambiguous in ``tz`` (daylight-saving changes)."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        naive = pd.DatetimeIndex(column)
        stamps = localise(naive, tz) if naive.tz is None else naive
        stamps = stamps.tz_convert("UTC")
        return stamps, None, np.asarray(stamps.isna()), np.asarray(stamps.isna() & naive.notna())
    if pd.api.types.is_numeric_dtype(column.dtype):  # YYYYMM or YYYYMMDD read as numbers
        numbers = column.to_numpy(dtype="float64", na_value=np.nan)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        digits = np.where(whole, numbers, 0).astype(np.int64).astype(str)
        column = pd.Series(np.where(whole, digits, column.astype(str)), index=column.index)
    text = column.astype(str).str.strip()
    text = text.where(~text.str.lower().isin(markers), "")
    filled = text[text != ""]
    aware = bool(len(filled)) and bool(_AWARE.search(filled.iloc[0]))
    used = date_format
    if aware and date_format is None:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        used = "ISO8601"
    else:
        if used is None:
            used = best_format(filled.head(200))[0] or "ISO8601"
        parsed = pd.to_datetime(text, format=used, errors="coerce", utc=aware)
    read = pd.DatetimeIndex(parsed)
    stamps = localise(read, tz) if read.tz is None else read
    stamps = stamps.tz_convert("UTC")
    return stamps, used, np.asarray(stamps.isna()), np.asarray(stamps.isna() & read.notna())


def localise(stamps: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    """Naive local times to ``tz``; repeated (DST fall-back) hours are inferred from their order."""
    if tz.upper() == "UTC":
        return stamps.tz_localize("UTC")
    try:
        return stamps.tz_localize(tz, ambiguous="infer", nonexistent="NaT")
    except Exception:  # pytz/zoneinfo raise different classes; fall back to reporting those rows
        return stamps.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")


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
