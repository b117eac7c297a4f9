"""The file import options every command with ``--data`` (or a file argument) shares.

``@import_options`` adds ``--tz``, ``--sep``, ``--decimal``, ``--date-column``,
``--date-format``, ``--dayfirst/--monthfirst``, ``--encoding``, ``--columns`` and ``--format``
to a command and hands it one :class:`~signaltrust.data.importers.ImportOptions` as
``import_options``. :func:`open_source`, :func:`bars_for` and :func:`prices_for` turn ``--data``
values (a bundled name, a stored series ``SYMBOL[.VENUE][@TIMEFRAME]`` or a CSV/Parquet file)
into the frames a command needs, printing on stderr what was decided while reading a file.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.markup import escape

from signaltrust.cli.console import err_console
from signaltrust.core.errors import ValidationError

if TYPE_CHECKING:  # pandas loads only when data is opened: --help stays light
    import pandas as pd

F = TypeVar("F", bound=Callable[..., Any])
PANEL = "File import options"
_SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|",
                    "space": " "}
_FORMAT_NAMES = "yahoo, binance-klines, alpaca, mt4, ib"


def _option(default: Any, *names: str, help: str) -> Any:
    return typer.Option(default, *names, help=help, rich_help_panel=PANEL)


_PARAMETERS = (
    ("tz", str | None, _option(
        None, "--tz", help="Time zone of naive timestamps, e.g. America/New_York or UTC "
        "(default: the venue's; dates alone need none).")),
    ("sep", str | None, _option(
        None, "--sep", help="Column separator: , ; tab | (default: read from the header).")),
    ("decimal", str, _option(".", "--decimal", help="Decimal mark of numbers: . or ,")),
    ("date_column", str | None, _option(
        None, "--date-column", help="The column holding the dates (default: Date, timestamp...")),
    ("date_format", str | None, _option(
        None, "--date-format", help="strftime pattern such as '%d/%m/%Y %H:%M', ISO8601, or "
        "epoch_s, epoch_ms, epoch_us, epoch_ns.")),
    ("dayfirst", bool | None, _option(
        None, "--dayfirst/--monthfirst", help="Order of dates like 01/02/2019 (refused when "
        "the file does not tell and neither flag is given).")),
    ("encoding", str, _option("utf-8", "--encoding", help="Text encoding, e.g. latin-1.")),
    ("columns", list[str] | None, _option(
        None, "--columns", help="Bar name = file column: open=Open,close='Adj Close' "
        "(repeatable).")),
    ("file_format", str | None, _option(
        None, "--format", help=f"Preset for a common export: {_FORMAT_NAMES}.")),
)
IMPORT_OPTION_NAMES = tuple(name for name, _, _ in _PARAMETERS)


def build_import_options(**values: Any) -> Any:
    """ImportOptions from the CLI values (hints name the CLI flags); a bad value exits 2."""
    from signaltrust.data.importers import ImportOptions, parse_columns

    sep = values.get("sep")
    if sep is not None:
        sep = _SEPARATOR_NAMES.get(sep.lower(), sep)
    try:
        columns = parse_columns(values["columns"]) if values.get("columns") else None
        return ImportOptions.make(
            tz=values.get("tz"), sep=sep, decimal=values.get("decimal") or ".",
            date_column=values.get("date_column"), date_format=values.get("date_format"),
            dayfirst=values.get("dayfirst"), encoding=values.get("encoding") or "utf-8",
            columns=columns, format=values.get("file_format"), hints="cli",
        )
    except ValidationError as exc:
        flag = {"format": "--format", "date_format": "--date-format"}.get(
            exc.field or "", f"--{(exc.field or 'value').replace('_', '-')}")
        raise typer.BadParameter(f"{exc.message} ({exc.value!r}); {exc.fix}",
                                 param_hint=f"'{flag}'") from None


def import_options(func: F) -> F:
    """Add the file import options to a command; it receives them as ``import_options``."""
    signature = inspect.signature(func)
    kept = [p for p in signature.parameters.values() if p.name != "import_options"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                          annotation=annotation)
        for name, annotation, default in _PARAMETERS
    ]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name, None) for name in IMPORT_OPTION_NAMES}
        kwargs["import_options"] = build_import_options(**values)
        return func(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=kept + added)  # type: ignore[attr-defined]
    annotations = {k: v for k, v in getattr(func, "__annotations__", {}).items()
                   if k != "import_options"}
    annotations.update({name: annotation for name, annotation, _ in _PARAMETERS})
    wrapper.__annotations__ = annotations
    return wrapper  # type: ignore[return-value]


def _may_be_stored(spec: str) -> bool:
    """Whether ``spec`` could name a stored series: not bundled, not an existing file."""
    from signaltrust.data.catalog import list_datasets
    from signaltrust.data.sources import FILE_SUFFIXES

    if spec.strip() in {s.name for s in list_datasets()}:
        return False
    path = Path(spec).expanduser()
    if path.exists():
        return False
    return path.suffix.lower() not in FILE_SUFFIXES


def open_source(spec: str, options: Any = None, *, store: Any = None) -> Any:
    """The DataSource named by a ``--data`` value; the store is opened only when needed."""
    from signaltrust.data.sources import open_data

    opened = None
    if store is None and _may_be_stored(spec):
        from signaltrust.core.config import load_settings
        from signaltrust.data.store import open_store

        store = opened = open_store(load_settings())
    try:
        source = open_data(spec, options=options, store=store)
    finally:
        if opened is not None:
            opened.close()
    for note in source.notes:
        err_console.print(f"[dim]note ({escape(source.name)}): {escape(note)}[/]",
                          highlight=False, soft_wrap=True)
    return source


def bars_for(data: list[str] | str, options: Any = None) -> pd.DataFrame | dict[str, Any]:
    """Bars for ``--data``: one frame (named after its source), or a dict for several."""
    from signaltrust.data.sources import open_bars

    specs = [data] if isinstance(data, str) else list(data)
    frames: dict[str, pd.DataFrame] = {}
    for spec in specs:
        source = open_source(spec, options)
        if source.kind != "bars":
            open_bars(spec, options=options)  # raises the error naming what the data holds
        name = source.name if source.name not in frames else spec
        frames[name] = source.frame
    if len(frames) == 1:
        return next(iter(frames.values()))
    return frames


def prices_for(data: str, options: Any = None) -> tuple[pd.DataFrame, str, str]:
    """Prices for ``--data``: OHLCV bars as one instrument (its close), a wide file as a panel.

    Returns the frame (one column per instrument), what was seen, and the source's name.
    """
    source = open_source(data, options)
    if source.kind == "bars":
        frame = source.frame[["close"]].rename(columns={"close": source.name})
        seen = f"{source.description}: one instrument, its close prices"
    else:
        frame = source.frame.select_dtypes("number")
        seen = f"{source.description}: a panel of {frame.shape[1]} instrument(s), " \
            f"{', '.join(map(str, frame.columns[:8]))}"
    frame.attrs["dataset"] = source.name
    return frame, seen, source.name


def close_series(spec: str, options: Any = None) -> pd.Series:
    """The close prices named by ``spec`` (a benchmark), named after the source."""
    source = open_source(spec, options)
    if source.kind == "bars":
        return source.frame["close"].rename(source.name)
    if source.frame.shape[1] != 1:
        raise ValidationError(
            f"{source.description} holds {source.frame.shape[1]} price columns", field="benchmark",
            value=spec, fix="give bars or a file with one price column as the benchmark",
        )
    return source.frame.iloc[:, 0].rename(source.name)
