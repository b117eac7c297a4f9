"""Data-quality report: the issues found, each with a check name, a severity and a message."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from signaltrust.core.serialize import to_plain

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

#: Every check: its severity, what it means and what to do (docs/quality.md follows this table).
CHECKS: dict[str, tuple[Severity, str, str]] = {
    "unparsable": (
        ERROR,
        "a cell or date the importer could not read (text in a number column, a bad date)",
        "correct the cell in the source, or leave it empty ('', 'NA' or '.') if there is no value",
    ),
    "duplicate_timestamp": (
        ERROR,
        "two or more rows share one timestamp",
        "keep the right row and delete the others; find out why the source repeated it",
    ),
    "out_of_order": (
        ERROR,
        "a timestamp earlier than the row before it",
        "sort the rows by timestamp (after checking nothing else is wrong with them)",
    ),
    "non_finite_value": (
        ERROR,
        "an infinite price or volume (inf in the file, or an overflowing number)",
        "correct the value from another source; leave the cell empty if there is none",
    ),
    "non_positive_price": (
        ERROR,
        "a price of zero or below",
        "correct the price from another source, or drop the row",
    ),
    "ohlc_inconsistent": (
        ERROR,
        "high below open, close or low, or low above open or close",
        "correct the bar from another source; a swapped high and low is a common cause",
    ),
    "negative_volume": (
        ERROR,
        "a traded volume below zero",
        "correct the volume from another source",
    ),
    "repeated_bar": (
        ERROR,
        "a row that copies the previous row exactly, at an irregular timestamp",
        "drop the copied row: it is not a new observation",
    ),
    "calendar_gap": (
        WARNING,
        "bars the trading calendar expects that are absent or empty",
        "fill the gap from the source, or accept it knowing that returns span it",
    ),
    "off_grid_timestamp": (
        WARNING,
        "a timestamp off the series' own grid (a mid-month date among month starts)",
        "relabel the row to its period or drop it; an empty one can simply be dropped",
    ),
    "missing_value": (
        WARNING,
        "an empty price or value (a blank or '.' in the file)",
        "fill it from the source, or treat it as missing downstream; never forward-fill silently",
    ),
    "missing_volume": (
        WARNING,
        "an empty volume, or no volume column, where volume is expected",
        "fill it from the source, or check with expects_volume=False (--no-volume)",
    ),
    "outlier_return": (
        WARNING,
        "a move far outside the series' robust spread (median/MAD over the whole series)",
        "compare it with another source: a real crash or a bad tick look alike here",
    ),
    "stale_bars": (
        WARNING,
        "a run of identical consecutive bars or values",
        "check whether the feed froze; compare with another source",
    ),
}


def iso(ts: Any) -> str | None:
    """ISO 8601 text of a timestamp, or None."""
    if ts is None or ts is pd.NaT:
        return None
    return pd.Timestamp(ts).isoformat()


def short(ts: Any) -> str:
    """A timestamp for messages: the date alone at midnight, else date and minutes."""
    stamp = pd.Timestamp(ts)
    return (
        stamp.strftime("%Y-%m-%d")
        if stamp == stamp.normalize()
        else stamp.strftime("%Y-%m-%d %H:%M")
    )


@dataclass(frozen=True)
class QualityIssue:
    """One finding: which check, how bad, where (timestamp, row, column), the value and why."""

    check: str
    severity: Severity
    message: str
    timestamp: str | None = None
    row: int | None = None
    column: str | None = None
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``)."""
        return to_plain(self)

    def __plain__(self) -> dict[str, Any]:
        """The finding, its place and value, in the order a reader scans them."""
        return {k: getattr(self, k)
                for k in ("check", "severity", "timestamp", "row", "column", "value", "message")}


def issue(
    check: str,
    message: str,
    *,
    timestamp: Any = None,
    row: int | None = None,
    column: str | None = None,
    value: Any = None,
) -> QualityIssue:
    """Build an issue of ``check`` with that check's severity."""
    return QualityIssue(
        check=check,
        severity=CHECKS[check][0],
        message=message,
        timestamp=iso(timestamp),
        row=None if row is None else int(row),
        column=column,
        value=to_plain(value, default=str),
    )


@dataclass
class QualityReport:
    """The result of a data-quality check: the issues, and what was checked.

    ``ok`` is True when no issue is an error; warnings describe data that is usable with care.
    """

    issues: list[QualityIssue] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[QualityIssue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[QualityIssue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def by_check(self, check: str) -> list[QualityIssue]:
        """The issues of one check, e.g. ``report.by_check("repeated_bar")``."""
        if check not in CHECKS:
            from signaltrust.core.errors import ValidationError

            raise ValidationError(
                "unknown quality check",
                field="check",
                value=check,
                fix=f"use one of {sorted(CHECKS)}",
            )
        return [i for i in self.issues if i.check == check]

    def summary(self) -> dict[str, int]:
        """Number of issues per check, errors first."""
        counts = Counter(i.check for i in self.issues)
        order = sorted(counts, key=lambda c: (CHECKS[c][0] != ERROR, list(CHECKS).index(c)))
        return {c: counts[c] for c in order}

    def to_frame(self) -> pd.DataFrame:
        """The issues as a DataFrame: check, severity, timestamp, row, column, value, message."""
        columns = ["check", "severity", "timestamp", "row", "column", "value", "message"]
        frame = pd.DataFrame([i.to_dict() for i in self.issues], columns=columns)
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data (``core.serialize.to_plain``)."""
        return to_plain(self)

    def __plain__(self) -> dict[str, Any]:
        """Verdict, counts, summary by check, the context and every issue."""
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "summary": self.summary(),
            "context": self.context,
            "issues": self.issues,
        }

    def extend(self, issues: list[QualityIssue]) -> None:
        self.issues.extend(issues)

    def __repr__(self) -> str:
        return (
            f"QualityReport(ok={self.ok}, errors={len(self.errors)}, "
            f"warnings={len(self.warnings)}, summary={self.summary()})"
        )
