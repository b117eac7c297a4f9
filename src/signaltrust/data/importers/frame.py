"""Shared by the importers: choose the date column, rename columns, turn cells into a frame."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.bars import INDEX_NAME
from signaltrust.core.errors import DatasetNotFoundError, ParseError
from signaltrust.data.importers.cells import best_format, parse_dates, to_numbers
from signaltrust.data.importers.result import ImportResult, problem

_DATE_NAMES = ("timestamp", "date", "datetime", "time", "dt", "day", "month", "period")
_NUMERIC_NAMES = frozenset({"open", "high", "low", "close", "adj_close", "volume"})


def snake_case(name: str) -> str:
    """A column name in snake_case: ``"Adj Close"`` -> ``adj_close``, ``"Mkt-RF"`` -> ``mkt_rf``."""
    text = (
        re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
        if not str(name).isupper()
        else str(name)
    )
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text.strip()).strip("_").lower()
    return text or "column"


def existing_file(path: str | Path) -> Path:
    source = Path(path).expanduser()
    if not source.is_file():
        raise DatasetNotFoundError(
            "no such file",
            field="path",
            value=str(source),
            fix="check the path (relative paths start at the current directory)",
        )
    return source


def header_name(name: Any, position: int) -> str:
    text = str(name).strip()
    if text.startswith("Unnamed: ") or text == "":
        return f"<unnamed column {position + 1}>"
    return text


def normalise(
    raw: pd.DataFrame,
    lines: np.ndarray,
    *,
    path: str,
    columns: Mapping[str, str] | None,
    date_column: str | None,
    date_format: str | None,
    tz: str,
    na_values: Iterable[str],
) -> ImportResult:
    """Shared by the importers: pick and parse the date column, rename, convert cells to numbers."""
    mapping = _resolve_mapping(raw, columns or {}, path)
    date_source = _find_date_column(raw, mapping, date_column, path)
    markers = {str(v).strip().lower() for v in na_values}
    problems: list[tuple[int, int, ParseError]] = []

    stamps, used_format, bad_dates, bad_local = parse_dates(
        raw[date_source], date_format, tz, markers
    )
    for pos in np.flatnonzero(bad_dates):
        value = raw[date_source].iloc[pos]
        missing = pd.isna(value) or str(value).strip().lower() in markers
        like = used_format or "YYYY-MM-DD"
        if missing:
            value, detail = "", "the date is missing; the row is left out"
            fix = f"fill in the date ({like}) or delete the row"
        elif bad_local[pos]:
            detail = (
                f"the local time does not exist or is ambiguous in {tz} (daylight saving); "
                "the row is left out"
            )
            fix = "export the timestamps in UTC (tz='UTC') or with their UTC offset"
        else:
            detail = "cannot read the date; the row is left out"
            fix = f"write it like the other dates ({like}) or pass date_format="
        problems.append(
            (
                int(lines[pos]),
                0,
                problem(
                    detail,
                    path=path,
                    row=int(lines[pos]),
                    column=date_source,
                    value=value,
                    fix=fix,
                ),
            )
        )
    keep = ~bad_dates

    frame = pd.DataFrame(index=pd.RangeIndex(int(keep.sum())))
    targets: dict[str, str] = {}
    for order, source in enumerate(c for c in raw.columns if c != date_source):
        target = mapping.get(source) or snake_case(
            source.strip("<>").replace("unnamed column ", "column_")
        )
        if target in targets:
            raise ParseError(
                f"columns {targets[target]!r} and {source!r} would both be named {target!r}",
                path=path,
                column=source,
                fix=f"rename one with columns={{{source!r}: 'another_name'}}",
            )
        targets[target] = source
        values, bad = to_numbers(raw[source], markers, text_allowed=target not in _NUMERIC_NAMES)
        for pos in np.flatnonzero(bad & keep):
            problems.append(
                (
                    int(lines[pos]),
                    order + 1,
                    problem(
                        "not a number; read as NaN",
                        path=path,
                        row=int(lines[pos]),
                        column=source,
                        value=raw[source].iloc[pos],
                        fix="correct the cell, or mark a missing value with '', 'NA' or '.'",
                    ),
                )
            )
        frame[target] = values[keep] if isinstance(values, np.ndarray) else values[keep].to_numpy()
    index = pd.DatetimeIndex(stamps[keep]).as_unit("ns").rename(INDEX_NAME)
    frame.index = index
    problems.sort(key=lambda item: (item[0], item[1]))
    return ImportResult(frame, [p for _, _, p in problems], path=path, date_format=used_format)


def _resolve_mapping(raw: pd.DataFrame, columns: Mapping[str, str], path: str) -> dict[str, str]:
    """Map the user's source names onto the file's headers (exact, then case-insensitive)."""
    by_lower = {c.lower(): c for c in raw.columns}
    out: dict[str, str] = {}
    for source, target in columns.items():
        found = source if source in raw.columns else by_lower.get(str(source).strip().lower())
        if found is None:
            raise ParseError(
                "a column named in the mapping is not in the file",
                path=path,
                column=source,
                value=source,
                fix=f"use one of the file's columns: {list(raw.columns)}",
            )
        out[found] = str(target)
    return out


def _find_date_column(
    raw: pd.DataFrame, mapping: dict[str, str], date_column: str | None, path: str
) -> str:
    if raw.shape[1] == 0 or len(raw.columns) == 0:
        raise ParseError("the file has no columns", path=path, row=1, fix="add a header line")
    if date_column is not None:
        if date_column in raw.columns:
            return date_column
        reverse = {t: s for s, t in mapping.items()}
        lowered = {c.lower(): c for c in raw.columns}
        found = reverse.get(date_column) or lowered.get(date_column.lower())
        if found is None:
            raise ParseError(
                "the date column is not in the file",
                path=path,
                column=date_column,
                value=date_column,
                fix=f"pass date_column= one of {list(raw.columns)}",
            )
        return found
    for source, target in mapping.items():
        if target == INDEX_NAME:
            return source
    lowered = {c.lower(): c for c in raw.columns}
    for name in _DATE_NAMES:
        if name in lowered:
            return lowered[name]
    first = raw.columns[0]
    if first.startswith("<unnamed column"):
        return first
    sample = raw[first].head(20)
    if pd.api.types.is_datetime64_any_dtype(sample) or (
        len(sample) and best_format(sample.astype(str).str.strip())[1] >= max(1, len(sample) // 2)
    ):
        return first
    raise ParseError(
        "no date column found",
        path=path,
        row=1,
        value=list(raw.columns),
        fix="name it Date or timestamp, or pass date_column= (or columns={'When': 'timestamp'})",
    )
