"""Import CSV files (plain or gzip; BOM, CRLF, any separator, date format or zone) into bars."""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ParseError
from signaltrust.data.importers.frame import existing_file, header_name, normalise
from signaltrust.data.importers.options import ImportOptions
from signaltrust.data.importers.result import ImportResult

_SEPARATORS = (",", ";", "\t", "|")
_DATA_CELL = re.compile(r"^\s*[-+]?\d")  # a first cell starting with a digit is data, not a name


def scan_csv(path: str | Path, options: ImportOptions | None = None, **kwargs: Any) -> ImportResult:
    """Read a CSV file (plain or gzip) into the bar schema and list every cell it could not parse.

    Options come as an :class:`ImportOptions` and/or keywords of the same names: ``columns``
    renames source columns (``{"Date": "timestamp", "Px": "close"}``; mapping a column to
    ``"timestamp"`` makes it the date column), other names become snake_case; ``date_format``,
    ``dayfirst``, ``tz``, ``sep`` (detected from the header when not given), ``decimal``,
    ``encoding``, ``format`` (a preset such as ``"binance-klines"``). Dates alone are session
    dates; intraday times without an offset need ``tz`` (or the venue's zone).

    >>> result = scan_csv("p.csv", columns={"Px": "close"}, tz="America/New_York")  # doctest: +SKIP
    >>> result.frame, result.problems, result.notes  # doctest: +SKIP
    """
    opts = ImportOptions.make(options, **kwargs).resolved()
    source = existing_file(path)
    text = _decode(source, opts)
    if not text.strip():
        raise ParseError(
            "the file is empty",
            path=str(source),
            row=1,
            fix="export the data again with a header line and at least one row",
        )
    notes: list[str] = []
    text = _drop_yfinance_ticker_lines(text, notes)
    sep = opts.sep or _detect_separator(text, opts.decimal, notes)
    header = opts.header if opts.header is not None else _has_header(text, sep)
    raw = _parse_table(text, source, sep, opts, header)
    if header:
        raw.columns = [header_name(c, i) for i, c in enumerate(raw.columns)]
    else:
        names = list(opts.names or ())
        names += [f"column_{i + 1}" for i in range(len(names), raw.shape[1])]
        raw.columns = names[: raw.shape[1]]
    first = 2 if header else 1
    lines = np.arange(first, len(raw) + first, dtype=np.int64)
    if len(raw):  # blank lines keep their place so that row numbers are the file's line numbers
        blank = raw.isna().all(axis=1).to_numpy()
        raw, lines = raw.loc[~blank], lines[~blank]
    result = normalise(raw, lines, path=str(source), options=opts)
    result.notes[:0] = notes
    return result


def read_csv(path: str | Path, options: ImportOptions | None = None, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV file into the bar schema; a bad cell raises a ParseError naming row and column.

    Takes the options of :func:`scan_csv`.
    """
    result = scan_csv(path, options, **kwargs)
    result.raise_first()
    return result.frame


def _parse_table(
    text: str, source: Path, sep: str, opts: ImportOptions, header: bool
) -> pd.DataFrame:
    """The cells as pandas' C reader types them: numeric columns come out as numbers (fast),
    columns holding any text stay text and are checked cell by cell afterwards."""
    markers = {
        v for value in opts.na_values for v in (str(value), str(value).lower(), str(value).upper())
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.StringIO(text),
                sep=sep,
                decimal=opts.decimal,
                header=0 if header else None,
                na_values=sorted(markers),
                keep_default_na=False,
                skip_blank_lines=False,
                skipinitialspace=True,
                index_col=False,
                low_memory=False,
            )
    except pd.errors.ParserWarning as exc:  # a line with more cells than the header
        raise ParseError(
            "a line has more cells than the header",
            path=str(source),
            row=_first_long_line(text, sep),
            fix=_structure_fix(text, sep, opts, "remove the extra cells or add their column "
                               "names to the header"),
        ) from exc
    except (pd.errors.ParserError, ValueError) as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ParseError(
            f"the CSV structure is broken: {str(exc).strip()}",
            path=str(source),
            row=int(match.group(1)) if match else None,
            fix=_structure_fix(text, sep, opts, f"check the separator ({opts.hint('sep', sep)})"
                               " and quoting, and one cell per header on each line"),
        ) from exc


def _structure_fix(text: str, sep: str, opts: ImportOptions, default: str) -> str:
    """The likely fix for a broken table: another separator (and decimal commas) if the header
    is split by one."""
    head = text.split("\n", 1)[0]
    for other in _SEPARATORS:
        if other != sep and head.count(other) > head.count(sep):
            fix = f"the header is split by {other!r}: give {opts.hint('sep', other)}"
            if other != "," and "," in text.split("\n", 2)[1 if "\n" in text else 0]:
                fix += f" (and {opts.hint('decimal', ',')} if the numbers use decimal commas)"
            return fix
    return default


def _detect_separator(text: str, decimal: str, notes: list[str]) -> str:
    """The separator splitting the header line into the most cells (',' when none does)."""
    head = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {s: head.count(s) for s in _SEPARATORS}
    best = max(counts.values())
    if best == 0:
        return ","
    tied = [s for s in _SEPARATORS if counts[s] == best]
    sep = ";" if decimal == "," and ";" in tied else tied[0]
    if sep != ",":
        notes.append(f"columns separated by {sep!r} (read from the header line)")
    return sep


def _has_header(text: str, sep: str) -> bool:
    """A header line is present unless the first cell of the first line is a number or a date."""
    first = next(csv.reader(io.StringIO(text.lstrip("\ufeff").split("\n", 1)[0]), delimiter=sep),
                 [""])
    return not (first and _DATA_CELL.match(first[0] or ""))


def _drop_yfinance_ticker_lines(text: str, notes: list[str]) -> str:
    """yfinance writes 'Price,...' / 'Ticker,AAPL,...' / 'Date,,,' header lines: keep the first
    (its first cell named Date) and blank the other two so line numbers stay the file's."""
    lines = text.split("\n", 3)
    if (
        len(lines) >= 3
        and lines[1].lower().startswith("ticker,")
        and lines[2].lower().rstrip("\r, ").startswith("date")
        and not lines[2].strip("\r").split(",", 1)[-1].strip(", ")
    ):
        first = "Date" + lines[0][lines[0].find(","):] if "," in lines[0] else lines[0]
        notes.append("yfinance header: the ticker and date lines are set aside")
        return "\n".join([first, "", "", *lines[3:]])
    return text


def _first_long_line(text: str, sep: str) -> int | None:
    """The line number of the first record with more cells than the header (error path only)."""
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    width = len(next(rows, []))
    for row in rows:
        if len(row) > width:
            return rows.line_num
    return None


def _decode(source: Path, opts: ImportOptions) -> str:
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ParseError(
            f"the file cannot be read: {exc.strerror or exc}",
            path=str(source),
            fix="check the file's permissions, or copy it somewhere readable",
        ) from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ParseError(
                f"the gzip stream is damaged: {exc}",
                path=str(source),
                fix="download or compress the file again",
            ) from exc
    encoding = opts.encoding
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(
            f"the bytes are not {encoding} text",
            path=str(source),
            row=line,
            value=data[exc.start : exc.start + 8],
            fix=f"give the file's encoding, e.g. {opts.hint('encoding', 'latin-1')}",
        ) from exc
