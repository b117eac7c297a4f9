"""Check a CSV or Parquet file: what the importer could not read, then the data it read."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from signaltrust.core.bars import PRICE_COLUMNS
from signaltrust.core.calendar import TradingCalendar
from signaltrust.core.errors import ParseError, ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.quality.checks import check_frame, finish_report
from signaltrust.data.quality.report import QualityIssue, QualityReport, issue


def _file_lines(result: Any, n: int, first_line: int) -> np.ndarray:
    """The file line of each frame row: the importer's, else rebuilt from its problems."""
    lines = getattr(result, "lines", None)
    if lines is not None and len(lines) == n:
        return np.asarray(lines, dtype=np.int64)
    dropped = {
        p.row
        for p in result.problems
        if p.row is not None and "left out" in str(getattr(p, "detail", p.message))
    }
    out, line = [], first_line
    while len(out) < n:
        if line not in dropped:
            out.append(line)
        line += 1
    return np.asarray(out, dtype=np.int64)


def _parse_issue(problem: ParseError, stamp_of_line: dict[int, pd.Timestamp]) -> QualityIssue:
    detail = str(getattr(problem, "detail", problem.message))
    return issue(
        "unparsable",
        detail,
        timestamp=stamp_of_line.get(problem.row) if problem.row is not None else None,
        row=problem.row,
        column=problem.column,
        value=None if problem.value is None else str(problem.value),
    )


def check_file(
    path: str | Path,
    *,
    kind: Literal["bars", "series", "auto"] = "auto",
    timeframe: Timeframe | str | None = None,
    calendar: str | TradingCalendar | None = None,
    expects_volume: bool = True,
    columns: dict[str, str] | None = None,
    tz: str | None = None,
    options: Any = None,
    **thresholds: Any,
) -> QualityReport:
    """Check a CSV or Parquet file: what the importer could not read, then the data it read.

    Unreadable cells and dates become ``unparsable`` errors; rows are reported by file line
    (the header is line 1 of a CSV). Files ending ``.parquet``/``.pq`` are read as Parquet.
    ``options`` (an :class:`~signaltrust.data.importers.ImportOptions`) say how to read the file;
    ``columns`` and ``tz`` override them. Naive intraday times take the calendar's zone when an
    exchange calendar is given (``XNYS``: New York). A file with some but not all of open, high,
    low and close raises ValidationError: it is neither whole bars nor a table of prices.
    """
    from signaltrust.data.importers import ImportOptions, scan_csv, scan_parquet
    from signaltrust.data.venues import venue_timezone

    overrides: dict[str, Any] = {}
    if columns is not None:
        overrides["columns"] = columns
    if tz is not None:
        overrides["tz"] = tz
    if timeframe is not None:
        overrides["timeframe"] = str(Timeframe.parse(timeframe))
    opts = ImportOptions.make(options, **overrides)
    if isinstance(calendar, str):
        opts = opts.for_venue(venue_timezone(calendar), f"the zone of calendar {calendar}")
    source = Path(path).expanduser()
    is_parquet = source.suffix.lower() in (".parquet", ".pq")
    scan = scan_parquet if is_parquet else scan_csv
    result = scan(source, opts)
    frame = result.frame
    partial = [c for c in PRICE_COLUMNS if c in frame.columns]
    bar_only = {"open", "high", "low"} & set(partial)  # a close column alone is a price series
    if kind == "auto" and bar_only and len(partial) < len(PRICE_COLUMNS):
        missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
        raise ValidationError(
            f"file {source} has {', '.join(partial)} but no {', '.join(missing)}: not whole bars",
            field="columns", value=list(frame.columns),
            fix=f"map the file's columns to bar names, e.g. "
            f"{opts.hint('columns', {'YourColumn': missing[0]})}",
        )
    lines = _file_lines(result, len(frame), first_line=1 if is_parquet else 2)
    is_bars = kind == "bars" or (kind == "auto" and len(partial) == len(PRICE_COLUMNS))
    if not is_bars and "columns" not in thresholds:  # a text column (notes, a ticker) is no series
        thresholds["columns"] = [
            c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c].dtype)
        ]
    report = check_frame(
        frame,
        kind=kind,
        expects_volume=expects_volume,
        timeframe=timeframe,
        calendar=calendar,
        rows=lines,
        **thresholds,
    )
    stamp_of_line = dict(zip(lines.tolist(), frame.index, strict=True))
    parse_issues = [_parse_issue(p, stamp_of_line) for p in result.problems]
    known = {(i.row, i.column) for i in parse_issues}
    rest = [
        i for i in report.issues if not (i.check == "unparsable" and (i.row, i.column) in known)
    ]
    context = {"file": str(source), **report.context}
    notes = list(result.notes)  # how the file was read, and fixes that hold for many cells
    notes += sorted({p.fix for p in result.problems if p.fix and "decimal comma" in p.fix})
    if notes:
        context["notes"] = "; ".join(notes)
    return finish_report(parse_issues + rest, context)
