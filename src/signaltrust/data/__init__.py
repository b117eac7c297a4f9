"""Bundled real datasets, importers, the bar store, quality checks and resampling.

>>> from signaltrust.data import load
>>> load("sp500").loc["2018-12-31", "close"]  # doctest: +SKIP
"""

from signaltrust.data.catalog import DatasetSpec, dataset_info, list_datasets, load
from signaltrust.data.importers import ImportResult, read_csv, read_parquet, scan_csv, scan_parquet

__all__ = [
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
