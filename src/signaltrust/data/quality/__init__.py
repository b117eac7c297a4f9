"""Data-quality checks that report and never fix: timestamps, calendar gaps, prices, volume, moves.

>>> from signaltrust.data.quality import check_dataset
>>> report = check_dataset("stocks")
>>> report.ok, report.summary()  # doctest: +SKIP
(False, {'repeated_bar': 1, 'off_grid_timestamp': 134, ...})
"""

from signaltrust.data.quality.checks import (
    check_bars,
    check_dataset,
    check_frame,
    check_series,
)
from signaltrust.data.quality.files import check_file
from signaltrust.data.quality.report import CHECKS, QualityIssue, QualityReport

__all__ = [
    "CHECKS",
    "QualityIssue",
    "QualityReport",
    "check_bars",
    "check_dataset",
    "check_file",
    "check_frame",
    "check_series",
]
