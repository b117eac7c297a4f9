"""``signaltrust data check NAME|FILE``: run the data-quality checks and report what they find."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.markup import escape

from signaltrust.cli.console import (
    JSON_OPTION,
    console,
    err_console,
    handles_errors,
    print_json,
    progress,
    table,
)
from signaltrust.cli.data_options import import_options
from signaltrust.core.errors import DatasetNotFoundError

_COLUMNS = ["check", "severity", "timestamp", "row", "column", "value", "message"]


def _bundled_names() -> set[str]:
    from signaltrust.data.catalog import list_datasets

    return {spec.name for spec in list_datasets()}


def _when(stamp: str | None) -> str:
    """A timestamp for the table: the date alone at midnight UTC, else date and time."""
    if stamp is None:
        return ""
    ts = pd.Timestamp(stamp)
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    if len(text) >= 20 and text[4:5] == "-" and "T" in text:  # an ISO timestamp
        return _when(text)
    return text if len(text) <= 24 else text[:23] + "…"


def _summary_line(target: str, report: Any) -> str:
    counts = ", ".join(f"{check} {count}" for check, count in report.summary().items())
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "[bold red]FAILED[/]" if errors else "[bold green]OK[/]"
    return (
        f"{verdict} {target}: {errors} error{'s' * (errors != 1)}, "
        f"{warnings} warning{'s' * (warnings != 1)}" + (f" ({counts})" if counts else "")
    )


def check_command(
    target: str = typer.Argument(
        ...,
        metavar="NAME|FILE",
        help="A bundled dataset name (see `signaltrust data list`) or a CSV or Parquet file.",
    ),
    timeframe: str | None = typer.Option(
        None,
        "--timeframe",
        help="Bar length: 1d, 1h, 1mo ... (default: the dataset's, or inferred).",
    ),
    calendar: str | None = typer.Option(
        None,
        "--calendar",
        help="Calendar: XNYS, 24/5, 24/7 ... (default: the dataset's, or guessed).",
    ),
    no_volume: bool = typer.Option(
        False, "--no-volume", help="The data has no volume: do not report missing volume."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="Most issues to list in the table."),
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Check a dataset or a file for data-quality problems; exit 1 when any error is found.

    Errors (exit 1): unparsable cells, duplicate or out-of-order timestamps, infinite values,
    prices of zero or below, OHLC inconsistency, negative volume, repeated rows; a file with no
    rows or with some but not all of open/high/low/close. Warnings (exit 0): calendar gaps,
    off-grid timestamps, missing values or volume, outlier returns, stale bars. Nothing is fixed.
    How a file is read is set by the file import options (--tz, --sep, --dayfirst ...).

    Example: signaltrust data check stocks
    """
    from signaltrust.core.config import load_settings
    from signaltrust.data.quality import check_dataset, check_file

    thresholds = load_settings().data  # the boundary reads the configured thresholds
    options: dict[str, Any] = {
        "timeframe": timeframe, "calendar": calendar, "outlier_sigma": thresholds.outlier_sigma,
        "stale_run": thresholds.stale_run, "max_gap_report": thresholds.max_gap_report,
    }
    with progress(f"checking {target}", total=1, quiet=as_json) as advance:
        if target.strip().lower() in _bundled_names():
            report = check_dataset(target, expects_volume=False if no_volume else None, **options)
        else:
            path = Path(target).expanduser()
            if not path.is_file():
                raise DatasetNotFoundError(
                    "no bundled dataset or file of that name",
                    field="NAME|FILE",
                    value=target,
                    fix="give a bundled name (signaltrust data list) or a CSV or Parquet file path",
                )
            report = check_file(path, expects_volume=not no_volume, options=import_options,
                                **options)
        advance(1)
    notes = report.context.get("notes")
    if notes:
        for note in str(notes).split("; "):
            err_console.print(f"[dim]note: {escape(note)}[/]", highlight=False, soft_wrap=True)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(target, report, limit)
    if not report.ok:
        raise typer.Exit(code=1)


def _print_report(target: str, report: Any, limit: int) -> None:
    from signaltrust.data.quality import CHECKS

    issues = report.issues
    if issues:
        rows = [
            [i.check, i.severity, _when(i.timestamp), i.row, i.column, _value(i.value), i.message]
            for i in issues[:limit]
        ]
        title = f"Data-quality issues in {target}"
        if len(issues) > limit:
            title += f" (first {limit} of {len(issues)}; --limit N or --json for more)"
        listing = table(title, _COLUMNS, rows)
        for column in listing.columns:
            column.no_wrap = column.header in ("check", "severity", "timestamp", "row")
            if column.header in ("column", "value"):
                column.max_width = 12
        console.print(listing)
        if len(issues) > limit:
            console.print(f"… {len(issues) - limit} more issues not shown")
    console.print(_summary_line(target, report), highlight=False)
    for check in report.summary():
        console.print(f"  {check}: {CHECKS[check][2]}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``check`` to the ``data`` sub-app."""
    app.command("check")(handles_errors(import_options(check_command)))
