"""Import CSV files (plain or gzip; BOM, CRLF, any date format) into the bar schema."""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ParseError
from signaltrust.data.importers.cells import NA_VALUES
from signaltrust.data.importers.frame import existing_file, header_name, normalise
from signaltrust.data.importers.result import ImportResult


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

    >>> result = scan_csv("p.csv", columns={"Px": "close"}, tz="America/New_York")  # doctest: +SKIP
    >>> result.frame, result.problems  # doctest: +SKIP
    """
    source = existing_file(path)
    text = _decode(source, encoding)
    if not text.strip():
        raise ParseError(
            "the file is empty",
            path=str(source),
            row=1,
            fix="export the data again with a header line and at least one row",
        )
    raw = _parse_table(text, source, sep, na_values)
    raw.columns = [header_name(c, i) for i, c in enumerate(raw.columns)]
    lines = np.arange(2, len(raw) + 2, dtype=np.int64)
    if len(raw):  # blank lines keep their place so that row numbers are the file's line numbers
        blank = raw.isna().all(axis=1).to_numpy()
        raw, lines = raw.loc[~blank], lines[~blank]
    return normalise(
        raw,
        lines,
        path=str(source),
        columns=columns,
        date_column=date_column,
        date_format=date_format,
        tz=tz,
        na_values=na_values,
    )


def read_csv(path: str | Path, **options: Any) -> pd.DataFrame:
    """Read a CSV file into the bar schema; a bad cell raises a ParseError naming row and column.

    Takes the options of :func:`scan_csv`.
    """
    result = scan_csv(path, **options)
    result.raise_first()
    return result.frame


def _parse_table(text: str, source: Path, sep: str, na_values: Iterable[str]) -> pd.DataFrame:
    """The cells as pandas' C reader types them: numeric columns come out as numbers (fast),
    columns holding any text stay text and are checked cell by cell afterwards."""
    markers = {
        v for value in na_values for v in (str(value), str(value).lower(), str(value).upper())
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.StringIO(text),
                sep=sep,
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
            fix="remove the extra cells or add their column names to the header",
        ) from exc
    except (pd.errors.ParserError, ValueError) as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ParseError(
            f"the CSV structure is broken: {str(exc).strip()}",
            path=str(source),
            row=int(match.group(1)) if match else None,
            fix="check the separator (sep=) and quoting, and one cell per header on each line",
        ) from exc


def _first_long_line(text: str, sep: str) -> int | None:
    """The line number of the first record with more cells than the header (error path only)."""
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    width = len(next(rows, []))
    for row in rows:
        if len(row) > width:
            return rows.line_num
    return None


def _decode(source: Path, encoding: str) -> str:
    data = source.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ParseError(
                f"the gzip stream is damaged: {exc}",
                path=str(source),
                fix="download or compress the file again",
            ) from exc
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
            fix="pass encoding='latin-1' (or the file's encoding)",
        ) from exc
