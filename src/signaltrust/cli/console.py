"""Conventions every command follows: ``--json`` output, Rich progress, exit codes 0/1/2.

Exit codes: 0 ok, 1 bad data or input (a :class:`SignalTrustError`), 2 usage (Typer/Click).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from signaltrust.core.errors import SignalTrustError
from signaltrust.core.serialize import to_plain

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

JSON_OPTION = typer.Option(False, "--json", help="Print the result as JSON for programs.")


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for any result: ``signaltrust.core.serialize.to_plain``."""
    return to_plain(value)


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON on stdout (``to_plain`` first), without Rich markup or wrapping."""
    typer.echo(json.dumps(to_plain(payload), indent=2, allow_nan=False))


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
