"""Conventions every command follows: ``--json`` output, Rich progress, exit codes 0/1/2.

Exit codes: 0 ok, 1 bad data or input (a :class:`SignalTrustError`) or an environment fault (a
file that cannot be written, a full disk, too little memory), 2 usage (Typer/Click). Each ends
in one message naming the path or field, the cause and the fix, never in a traceback.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from signaltrust.core.config import mask_secrets
from signaltrust.core.errors import SignalTrustError, ValidationError
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


_OS_FIXES = {
    errno.ENOENT: ("no such file or folder", "check the path; a file's folder must exist"),
    errno.EACCES: ("permission denied", "choose a path you may read or write, or change the "
                   "permissions"),
    errno.EPERM: ("operation not permitted", "choose a path you may read or write"),
    errno.EISDIR: ("it is a folder", "give a file name, not a folder"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "check the path"),
    errno.ENOSPC: ("the disk is full", "free some space, or write somewhere else"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space, or write somewhere else"),
    errno.EROFS: ("the file system is read-only", "write somewhere else"),
    errno.ENAMETOOLONG: ("the file name is too long", "choose a shorter name"),
}


def os_fault(exc: OSError) -> ValidationError:
    """An operating-system error as a one-line error naming the path, the cause and the fix."""
    cause, fix = _OS_FIXES.get(exc.errno or -1, (exc.strerror or str(exc), "check the path"))
    path = exc.filename if exc.filename is not None else ""
    where = f" {path}" if path else ""
    return ValidationError(f"cannot use{where}: {cause}", field="path",
                           value=str(path) if path else None, fix=fix)


def check_writable(path: Path | None, option: str) -> Path | None:
    """Refuse an output path that cannot be written, before any work is done."""
    if path is None:
        return None
    target = Path(path).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    problem = None
    if target.is_dir():
        problem = ("it is a folder", f"give a file name inside it, e.g. {target / 'report.html'}")
    elif not folder.is_dir():
        problem = (f"the folder {folder} does not exist", "create the folder or choose another")
    elif not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        problem = ("permission denied", "choose a path you may write to")
    else:
        try:  # what access() cannot tell (root on a read-only or virtual file system)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".signaltrust-probe-"):
                pass
        except OSError as exc:
            problem = (f"files cannot be created in {folder} ({exc.strerror or exc})",
                       "choose a path you may write to")
    if problem is not None:
        raise ValidationError(f"cannot write {option} {target}: {problem[0]}", field=option,
                              value=str(target), fix=problem[1])
    return target


def report_error(exc: SignalTrustError, as_json: bool) -> None:
    """Print an error as one line on stderr (or as JSON on stdout with --json); secrets masked."""
    if as_json:
        payload = exc.to_dict()
        print_json({k: mask_secrets(v) if isinstance(v, str) else v for k, v in payload.items()})
    else:
        err_console.print(f"[bold red]error:[/] {escape(mask_secrets(exc))}", highlight=False,
                          soft_wrap=True)


def handles_errors(func: F) -> F:
    """Turn a SignalTrustError, an OSError or a MemoryError into one clear message and exit 1
    (JSON when --json is given); usage errors stay Click's (exit 2)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except SignalTrustError as exc:
            report_error(exc, as_json)
            raise typer.Exit(code=exc.exit_code) from None
        except OSError as exc:
            report_error(os_fault(exc), as_json)
            raise typer.Exit(code=1) from None
        except MemoryError:
            report_error(ValidationError(
                "not enough memory for this command", field="memory",
                fix="use less data or a smaller grid (sweeps estimate their memory first)",
            ), as_json)
            raise typer.Exit(code=1) from None

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
