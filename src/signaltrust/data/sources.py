"""One name for any data: a bundled dataset, a stored series or a file, opened the same way.

``open_data("goog")`` (bundled), ``open_data("^IXIC", store=store)`` or
``open_data("GOOG.XNAS@1d", store=store)`` (stored: ``SYMBOL[.VENUE][@TIMEFRAME]``) and
``open_data("nasdaq.csv", options=ImportOptions(tz="America/New_York"))`` (a CSV or Parquet
file) all give a :class:`DataSource`: the frame, whether it holds bars (OHLC of one instrument)
or prices (one column per instrument), and a description of what was opened. ``open_bars``
is the same for commands that need bars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from signaltrust.core.bars import PRICE_COLUMNS
from signaltrust.core.errors import BarRuleError, DatasetNotFoundError, ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.importers import PARQUET_SUFFIXES, ImportOptions, scan_csv, scan_parquet

if TYPE_CHECKING:
    from signaltrust.data.store import BarStore

Kind = Literal["bars", "prices"]
Origin = Literal["bundled", "stored", "file"]
FILE_SUFFIXES = (".csv", ".gz", ".txt", ".tsv", *PARQUET_SUFFIXES)


@dataclass(frozen=True)
class DataSource:
    """What a data name opened: the frame, its kind, where it came from, and what was decided.

    ``kind`` is ``bars`` (open/high/low/close of one instrument) or ``prices`` (one column per
    instrument). ``name`` is what results are named after (the dataset, the symbol or the file
    name); ``notes`` say how a file was read (zone, date order, separator).
    """

    frame: pd.DataFrame
    kind: Kind
    origin: Origin
    name: str
    description: str
    notes: tuple[str, ...] = field(default=())
    timeframe: str | None = None


def open_data(
    spec: str, *, options: ImportOptions | None = None, store: BarStore | None = None
) -> DataSource:
    """Open a bundled dataset, a stored series (when ``store`` is given) or a CSV/Parquet file.

    Tried in that order (a bundled name in other letter case, ``GOOG`` for ``goog``, only after
    the stored series); a name that is none of them raises :class:`DatasetNotFoundError` saying
    what was tried. ``options`` say how to read a file (ignored otherwise).
    """
    text = str(spec).strip() if spec is not None else ""
    if not text:
        raise ValidationError("no data named", field="data", value=spec,
                              fix="give a bundled dataset name, a stored series or a file path")
    bundled = _bundled(text)
    if bundled is not None and bundled.name == text:  # as `data list` writes it
        return bundled
    path = Path(text).expanduser()
    if path.exists():
        return _file(path, options or ImportOptions())
    if store is not None:
        stored = _stored(text, store)
        if stored is not None:
            return stored
    if bundled is not None:  # GOOG for goog, when no stored series is called GOOG
        return bundled
    raise _not_found(text, path, store)


def open_bars(
    spec: str, *, options: ImportOptions | None = None, store: BarStore | None = None
) -> tuple[pd.DataFrame, str]:
    """The bars named by ``spec`` (see :func:`open_data`) and a description of what was opened.

    Data that is not bars (a panel of prices, a macro series) raises ValidationError.
    """
    source = open_data(spec, options=options, store=store)
    if source.kind != "bars":
        from signaltrust.data.catalog import list_datasets

        bar_sets = ", ".join(s.name for s in list_datasets() if s.kind == "bars")
        raise ValidationError(
            f"{source.description} holds prices of {len(source.frame.columns)} column(s) "
            f"({', '.join(map(str, source.frame.columns[:5]))}), not bars",
            field="data", value=spec,
            fix=f"use bars with open, high, low and close: a bar dataset ({bar_sets}), a stored"
            " series or a file with those columns",
        )
    return source.frame, source.description


def parse_series(spec: str) -> tuple[str, str | None, str | None]:
    """``"GOOG.XNAS@1d"`` -> ("GOOG", "XNAS", "1d"); venue and timeframe are optional."""
    name, _, timeframe = spec.partition("@")
    symbol, dot, venue = name.rpartition(".")
    if not dot or not symbol:
        symbol, venue = name, ""
    tf = str(Timeframe.parse(timeframe)) if timeframe else None
    return symbol, venue or None, tf


def _bundled(name: str) -> DataSource | None:
    from signaltrust.data.catalog import get_spec, load

    try:
        spec = get_spec(name)
    except DatasetNotFoundError:
        return None
    frame = load(spec.name)
    frame.attrs["dataset"] = spec.name
    kind: Kind = "bars" if spec.kind == "bars" else "prices"
    return DataSource(frame, kind, "bundled", spec.name,
                      f"bundled dataset {spec.name} ({spec.kind}, {spec.timeframe})",
                      timeframe=str(spec.timeframe))


def _file(path: Path, options: ImportOptions) -> DataSource:
    scan = scan_parquet if path.suffix.lower() in PARQUET_SUFFIXES else scan_csv
    result = scan(path, options)
    result.raise_first()
    frame = result.frame
    name = path.name.split(".")[0] or "data"
    have = [c for c in PRICE_COLUMNS if c in frame.columns]
    if {"open", "high", "low"} & set(have) and len(have) < len(PRICE_COLUMNS):
        missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
        raise ValidationError(
            f"file {path} has {', '.join(have)} but no {', '.join(missing)}: not whole bars",
            field="columns", value=list(frame.columns),
            fix=f"map the file's columns to bar names, e.g. "
            f"{options.hint('columns', {'YourColumn': missing[0]})}, or keep one price column "
            "per instrument (and no open/high/low/close) to read it as prices",
        )
    if len(have) == len(PRICE_COLUMNS):
        _refuse_impossible_bars(path, frame, result.lines, options)
        kind: Kind = "bars"
        description = f"file {path} (bars: {len(frame)} rows, one instrument)"
    else:
        numeric = frame.select_dtypes("number")
        if numeric.shape[1] == 0:
            raise ValidationError(
                f"file {path} has no number columns", field="columns", value=list(frame.columns),
                fix="give open/high/low/close columns for bars, or one price column per "
                f"instrument ({options.hint('columns')} renames columns)",
            )
        # instruments keep the file's own names (AAPL stays AAPL, not aapl)
        frame = numeric.rename(columns={c: result.headers.get(c, c) for c in numeric.columns})
        kind = "prices"
        description = (f"file {path} (prices: {len(frame)} rows, {frame.shape[1]} "
                       f"instrument{'s' * (frame.shape[1] != 1)})")
    frame.attrs["dataset"] = name
    return DataSource(frame, kind, "file", name, description, tuple(result.notes))


def _refuse_impossible_bars(
    path: Path, frame: pd.DataFrame, lines: Any, options: ImportOptions
) -> None:
    """Bars a store would refuse (a price of zero or below, high below low, negative volume, an
    infinite value) are refused here too: research on them gives wrong answers silently."""
    from signaltrust.data.quality.rules import rule_violations

    found, _ = rule_violations(frame, None, rows=lines)
    if found.empty:
        return
    rules = sorted(found["rule"].unique())
    shown = "; ".join(f"line {int(r.row)} ({r.timestamp.date()}) {r.rule}: {r.message}"
                      for r in found.head(3).itertuples())
    more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
    on_purpose = (f"signaltrust data ingest {path} " + " ".join(f"--allow {r}" for r in rules)
                  + ", then use the stored series" if options.hints == "cli" else
                  f"store.write(bars, ..., allow={rules!r}), then read the stored series")
    raise BarRuleError(
        f"file {path}: {found['row'].nunique()} bar(s) break hard rules ({', '.join(rules)}): "
        f"{shown}{more}",
        violations=found, field=rules[0],
        fix=f"correct those lines in the file; to use them on purpose, flagged: {on_purpose}",
    )


def _stored(spec: str, store: BarStore) -> DataSource | None:
    try:
        symbol, venue, timeframe = parse_series(spec)
    except ValidationError:
        return None
    listing = store.list()
    candidates = [(spec.partition("@")[0], None)] if venue else []
    candidates.append((symbol, venue))
    for sym, ven in candidates:
        hit = listing[listing["symbol"] == sym]
        if ven is not None:
            hit = hit[hit["venue"] == ven]
        if timeframe is not None:
            hit = hit[hit["timeframe"] == timeframe]
        if len(hit) == 1:
            row = hit.iloc[0]
            frame = store.read(row["symbol"], row["timeframe"], venue=row["venue"])
            frame.attrs["dataset"] = str(row["symbol"])
            return DataSource(
                frame, "bars", "stored", str(row["symbol"]),
                f"stored series {row['symbol']}.{row['venue']}@{row['timeframe']} "
                f"({len(frame)} bars)",
                timeframe=str(row["timeframe"]),
            )
        if len(hit) > 1:
            shown = ", ".join(f"{r.symbol}.{r.venue}@{r.timeframe}" for r in hit.itertuples())
            raise ValidationError(
                f"{spec} matches several stored series: {shown}", field="data", value=spec,
                fix="name one exactly as SYMBOL.VENUE@TIMEFRAME, e.g. "
                f"{hit.iloc[0]['symbol']}.{hit.iloc[0]['venue']}@{hit.iloc[0]['timeframe']}",
            )
    return None


def _not_found(spec: str, path: Path, store: BarStore | None) -> DatasetNotFoundError:
    from signaltrust.data.catalog import list_datasets

    names = ", ".join(s.name for s in list_datasets())
    tried = [f"a bundled dataset ({names})"]
    looks_like_file = path.suffix.lower() in FILE_SUFFIXES or "/" in spec or "\\" in spec
    tried.append(f"a file ({path} does not exist)")
    if store is not None:
        stored = [f"{r.symbol}.{r.venue}@{r.timeframe}" for r in store.list().itertuples()]
        shown = ", ".join(stored[:10]) + (f" and {len(stored) - 10} more" if len(stored) > 10
                                          else "")
        tried.append(f"a stored series (stored: {shown or 'nothing yet'})")
    fix = ("check the file's path (relative paths start at the current directory)"
           if looks_like_file else
           "give a bundled name (signaltrust data list), a stored series SYMBOL[.VENUE][@TF] "
           "(signaltrust data stored) or the path of a CSV or Parquet file")
    return DatasetNotFoundError(
        f"no data named {spec!r}: it is not {'; not '.join(tried)}",
        field="data", value=spec, fix=fix,
    )
