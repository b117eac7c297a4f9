"""Import Parquet files (a datetime index or a date column) into the bar schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.bars import INDEX_NAME
from signaltrust.core.errors import ParseError
from signaltrust.data.importers.frame import existing_file, header_name, normalise
from signaltrust.data.importers.options import ImportOptions
from signaltrust.data.importers.result import ImportResult

PARQUET_SUFFIXES = (".parquet", ".pq")


def scan_parquet(
    path: str | Path, options: ImportOptions | None = None, **kwargs: Any
) -> ImportResult:
    """Read a Parquet file (datetime index or date column) into the bar schema, listing problems.

    Rows are numbered from 1 in file order. Options as in :func:`scan_csv` (``sep``,
    ``decimal`` and ``encoding`` do not apply to Parquet).
    """
    opts = ImportOptions.make(options, **kwargs).resolved()
    source = existing_file(path)
    try:
        raw = pd.read_parquet(source)
    except Exception as exc:  # pyarrow raises several unrelated classes for unreadable files
        raise ParseError(
            f"not a readable Parquet file: {str(exc).splitlines()[0] if str(exc) else exc!r}",
            path=str(source),
            fix="check the file is Parquet (not CSV or a partial download), or read it as CSV",
        ) from exc
    if isinstance(raw.index, pd.DatetimeIndex):
        name = raw.index.name or INDEX_NAME
        raw = raw.reset_index(names=name)
        mapped = dict(opts.columns or {})
        if opts.date_column is None and "timestamp" not in mapped.values():
            opts = ImportOptions.make(opts, date_column=name)
    else:
        raw = raw.reset_index(drop=True)
    raw.columns = [header_name(c, i) for i, c in enumerate(raw.columns)]
    lines = np.arange(1, len(raw) + 1, dtype=np.int64)
    return normalise(raw, lines, path=str(source), options=opts)


def read_parquet(
    path: str | Path, options: ImportOptions | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Read a Parquet file into the bar schema; raise a ParseError if any cell or date is bad."""
    result = scan_parquet(path, options, **kwargs)
    result.raise_first()
    return result.frame
