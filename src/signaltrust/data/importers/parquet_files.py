"""Import Parquet files (a datetime index or a date column) into the bar schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.bars import INDEX_NAME
from signaltrust.core.errors import ParseError
from signaltrust.data.importers.cells import NA_VALUES
from signaltrust.data.importers.frame import existing_file, header_name, normalise
from signaltrust.data.importers.result import ImportResult


def scan_parquet(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    date_column: str | None = None,
    date_format: str | None = None,
    tz: str = "UTC",
    na_values: Iterable[str] = NA_VALUES,
) -> ImportResult:
    """Read a Parquet file (datetime index or date column) into the bar schema, listing problems.

    Rows are numbered from 1 in file order. Options as in :func:`scan_csv`.
    """
    source = existing_file(path)
    try:
        raw = pd.read_parquet(source)
    except Exception as exc:  # pyarrow raises several unrelated classes for unreadable files
        raise ParseError(
            f"not a readable Parquet file: {exc}",
            path=str(source),
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
    raw.columns = [header_name(c, i) for i, c in enumerate(raw.columns)]
    lines = np.arange(1, len(raw) + 1, dtype=np.int64)
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


def read_parquet(path: str | Path, **options: Any) -> pd.DataFrame:
    """Read a Parquet file into the bar schema; raise a ParseError if any cell or date is bad."""
    result = scan_parquet(path, **options)
    result.raise_first()
    return result.frame


# ---------------------------------------------------------------------------------- internals
