"""Bundled real datasets, importers, the bar store, quality checks and resampling.

>>> from signaltrust.data import load
>>> load("sp500").loc["2018-12-31", "close"]  # doctest: +SKIP
"""

from signaltrust.data.catalog import DatasetSpec, dataset_info, list_datasets, load
from signaltrust.data.importers import (
    FORMATS,
    ImportOptions,
    ImportResult,
    read_csv,
    read_parquet,
    scan_csv,
    scan_parquet,
)
from signaltrust.data.quality import (
    CHECKS,
    QualityIssue,
    QualityReport,
    check_bars,
    check_dataset,
    check_file,
    check_frame,
    check_series,
)
from signaltrust.data.resample import resample
from signaltrust.data.sources import DataSource, open_bars, open_data
from signaltrust.data.store import BarStore, ParquetLake, PostgresBarStore, WriteResult, open_store

__all__ = [
    "FORMATS",
    "DataSource",
    "ImportOptions",
    "open_bars",
    "open_data",
    "BarStore",
    "ParquetLake",
    "PostgresBarStore",
    "WriteResult",
    "open_store",
    "resample",
    "CHECKS",
    "QualityIssue",
    "QualityReport",
    "check_bars",
    "check_dataset",
    "check_file",
    "check_frame",
    "check_series",
    "DatasetSpec",
    "ImportResult",
    "dataset_info",
    "list_datasets",
    "load",
    "read_csv",
    "read_parquet",
    "scan_csv",
    "scan_parquet",
]
