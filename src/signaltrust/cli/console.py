"""Conventions every command follows: ``--json`` output, Rich progress, exit codes 0/1/2.

Exit codes: 0 ok, 1 bad data or input (a :class:`SignalTrustError`), 2 usage (Typer/Click).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from signaltrust.core.errors import SignalTrustError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

JSON_OPTION = typer.Option(False, "--json", help="Print the result as JSON for programs.")


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for numpy, pandas, paths and timestamps (NaN becomes null)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return to_jsonable(value.reset_index().to_dict(orient="records"))
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if isinstance(value, (pd.Timedelta, np.timedelta64)):
        return str(pd.Timedelta(value))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON on stdout, without Rich markup or wrapping."""
    typer.echo(json.dumps(to_jsonable(payload), indent=2))


def handles_errors(func: F) -> F:
    """Turn a SignalTrustError into a clear message and exit code 1 (JSON when --json is given)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SignalTrustError as exc:
            if kwargs.get("as_json"):
                print_json(exc.to_dict())
            else:
                err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress(description: str, total: float | None = None, *, quiet: bool = False) -> Iterator[Any]:
    """A Rich progress bar on stderr; yields ``advance(n=1)``. Silent when ``quiet`` (JSON mode)."""
    if quiet:
        yield lambda n=1: None
        return
    count = "{task.completed:.0f}" if total is None else "{task.completed:.0f}/{task.total:.0f}"
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn(count),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    """A Rich table with the given header and rows (values rendered with ``str``)."""
    out = Table(title=title, title_justify="left")
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*["" if v is None else str(v) for v in row])
    return out
