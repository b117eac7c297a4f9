"""Shared by the importers: choose the date column, rename columns, turn cells into a frame."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.bars import INDEX_NAME
from signaltrust.core.errors import DatasetNotFoundError, ParseError
from signaltrust.data.importers.cells import looks_like_decimal_comma, to_numbers
from signaltrust.data.importers.dates import DATE_FORMATS, label_bars, parse_dates
from signaltrust.data.importers.options import ImportOptions
from signaltrust.data.importers.result import ImportResult, problem

_DATE_NAMES = (
    "timestamp", "date", "datetime", "time", "dt", "day", "month", "period", "open_time",
)
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
    """``path`` as a Path when it is a readable file; DatasetNotFoundError or ParseError if not."""
    source = Path(path).expanduser()
    if source.is_dir():
        raise ParseError(
            "this is a folder, not a file", path=str(source),
            fix="give the path of a CSV or Parquet file inside it",
        )
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
    raw: pd.DataFrame, lines: np.ndarray, *, path: str, options: ImportOptions
) -> ImportResult:
    """Shared by the importers: pick and parse the date column, rename, convert cells to numbers.

    ``options`` are resolved (a preset already filled in).
    """
    if raw.shape[1] == 0 or len(raw.columns) == 0:
        raise ParseError("the file has no columns", path=path, row=1, fix="add a header line")
    if len(raw) == 0:
        raise ParseError(
            "the file has a header but no data rows", path=path, row=2,
            fix="export the data again with its rows (this file holds only column names)",
        )
    raw = _join_date_and_time(raw, options)
    mapping = _resolve_mapping(raw, options.columns or {}, path, options)
    for source, target in (options.optional_columns or {}).items():
        found = _find(raw, source)
        if found is not None and found not in mapping and target not in mapping.values():
            mapping[found] = target
    date_source = _find_date_column(raw, mapping, options, path)
    markers = {str(v).strip().lower() for v in options.na_values}
    problems: list[tuple[int, int, ParseError]] = []

    parsed = parse_dates(raw[date_source], options, markers, path=path, name=date_source)
    stamps, lost, notes = label_bars(parsed, options, path=path, name=date_source)
    bad_dates = parsed.bad | lost
    like = parsed.used_format or "YYYY-MM-DD"
    for pos in np.flatnonzero(bad_dates):
        value = raw[date_source].iloc[pos]
        missing = pd.isna(value) or str(value).strip().lower() in markers
        if missing:
            value, detail = "", "the date is missing; the row is left out"
            fix = f"fill in the date ({like}) or delete the row"
        elif lost[pos]:
            detail = "the local time does not exist or is ambiguous (daylight saving); the row " \
                "is left out"
            fix = f"export the timestamps in UTC ({options.hint('tz', 'UTC')}) or with their " \
                "UTC offset"
        elif pos in parsed.reasons:
            detail = f"{parsed.reasons[pos]}; the row is left out"
            fix = "correct the date in the source, or delete the row"
        else:
            detail = "cannot read the date; the row is left out"
            fix = f"write it like the other dates ({like}) or give {options.hint('date_format')}"
        row = int(lines[pos])
        where = {"path": path, "row": row, "column": date_source, "value": value, "fix": fix}
        problems.append((row, 0, problem(detail, **where)))
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
                fix=f"rename one with {options.hint('columns', {source: 'another_name'})}",
            )
        targets[target] = source
        values, bad = to_numbers(raw[source], markers, text_allowed=target not in _NUMERIC_NAMES)
        fix = "correct the cell, or mark a missing value with '', 'NA' or '.'"
        bad_rows = np.flatnonzero(bad & keep)
        if len(bad_rows) and options.decimal == "." and looks_like_decimal_comma(
            raw[source].iloc[bad_rows[:20]].tolist()
        ):
            fix = f"the numbers use a decimal comma: give {options.hint('decimal', ',')}"
        for pos in bad_rows:
            row = int(lines[pos])
            where = {"path": path, "row": row, "column": source, "value": raw[source].iloc[pos]}
            problems.append((row, order + 1, problem("not a number; read as NaN", **where,
                                                     fix=fix)))
        if not isinstance(values, np.ndarray) and looks_like_decimal_comma(
            raw[source].dropna().head(20).tolist()
        ):
            notes.append(f"column {source!r} holds numbers with decimal commas and is kept as "
                         f"text: give {options.hint('decimal', ',')}")
        frame[target] = values[keep] if isinstance(values, np.ndarray) else values[keep].to_numpy()
    index = pd.DatetimeIndex(stamps[keep].view("M8[ns]")).tz_localize("UTC").rename(INDEX_NAME)
    frame.index = index
    problems.sort(key=lambda item: (item[0], item[1]))
    return ImportResult(
        frame,
        [p for _, _, p in problems],
        path=path,
        date_format=parsed.used_format,
        notes=notes,
        lines=np.asarray(lines)[keep],
        hints=options.hints,
        headers={t: src for t, src in targets.items() if src not in mapping},
    )


def _join_date_and_time(raw: pd.DataFrame, options: ImportOptions) -> pd.DataFrame:
    """A date column and a time column (MetaTrader) as one date column named after the first."""
    if options.date_time_columns is None:
        return raw
    date, time = (_find(raw, name) for name in options.date_time_columns)
    if date is None or time is None:
        return raw
    joined = raw[date].astype(str).str.strip() + " " + raw[time].astype(str).str.strip()
    out = raw.drop(columns=[time])
    out[date] = joined
    return out


def _find(raw: pd.DataFrame, name: str) -> str | None:
    if name in raw.columns:
        return name
    return {str(c).lower(): c for c in raw.columns}.get(str(name).strip().lower())


def _resolve_mapping(
    raw: pd.DataFrame, columns: Mapping[str, str], path: str, options: ImportOptions
) -> dict[str, str]:
    """Map the user's source names onto the file's headers (exact, then case-insensitive)."""
    out: dict[str, str] = {}
    for source, target in columns.items():
        found = _find(raw, source)
        if found is None:
            raise ParseError(
                "a column named in the mapping is not in the file",
                path=path,
                column=source,
                value=source,
                fix=f"use one of the file's columns: {list(raw.columns)} "
                f"(e.g. {options.hint('columns', {raw.columns[-1]: str(target)})})",
            )
        out[found] = str(target)
    return out


def _find_date_column(
    raw: pd.DataFrame, mapping: dict[str, str], options: ImportOptions, path: str
) -> str:
    date_column = options.date_column
    if date_column is not None:
        reverse = {t: s for s, t in mapping.items()}
        found = _find(raw, date_column) or reverse.get(date_column)
        if found is None:
            raise ParseError(
                "the date column is not in the file",
                path=path,
                column=date_column,
                value=date_column,
                fix=f"give {options.hint('date_column')} one of {list(raw.columns)}",
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
    if all(re.match(r"^\s*[-+]?\d", str(c)) for c in raw.columns[:3]):
        raise ParseError(
            "the file has no header line: its first line is data",
            path=path, row=1, value=list(raw.columns)[:6],
            fix=f"give the export's preset, e.g. {options.hint('format', 'binance-klines')} or "
            f"{options.hint('format', 'mt4')}, or add a header line (Date,Open,High,Low,Close,"
            "Volume)",
        )
    sample = raw[first].head(20)
    if pd.api.types.is_datetime64_any_dtype(sample) or (len(sample) and _reads_as_dates(sample)):
        return first
    raise ParseError(
        "no date column found",
        path=path,
        row=1,
        value=list(raw.columns),
        fix=f"name it Date or timestamp, or give {options.hint('date_column', raw.columns[0])}",
    )


def _reads_as_dates(sample: pd.Series) -> bool:
    text = sample.astype(str).str.strip()
    need = max(1, len(text) // 2)
    return any(
        int(pd.to_datetime(text, format=fmt, errors="coerce").notna().sum()) >= need
        for fmt in DATE_FORMATS
    )
