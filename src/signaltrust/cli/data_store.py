"""``signaltrust data ingest | stored | delete``: the bar store from the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from signaltrust.cli.console import (
    JSON_OPTION,
    console,
    err_console,
    handles_errors,
    print_json,
    progress,
    table,
)
from signaltrust.core.config import load_settings
from signaltrust.core.errors import BarConflictError, ValidationError
from signaltrust.core.timeframe import Timeframe

_PARQUET_SUFFIXES = (".parquet", ".pq")


class ConflictPolicy(StrEnum):
    RAISE = "raise"
    KEEP = "keep"
    OVERWRITE = "overwrite"


def _open_store():
    from signaltrust.data.store import open_store

    return open_store(load_settings())


def _read_source(source: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Bars from a file (CSV or Parquet) or a bundled bar dataset, and the defaults it implies."""
    path = Path(source).expanduser()
    if path.is_file():
        from signaltrust.data.importers import read_csv, read_parquet

        reader = read_parquet if path.suffix.lower() in _PARQUET_SUFFIXES else read_csv
        frame = reader(path)
        stem = path.name.split(".")[0]
        return frame, {
            "symbol": stem.upper(),
            "venue": "SIM",
            "timeframe": None,
            "source": str(path),
        }
    from signaltrust.data.catalog import get_spec, load

    spec = get_spec(source)  # DatasetNotFoundError names the bundled datasets
    if spec.kind != "bars":
        raise ValidationError(
            f"bundled dataset {spec.name} is a {spec.kind}, not bars; the store keeps OHLCV bars",
            field="source",
            value=source,
            fix="ingest a bar dataset (sp500, goog, eurusd, btcusd) or a CSV/Parquet file of bars",
        )
    defaults = {
        "symbol": spec.instrument.symbol,
        "venue": spec.instrument.venue,
        "timeframe": str(spec.timeframe),
        "source": spec.name,
    }
    return load(spec.name), defaults


def _conflict_rows(frame: pd.DataFrame, limit: int = 20) -> list[list[Any]]:
    rows = []
    for ts, row in frame.head(limit).iterrows():
        changed = [
            c
            for c in ("open", "high", "low", "close", "volume")
            if not (pd.isna(row[f"stored_{c}"]) and pd.isna(row[f"incoming_{c}"]))
            and row[f"stored_{c}"] != row[f"incoming_{c}"]
        ]
        rows.append(
            [
                ts.isoformat(),
                ", ".join(
                    f"{c} {row[f'stored_{c}']:g} -> {row[f'incoming_{c}']:g}" for c in changed
                ),
            ]
        )
    return rows


@handles_errors
def ingest_command(
    source: str = typer.Argument(
        ..., help="A bundled bar dataset (sp500, goog, eurusd, btcusd) or a CSV/Parquet file."
    ),
    symbol: str | None = typer.Option(
        None, "--symbol", help="Store under this symbol (default: the dataset's, or the file name)."
    ),
    timeframe: str | None = typer.Option(
        None, "--timeframe", help="Bar length, e.g. 1d, 1h (default: the dataset's, or inferred)."
    ),
    venue: str | None = typer.Option(
        None, "--venue", help="Venue of the instrument (default: the dataset's, or SIM)."
    ),
    on_conflict: ConflictPolicy = typer.Option(  # noqa: B008
        ConflictPolicy.RAISE,
        "--on-conflict",
        help="When a stored bar differs: raise (write nothing, exit 1), keep (stored wins), "
        "overwrite.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Ingest bars into the store; the same bars again change nothing, conflicts are reported.

    Conflicting bars stop the ingest (exit 1) unless --on-conflict says keep or overwrite.

    Example: signaltrust data ingest sp500
    """
    policy = ConflictPolicy(on_conflict).value
    with progress(f"ingesting {source}", total=2, quiet=as_json) as advance:
        bars, defaults = _read_source(source)
        advance()
        tf = timeframe or defaults["timeframe"] or str(Timeframe.infer(bars.index))
        target = {
            "symbol": symbol or defaults["symbol"],
            "venue": venue or defaults["venue"],
            "timeframe": str(Timeframe.parse(tf)),
        }
        store = _open_store()
        try:
            result = store.write(bars, on_conflict=policy, **target)  # type: ignore[arg-type]
        except BarConflictError as exc:
            _report_conflicts(exc, target, defaults["source"], as_json)
            raise typer.Exit(code=1) from None
        advance()
    payload = {"source": defaults["source"], "bars": len(bars), **result.to_dict()}
    if as_json:
        print_json(payload)
        return
    console.print(
        f"{target['symbol']}.{target['venue']} {target['timeframe']} from {defaults['source']}: "
        f"{result.inserted} inserted, {result.unchanged} unchanged, {result.conflicts} conflicts"
        + (f" ({result.overwritten} overwritten)" if result.overwritten else "")
        + (
            f" ({result.conflicts} kept as stored)" if result.conflicts and policy == "keep" else ""
        ),
        highlight=False,
    )
    if result.dropped_columns:
        console.print(
            f"not stored (the store keeps OHLCV): {', '.join(result.dropped_columns)}",
            highlight=False,
        )


def _report_conflicts(exc: BarConflictError, target: dict, source: str, as_json: bool) -> None:
    frame = exc.conflicts
    if as_json:
        print_json(
            {
                **exc.to_dict(),
                "source": source,
                **target,
                "conflicts": len(frame),
                "conflict_timestamps": [ts.isoformat() for ts in frame.index],
                "conflict_rows": frame,
            }
        )
        return
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    listing = table(
        f"{len(frame)} conflicting bar(s): stored -> incoming (nothing was written)",
        ["timestamp", "differences"],
        _conflict_rows(frame),
    )
    err_console.print(listing)
    if len(frame) > 20:
        err_console.print(f"... and {len(frame) - 20} more (use --json for all)")


@handles_errors
def stored_command(as_json: bool = JSON_OPTION) -> None:
    """List the series in the bar store: symbol, venue, timeframe, first and last bar, bar count.

    Example: signaltrust data stored --json
    """
    listing = _open_store().list()
    if as_json:
        print_json(listing.to_dict(orient="records"))
        return
    if listing.empty:
        console.print("The store is empty. Example: signaltrust data ingest sp500")
        return
    rows = [
        [
            r.symbol,
            r.venue,
            r.timeframe,
            f"{r.start:%Y-%m-%d %H:%M}",
            f"{r.end:%Y-%m-%d %H:%M}",
            r.bars,
        ]
        for r in listing.itertuples()
    ]
    console.print(
        table("Bar store", ["symbol", "venue", "timeframe", "start", "end", "bars"], rows)
    )


@handles_errors
def delete_command(
    symbol: str = typer.Argument(
        ..., help="Stored symbol, e.g. ^GSPC (see `signaltrust data stored`)."
    ),
    timeframe: str = typer.Option(..., "--timeframe", help="Timeframe of the series, e.g. 1d."),
    venue: str | None = typer.Option(
        None, "--venue", help="Venue (needed when the symbol is stored at several)."
    ),
    start: str | None = typer.Option(
        None, "--start", help="Delete bars from this time on (inclusive, UTC)."
    ),
    end: str | None = typer.Option(
        None, "--end", help="Delete bars before this time (exclusive, UTC)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Delete a stored series, or the bars of it with start <= timestamp < end.

    Example: signaltrust data delete ^GSPC --timeframe 1d --start 2018-01-01
    """
    deleted = _open_store().delete(symbol, timeframe, venue=venue, start=start, end=end)
    payload = {
        "symbol": symbol,
        "venue": venue,
        "timeframe": str(Timeframe.parse(timeframe)),
        "start": start,
        "end": end,
        "deleted": deleted,
    }
    if as_json:
        print_json(payload)
        return
    console.print(f"deleted {deleted} bar(s) of {symbol} {payload['timeframe']}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `data` sub-app."""
    app.command("ingest")(ingest_command)
    app.command("stored")(stored_command)
    app.command("delete")(delete_command)
