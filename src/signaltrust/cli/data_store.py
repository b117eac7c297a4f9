"""``signaltrust data ingest | stored | delete``: the bar store from the command line."""

from __future__ import annotations

from enum import StrEnum
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
from signaltrust.core.config import load_settings
from signaltrust.core.errors import BarConflictError, BarRuleError, ValidationError
from signaltrust.core.timeframe import Timeframe

_PARQUET_SUFFIXES = (".parquet", ".pq")
_RULE_ROWS = 20


class ConflictPolicy(StrEnum):
    RAISE = "raise"
    KEEP = "keep"
    OVERWRITE = "overwrite"


def _open_store():
    from signaltrust.data.store import open_store

    return open_store(load_settings())


def _read_source(
    source: str, options: Any, venue: str | None, timeframe: str | None
) -> tuple[pd.DataFrame, dict[str, Any], Any]:
    """Bars from a file (CSV or Parquet) or a bundled bar dataset, the defaults it implies, and
    the file line of each bar (None for a bundled dataset)."""
    path = Path(source).expanduser()
    if path.exists():
        from signaltrust.data.importers import scan_csv, scan_parquet
        from signaltrust.data.venues import venue_timezone

        if timeframe is not None:
            options = options.make(options, timeframe=str(Timeframe.parse(timeframe)))
        if venue is not None:
            options = options.for_venue(venue_timezone(venue), f"the time zone of venue {venue}")
        reader = scan_parquet if path.suffix.lower() in _PARQUET_SUFFIXES else scan_csv
        result = reader(path, options)
        result.raise_first()
        for note in result.notes:
            err_console.print(f"[dim]note: {escape(note)}[/]", highlight=False, soft_wrap=True)
        stem = path.name.split(".")[0]
        defaults = {"symbol": stem.upper(), "venue": "SIM", "timeframe": None,
                    "source": str(path), "notes": list(result.notes)}
        return result.frame, defaults, result.lines
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
        "notes": [],
    }
    return load(spec.name), defaults, None


def _allowed(allow: list[str] | None) -> list[str]:
    from signaltrust.data.quality.rules import RULES

    names = [n.strip() for item in allow or [] for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise typer.BadParameter(
            f"unknown rule {unknown[0]!r}; the rules are {', '.join(RULES)}", param_hint="'--allow'"
        )
    return names


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
@import_options
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
        None, "--venue", help="Venue of the instrument, e.g. XNYS (default: the dataset's, or "
        "SIM); naive intraday times take its time zone."
    ),
    on_conflict: ConflictPolicy = typer.Option(  # noqa: B008
        ConflictPolicy.RAISE,
        "--on-conflict",
        help="When a stored bar differs: raise (write nothing, exit 1), keep (stored wins), "
        "overwrite.",
    ),
    allow: list[str] | None = typer.Option(  # noqa: B008
        None, "--allow", help="Store bars breaking this hard rule, flagged (repeatable): "
        "non_positive_price, ohlc_inconsistent, negative_volume, non_finite, off_grid.",
    ),
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Ingest bars into the store; the same bars again change nothing, conflicts are reported.

    Bars breaking a hard rule (a price of zero or below, high below low, open or close outside
    the range, negative volume, an infinite value, a timestamp off the timeframe's grid) are
    refused with their rows, and nothing is written, unless --allow names the rule. Conflicting
    bars stop the ingest (exit 1) unless --on-conflict says keep or overwrite.

    Example: signaltrust data ingest sp500
    """
    policy = ConflictPolicy(on_conflict).value
    allowed = _allowed(allow)
    if timeframe is not None:
        timeframe = str(Timeframe.parse(timeframe))
    with progress(f"ingesting {source}", total=2, quiet=as_json) as advance:
        bars, defaults, lines = _read_source(source, import_options, venue, timeframe)
        advance()
        tf = timeframe or defaults["timeframe"] or _infer(bars)
        target = {
            "symbol": symbol or defaults["symbol"],
            "venue": venue or defaults["venue"],
            "timeframe": str(Timeframe.parse(tf)),
        }
        store = _open_store()
        try:
            result = store.write(bars, on_conflict=policy, allow=allowed, rows=lines,
                                 **target)  # type: ignore[arg-type]
        except BarConflictError as exc:
            _report_conflicts(exc, target, defaults["source"], as_json)
            raise typer.Exit(code=1) from None
        except BarRuleError as exc:
            _report_rules(exc, target, defaults["source"], lines is not None, as_json)
            raise typer.Exit(code=1) from None
        finally:
            store.close()
        advance()
    payload = {"source": defaults["source"], "bars": len(bars), "notes": defaults["notes"],
               **result.to_dict()}
    if as_json:
        print_json(payload)
        return
    console.print(
        f"{target['symbol']}.{target['venue']} {target['timeframe']} from {defaults['source']}: "
        f"{result.inserted} inserted, {result.unchanged} unchanged, {result.conflicts} conflicts"
        + (f" ({result.overwritten} overwritten)" if result.overwritten else "")
        + (
            f" ({result.conflicts} kept as stored)" if result.conflicts and policy == "keep" else ""
        )
        + (f", {result.flagged} flagged ({', '.join(allowed)})" if result.flagged else ""),
        highlight=False,
    )
    if result.dropped_columns:
        console.print(
            f"not stored (the store keeps OHLCV): {', '.join(result.dropped_columns)}",
            highlight=False,
        )


def _infer(bars: pd.DataFrame) -> str:
    try:
        return str(Timeframe.infer(bars.index))
    except ValidationError as exc:
        raise ValidationError(
            exc.message, field="timeframe", value=exc.value,
            fix="give the bar length with --timeframe, e.g. --timeframe 1d",
        ) from None


def _report_rules(
    exc: BarRuleError, target: dict, source: str, from_file: bool, as_json: bool
) -> None:
    frame = exc.violations
    if as_json:
        print_json({**exc.to_dict(), "source": source, **target,
                    "violations": frame.to_dict(orient="records")})
        return
    rules = sorted(frame["rule"].unique())
    bars = frame["row"].dropna().nunique() or len(frame)
    err_console.print(
        f"[bold red]error:[/] {bars} bar(s) of {escape(source)} break hard rules "
        f"({', '.join(rules)}); nothing was written", highlight=False, soft_wrap=True,
    )
    rows = [
        ["" if r.row is None or r.row != r.row else int(r.row), _when(r.timestamp), r.rule,
         r.column or "", r.message]
        for r in frame.head(_RULE_ROWS).itertuples()
    ]
    listing = table(f"{target['symbol']}.{target['venue']} {target['timeframe']}",
                    ["line" if from_file else "row", "timestamp", "rule", "column", "what"], rows)
    for column in listing.columns:
        column.no_wrap = column.header != "what"
    err_console.print(listing)
    if len(frame) > _RULE_ROWS:
        err_console.print(f"... and {len(frame) - _RULE_ROWS} more (use --json for all)")
    err_console.print(
        f"fix: correct those rows in {escape(source)}; to store them anyway, flagged: "
        + " ".join(f"--allow {r}" for r in rules), highlight=False, soft_wrap=True,
    )


def _when(stamp: Any) -> str:
    if stamp is None or stamp != stamp:
        return ""
    ts = pd.Timestamp(stamp)
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")


_CONFLICT_FIX = ("check which source is right, then ingest again with --on-conflict keep (stored "
                 "values win) or --on-conflict overwrite (incoming values win)")


def _report_conflicts(exc: BarConflictError, target: dict, source: str, as_json: bool) -> None:
    frame = exc.conflicts
    if as_json:
        print_json(
            {
                **exc.to_dict(),
                "fix": _CONFLICT_FIX,
                "source": source,
                **target,
                "conflicts": len(frame),
                "conflict_timestamps": [ts.isoformat() for ts in frame.index],
                "conflict_rows": frame,
            }
        )
        return
    err_console.print(f"[bold red]error:[/] {escape(exc.message)}; fix: {_CONFLICT_FIX}",
                      highlight=False, soft_wrap=True)
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

    A file of the store that cannot be read is reported (exit 1); the others are listed.

    Example: signaltrust data stored --json
    """
    store = _open_store()
    try:
        listing = store.list()
        damaged = store.damaged()
    finally:
        store.close()
    if as_json:
        print_json(listing.to_dict(orient="records"))
    elif listing.empty and not damaged:
        console.print("The store is empty. Example: signaltrust data ingest sp500")
    elif not listing.empty:
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
    for path, why in damaged:  # on stderr, also with --json: stdout keeps the listing
        err_console.print(
            f"[bold red]error:[/] damaged store file {escape(path)}: {escape(why)}; "
            "fix: restore it from a backup, or delete it and ingest the series again",
            highlight=False, soft_wrap=True,
        )
    if damaged:
        raise typer.Exit(code=1)


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
    store = _open_store()
    try:
        deleted = store.delete(symbol, timeframe, venue=venue, start=start, end=end)
    finally:
        store.close()
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
