"""Import CSV and Parquet files into the bar schema: UTC timestamps, numeric columns, named problems.

Every importer returns the rows as found (never sorted, de-duplicated or filled) with a
``timestamp`` index in UTC nanoseconds and lower-case snake_case column names. A cell it cannot
read becomes NaN and a :class:`~signaltrust.core.errors.ParseError` naming the file, the line
(the header is line 1) and the column; a row whose date cannot be read is left out and reported.
``scan_*`` return those problems; ``read_*`` raise the first one.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.bars import INDEX_NAME
from signaltrust.core.errors import DatasetNotFoundError, ParseError

NA_VALUES: tuple[str, ...] = ("", ".", "NA", "NaN", "nan", "null", "NULL", "None", "N/A", "n/a", "#N/A", "-")

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
_DATE_NAMES = ("timestamp", "date", "datetime", "time", "dt", "day", "month", "period")
_AWARE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_NUMERIC_NAMES = frozenset({"open", "high", "low", "close", "adj_close", "volume"})


@dataclass
class ImportResult:
    """What an importer read: the frame (UTC ``timestamp`` index) and every problem it found."""

    frame: pd.DataFrame
    problems: list[ParseError] = field(default_factory=list)
    path: str | None = None
    date_format: str | None = None

    @property
    def ok(self) -> bool:
        """True when every cell and every date was read."""
        return not self.problems

    def raise_first(self) -> None:
        """Raise the first problem (its message says how many more there are)."""
        if not self.problems:
            return
        first = self.problems[0]
        more = len(self.problems) - 1
        if more:
            detail = getattr(first, "detail", first.message)
            raise ParseError(
                f"{detail} (and {more} more problem{'s' if more > 1 else ''}; "
                "scan the file with scan_csv/scan_parquet to see them all)",
                path=first.path, row=first.row, column=first.column, value=first.value, fix=first.fix,
            )
        raise first


def snake_case(name: str) -> str:
    """``"Adj Close"`` -> ``"adj_close"``, ``"Mkt-RF"`` -> ``"mkt_rf"``, ``"^GSPC"`` -> ``"gspc"``."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip()) if not str(name).isupper() else str(name)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text.strip()).strip("_").lower()
    return text or "column"


# ---------------------------------------------------------------------------------------- CSV


def scan_csv(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    date_column: str | None = None,
    date_format: str | None = None,
    tz: str = "UTC",
    na_values: Iterable[str] = NA_VALUES,
    sep: str = ",",
    encoding: str = "utf-8",
) -> ImportResult:
    """Read a CSV file (plain or gzip) into the bar schema and list every cell it could not parse.

    ``columns`` renames source columns (``{"Date": "timestamp", "Px": "close"}``; mapping a column
    to ``"timestamp"`` makes it the date column); other names become snake_case. Dates are
    detected (``M/D/YYYY``, ``YYYY-MM-DD[ HH:MM:SS]``, ``YYYYMM`` ...) unless ``date_format`` is
    given; naive timestamps are local to ``tz`` and converted to UTC.

    >>> result = scan_csv("prices.csv", columns={"Px": "close"}, tz="America/New_York")  # doctest: +SKIP
    >>> result.frame, result.problems  # doctest: +SKIP
    """
    source = _existing(path)
    text = _decode(source, encoding)
    if not text.strip():
        raise ParseError(
            "the file is empty", path=str(source), row=1,
            fix="export the data again with a header line and at least one row",
        )
    try:
        raw = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ParseError(
            f"the CSV structure is broken: {exc}", path=str(source),
            row=int(match.group(1)) if match else None,
            fix="check the separator (sep=) and quoting, and that every line has as many cells as the header",
        ) from exc
    raw.columns = [_header_name(c, i) for i, c in enumerate(raw.columns)]
    lines = np.arange(2, len(raw) + 2, dtype=np.int64)
    if len(raw):
        blank = (raw == "").all(axis=1).to_numpy()
        raw, lines = raw.loc[~blank], lines[~blank]
    return _normalise(
        raw, lines, path=str(source), columns=columns, date_column=date_column,
        date_format=date_format, tz=tz, na_values=na_values,
    )


def read_csv(path: str | Path, **options: Any) -> pd.DataFrame:
    """Read a CSV file into the bar schema; raise a ParseError naming row and column if any cell is bad.

    Takes the options of :func:`scan_csv`.
    """
    result = scan_csv(path, **options)
    result.raise_first()
    return result.frame


# ------------------------------------------------------------------------------------ Parquet


def scan_parquet(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    date_column: str | None = None,
    date_format: str | None = None,
    tz: str = "UTC",
    na_values: Iterable[str] = NA_VALUES,
) -> ImportResult:
    """Read a Parquet file (a datetime index or a date column) into the bar schema, listing problems.

    Rows are numbered from 1 in file order. Options as in :func:`scan_csv`.
    """
    source = _existing(path)
    try:
        raw = pd.read_parquet(source)
    except Exception as exc:  # pyarrow raises several unrelated classes for unreadable files
        raise ParseError(
            f"not a readable Parquet file: {exc}", path=str(source),
            fix="check the file is Parquet (not CSV or a partial download), or use read_csv",
        ) from exc
    if isinstance(raw.index, pd.DatetimeIndex):
        name = raw.index.name or INDEX_NAME
        raw = raw.reset_index(names=name)
        mapped = {**(columns or {})}
        if date_column is None and "timestamp" not in mapped.values():
            date_column = name
    else:
        raw = raw.reset_index(drop=True)
    raw.columns = [_header_name(c, i) for i, c in enumerate(raw.columns)]
    lines = np.arange(1, len(raw) + 1, dtype=np.int64)
    return _normalise(
        raw, lines, path=str(source), columns=columns, date_column=date_column,
        date_format=date_format, tz=tz, na_values=na_values,
    )


def read_parquet(path: str | Path, **options: Any) -> pd.DataFrame:
    """Read a Parquet file into the bar schema; raise a ParseError if any cell or date is bad."""
    result = scan_parquet(path, **options)
    result.raise_first()
    return result.frame


# ---------------------------------------------------------------------------------- internals


def _existing(path: str | Path) -> Path:
    source = Path(path).expanduser()
    if not source.is_file():
        raise DatasetNotFoundError(
            "no such file", field="path", value=str(source),
            fix="check the path (relative paths start at the current directory)",
        )
    return source


def _decode(source: Path, encoding: str) -> str:
    data = source.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ParseError(
                f"the gzip stream is damaged: {exc}", path=str(source),
                fix="download or compress the file again",
            ) from exc
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(
            f"the bytes are not {encoding} text", path=str(source), row=line,
            value=data[exc.start : exc.start + 8], fix="pass encoding='latin-1' (or the file's encoding)",
        ) from exc


def _header_name(name: Any, position: int) -> str:
    text = str(name).strip()
    if text.startswith("Unnamed: ") or text == "":
        return f"<unnamed column {position + 1}>"
    return text


def _normalise(
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

    stamps, used_format, bad_dates, bad_local = _parse_dates(raw[date_source], date_format, tz, markers)
    for pos in np.flatnonzero(bad_dates):
        value = raw[date_source].iloc[pos]
        if bad_local[pos]:
            detail = f"the local time does not exist or is ambiguous in {tz} (daylight saving); the row is left out"
            fix = "export the timestamps in UTC (tz='UTC') or with their UTC offset"
        else:
            detail = "cannot read the date; the row is left out"
            fix = f"write it like the other dates ({used_format or 'YYYY-MM-DD'}) or pass date_format="
        problems.append((int(lines[pos]), 0, _problem(
            detail, path=path, row=int(lines[pos]), column=date_source, value=value, fix=fix,
        )))
    keep = ~bad_dates

    frame = pd.DataFrame(index=pd.RangeIndex(int(keep.sum())))
    targets: dict[str, str] = {}
    for order, source in enumerate(c for c in raw.columns if c != date_source):
        target = mapping.get(source) or snake_case(source.strip("<>").replace("unnamed column ", "column_"))
        if target in targets:
            raise ParseError(
                f"columns {targets[target]!r} and {source!r} would both be named {target!r}",
                path=path, column=source,
                fix=f"rename one with columns={{{source!r}: 'another_name'}}",
            )
        targets[target] = source
        values, bad = _to_numbers(raw[source], markers, text_allowed=target not in _NUMERIC_NAMES)
        for pos in np.flatnonzero(bad & keep):
            problems.append((int(lines[pos]), order + 1, _problem(
                "not a number; read as NaN", path=path, row=int(lines[pos]), column=source,
                value=raw[source].iloc[pos],
                fix="correct the cell, or mark a missing value with an empty cell, 'NA' or '.'",
            )))
        frame[target] = values[keep] if isinstance(values, np.ndarray) else values[keep].to_numpy()
    index = pd.DatetimeIndex(stamps[keep]).as_unit("ns").rename(INDEX_NAME)
    frame.index = index
    problems.sort(key=lambda item: (item[0], item[1]))
    return ImportResult(frame, [p for _, _, p in problems], path=path, date_format=used_format)


def _problem(detail: str, **where: Any) -> ParseError:
    """A ParseError that remembers its message without the location, for re-raising with a count."""
    error = ParseError(detail, **where)
    error.detail = detail  # type: ignore[attr-defined]
    return error


def _resolve_mapping(raw: pd.DataFrame, columns: Mapping[str, str], path: str) -> dict[str, str]:
    """Map the user's source names onto the file's headers (exact, then case-insensitive)."""
    by_lower = {c.lower(): c for c in raw.columns}
    out: dict[str, str] = {}
    for source, target in columns.items():
        found = source if source in raw.columns else by_lower.get(str(source).strip().lower())
        if found is None:
            raise ParseError(
                "a column named in the mapping is not in the file", path=path, column=source,
                value=source, fix=f"use one of the file's columns: {list(raw.columns)}",
            )
        out[found] = str(target)
    return out


def _find_date_column(raw: pd.DataFrame, mapping: dict[str, str], date_column: str | None, path: str) -> str:
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
                "the date column is not in the file", path=path, column=date_column, value=date_column,
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
        len(sample) and _best_format(sample.astype(str).str.strip())[1] >= max(1, len(sample) // 2)
    ):
        return first
    raise ParseError(
        "no date column found", path=path, row=1, value=list(raw.columns),
        fix="name it Date or timestamp, or pass date_column= (or columns={'When': 'timestamp'})",
    )


def _best_format(values: pd.Series) -> tuple[str | None, int]:
    best, best_count = None, 0
    for fmt in DATE_FORMATS:
        count = int(pd.to_datetime(values, format=fmt, errors="coerce").notna().sum())
        if count > best_count:
            best, best_count = fmt, count
    return best, best_count


def _parse_dates(
    column: pd.Series, date_format: str | None, tz: str, markers: set[str]
) -> tuple[pd.DatetimeIndex, str | None, np.ndarray, np.ndarray]:
    """UTC timestamps (NaT where unreadable), the format used, the unreadable mask, and the mask
    of local times that do not exist or are ambiguous in ``tz`` (daylight-saving changes)."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        naive = pd.DatetimeIndex(column)
        stamps = _localise(naive, tz) if naive.tz is None else naive
        stamps = stamps.tz_convert("UTC")
        return stamps, None, np.asarray(stamps.isna()), np.asarray(stamps.isna() & naive.notna())
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
            used = _best_format(filled.head(200))[0] or "ISO8601"
        parsed = pd.to_datetime(text, format=used, errors="coerce", utc=aware)
    read = pd.DatetimeIndex(parsed)
    stamps = _localise(read, tz) if read.tz is None else read
    stamps = stamps.tz_convert("UTC")
    return stamps, used, np.asarray(stamps.isna()), np.asarray(stamps.isna() & read.notna())


def _localise(stamps: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    """Naive local times to ``tz``; ambiguous (DST fall-back) hours are inferred from order if possible."""
    if tz.upper() == "UTC":
        return stamps.tz_localize("UTC")
    try:
        return stamps.tz_localize(tz, ambiguous="infer", nonexistent="NaT")
    except Exception:  # pytz/zoneinfo raise different classes; fall back to reporting those rows
        return stamps.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")


def _to_numbers(column: pd.Series, markers: set[str], *, text_allowed: bool) -> tuple[Any, np.ndarray]:
    """Numbers (float64) with NaN for missing markers, and the mask of cells that are not numbers.

    A column with no number at all (a symbol or note column) stays text when ``text_allowed``.
    """
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype="float64", na_value=np.nan), np.zeros(len(column), dtype=bool)
    text = column.astype(str).str.strip()
    missing = text.str.lower().isin(markers).to_numpy() | column.isna().to_numpy()
    numbers = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bad = np.isnan(numbers) & ~missing
    if text_allowed and bad.any() and bad.sum() == (~missing).sum():
        return column.where(~missing, None), np.zeros(len(column), dtype=bool)
    return numbers, bad
