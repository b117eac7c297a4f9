"""Tick data in the Parquet lake: one file per kind, instrument, venue and UTC day.

Layout (Hive style, next to the bars)::

    <lake>/ticks/kind=trades/symbol=BTC%2FUSDT/venue=binance/date=2024-01-02/ticks.parquet

Writes are idempotent: a frame is checked first (:func:`signaltrust.data.ticks.check_ticks`;
any issue refuses the whole write with its row-level report), merged with what the day holds,
exact duplicates dropped, sorted by time and sequence number, checked again (a record that
contradicts a stored one shows up as an out-of-order sequence number) and written to a
temporary file that replaces the old one; a write that adds nothing leaves the file alone.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from signaltrust.data.store.lake import decode_name, encode_name
from signaltrust.data.ticks import (
    COLUMNS,
    TickQualityError,
    check_kind,
    check_ticks,
    require_clean,
    tick_frame,
)

FILE_NAME = "ticks.parquet"
_ARROW = {"datetime64[ns, UTC]": pa.timestamp("ns", tz="UTC"), "float64": pa.float64(),
          "int8": pa.int8(), "int64": pa.int64(), "object": pa.string(), "bool": pa.bool_()}


def _schema(kind: str) -> pa.Schema:
    return pa.schema([pa.field(n, _ARROW[t]) for n, t in COLUMNS[kind].items()])


@dataclass(frozen=True)
class TickWriteResult:
    """What a write did: rows given, rows new to the lake, the days (files) it rewrote."""

    kind: str
    symbol: str
    venue: str
    rows: int
    added: int
    days_written: tuple[str, ...]

    def __plain__(self) -> dict[str, Any]:
        return {"kind": self.kind, "symbol": self.symbol, "venue": self.venue,
                "rows": self.rows, "added": self.added, "days_written": list(self.days_written)}


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".ticks.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class TickLake:
    """Trades, quotes and book messages in a folder of Parquet files (``<path>/ticks``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()

    def __repr__(self) -> str:
        return f"TickLake({str(self.path)!r})"

    def folder(self, kind: str, symbol: str, venue: str) -> Path:
        return (self.path / "ticks" / f"kind={check_kind(kind)}" / f"symbol={encode_name(symbol)}"
                / f"venue={encode_name(venue)}")

    def write(self, frame: pd.DataFrame, kind: str, symbol: str,
              venue: str = "SIM") -> TickWriteResult:
        """Check and store ``frame``; refuses it whole (:class:`TickQualityError`) on any issue."""
        ticks = require_clean(frame, kind)
        days = pd.DatetimeIndex(ticks["ts"]).strftime("%Y-%m-%d")
        written: list[str] = []
        added = 0
        folder = self.folder(kind, symbol, venue)
        with _locked(self.path / "ticks"):
            for day, part in ticks.groupby(days.to_numpy(), sort=True):
                file = folder / f"date={day}" / FILE_NAME
                old = self._read_file(file, kind)
                merged = pd.concat([old, part], ignore_index=True) if len(old) else part
                merged = merged.drop_duplicates(ignore_index=True)
                if len(merged) == len(old):
                    continue
                merged = merged.sort_values(["ts", "seq"], kind="stable", ignore_index=True)
                report = check_ticks(merged, kind)
                if not report.ok:
                    raise TickQualityError(report)
                self._replace(file, merged, kind)
                added += len(merged) - len(old)
                written.append(str(day))
        return TickWriteResult(kind, symbol, venue, len(ticks), added, tuple(written))

    def _read_file(self, file: Path, kind: str) -> pd.DataFrame:
        if not file.exists():
            return tick_frame(pd.DataFrame({n: pd.Series(dtype=t) for n, t in
                                            COLUMNS[kind].items()}), kind)
        return tick_frame(pq.read_table(file).to_pandas(), kind)

    def _replace(self, file: Path, frame: pd.DataFrame, kind: str) -> None:
        file.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(frame, schema=_schema(kind), preserve_index=False)
        handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=".ticks-", suffix=".tmp")
        os.close(handle)
        try:
            pq.write_table(table, temporary)
            os.replace(temporary, file)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

    def read(self, kind: str, symbol: str, venue: str = "SIM", start: Any = None,
             end: Any = None) -> pd.DataFrame:
        """The stored ticks with ``start <= ts < end`` (either may be None), in stored order."""
        folder = self.folder(kind, symbol, venue)
        lo = None if start is None else pd.Timestamp(start, tz="UTC") if pd.Timestamp(
            start).tzinfo is None else pd.Timestamp(start).tz_convert("UTC")
        hi = None if end is None else pd.Timestamp(end, tz="UTC") if pd.Timestamp(
            end).tzinfo is None else pd.Timestamp(end).tz_convert("UTC")
        parts = []
        for day_folder in sorted(folder.glob("date=*")) if folder.exists() else []:
            day = pd.Timestamp(day_folder.name.split("=", 1)[1], tz="UTC")
            if (hi is not None and day >= hi) or (lo is not None and day + pd.Timedelta(
                    days=1) <= lo):
                continue
            parts.append(self._read_file(day_folder / FILE_NAME, kind))
        if not parts:
            return self._read_file(folder / "none", kind)
        frame = pd.concat(parts, ignore_index=True)
        keep = pd.Series(True, index=frame.index)
        if lo is not None:
            keep &= frame["ts"] >= lo
        if hi is not None:
            keep &= frame["ts"] < hi
        return frame[keep].reset_index(drop=True)

    def list(self) -> pd.DataFrame:
        """Every stored series: kind, symbol, venue, days, first and last day."""
        rows = []
        for kind in COLUMNS:
            for folder in sorted((self.path / "ticks" / f"kind={kind}").glob("symbol=*/venue=*")):
                days = sorted(p.name.split("=", 1)[1] for p in folder.glob("date=*"))
                if days:
                    rows.append({"kind": kind,
                                 "symbol": decode_name(folder.parent.name.split("=", 1)[1]),
                                 "venue": decode_name(folder.name.split("=", 1)[1]),
                                 "days": len(days), "first": days[0], "last": days[-1]})
        return pd.DataFrame(rows, columns=["kind", "symbol", "venue", "days", "first", "last"])


__all__ = ["TickLake", "TickWriteResult"]
