"""Import CSV and Parquet files into the bar schema: UTC timestamps, numbers, named problems.

Every importer returns the rows as found (never sorted, de-duplicated or filled) with a
``timestamp`` index in UTC nanoseconds and lower-case snake_case column names. A cell it cannot
read becomes NaN and a :class:`~signaltrust.core.errors.ParseError` naming the file, the line
(the header is line 1) and the column; a row whose date cannot be read is left out and reported.
``scan_*`` return those problems; ``read_*`` raise the first one. How a file is read (separator,
decimal mark, date format and order, time zone, presets for common exports) is an
:class:`ImportOptions`, given as one object or as keywords.
"""

from signaltrust.data.importers.csv_files import read_csv, scan_csv
from signaltrust.data.importers.dates import DATE_FORMATS
from signaltrust.data.importers.frame import snake_case
from signaltrust.data.importers.options import (
    EPOCH_FORMATS,
    FORMATS,
    NA_VALUES,
    ImportOptions,
    parse_columns,
)
from signaltrust.data.importers.parquet_files import PARQUET_SUFFIXES, read_parquet, scan_parquet
from signaltrust.data.importers.result import ImportResult

__all__ = [
    "DATE_FORMATS",
    "EPOCH_FORMATS",
    "FORMATS",
    "NA_VALUES",
    "PARQUET_SUFFIXES",
    "ImportOptions",
    "ImportResult",
    "parse_columns",
    "read_csv",
    "read_parquet",
    "scan_csv",
    "scan_parquet",
    "snake_case",
]
