"""``signaltrust data list`` and ``signaltrust data show NAME``: the bundled real datasets."""

from __future__ import annotations

from typing import Any

import pandas as pd
import typer

from signaltrust.cli.console import (
    JSON_OPTION,
    console,
    handles_errors,
    print_json,
    progress,
    table,
)
from signaltrust.data.catalog import dataset_info, get_spec, list_datasets, load

_PREVIEW_ROWS = 3
_WIDE = 110


def _day(stamp: str | None) -> str:
    """The date of an ISO timestamp (the listing shows days; ``show`` gives full timestamps)."""
    return "" if stamp is None else pd.Timestamp(stamp).strftime("%Y-%m-%d")


def _summary(info: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "kind", "timeframe", "frequency", "start", "end", "bars", "columns", "source")
    return {key: info[key] for key in keys}


def list_command(as_json: bool = JSON_OPTION) -> None:
    """List the bundled real datasets: kind, timeframe, range, bar count, columns and source.

    Example: signaltrust data list --json
    """
    specs = list_datasets()
    infos = []
    with progress("reading bundled datasets", total=len(specs), quiet=as_json) as advance:
        for spec in specs:
            infos.append(dataset_info(spec.name))
            advance()
    if as_json:
        print_json([_summary(info) for info in infos])
        return
    header = ["name", "kind", "timeframe", "start", "end", "bars", "columns", "source"]
    rows = [
        [
            info["name"],
            info["kind"],
            info["timeframe"],
            _day(info["start"]),
            _day(info["end"]),
            info["bars"],
            _columns(info["columns"]),
            info["source"].split(";")[0].split(" (")[0],
        ]
        for info in infos
    ]
    if console.width < _WIDE:  # narrow terminal: kind and source are in `data show` and --json
        keep = [i for i, column in enumerate(header) if column not in ("kind", "source")]
        header = [header[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
    listing = table("Bundled datasets (signaltrust data show NAME for details)", header, rows)
    for column in listing.columns:  # identifiers and dates must stay readable
        column.no_wrap = column.header != "columns"
    console.print(listing)


def show_command(
    name: str = typer.Argument(..., help="Dataset name, e.g. sp500 (see `signaltrust data list`)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show one bundled dataset: range, bar count, frequency, columns, source and first/last rows.

    Example: signaltrust data show sp500 --json
    """
    info = dataset_info(name)
    if as_json:
        print_json(info)
        return
    inst = get_spec(name).instrument
    facts = [
        ["kind", info["kind"]],
        ["range", f"{info['start']} .. {info['end']}"],
        ["bars", info["bars"]],
        ["frequency", f"{info['frequency']} ({info['timeframe']}), calendar {info['calendar']}"],
        ["columns", ", ".join(info["columns"])],
        ["missing values", info["missing_values"]],
        [
            "instrument",
            f"{inst.symbol} ({inst.asset_class.value}, {inst.currency})",
        ],
        ["file", info["file"]],
        ["source", info["source"]],
        ["description", info["description"]],
    ]
    console.print(table(f"Dataset {info['name']}", ["field", "value"], facts))
    frame = load(name)
    edges = pd.concat([frame.head(_PREVIEW_ROWS), frame.tail(_PREVIEW_ROWS)])
    rows = [
        [str(stamp), *[_cell(v) for v in values]]
        for stamp, values in zip(edges.index, edges.to_numpy(), strict=True)
    ]
    console.print(table("First and last rows", ["timestamp", *map(str, frame.columns)], rows))


def _columns(names: list[str], shown: int = 3) -> str:
    """A short column list for the table: the first few names and how many there are."""
    if len(names) <= shown + 1:
        return " ".join(names)
    return f"{' '.join(names[:shown])} … ({len(names)})"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "NaN" if value != value else f"{value:.6g}"
    return str(value)


def register(app: typer.Typer) -> None:
    """Add ``list`` and ``show`` to the ``data`` sub-app."""
    app.command("list")(handles_errors(list_command))
    app.command("show")(handles_errors(show_command))
