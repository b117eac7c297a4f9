"""The embedded bar store: one Parquet file per instrument and timeframe, queried with DuckDB.

Layout (Hive style, so ``read_parquet('<lake>/bars/**/*.parquet', hive_partitioning=true)``
sees every series)::

    <lake>/bars/timeframe=1d/symbol=GOOG/venue=SIM/bars.parquet

Symbol and venue are percent-encoded in paths (``BTC/USD`` is ``symbol=BTC%2FUSD``), so any
printable name is safe. A write goes to a temporary file that replaces the old one with
``os.replace``: a crash leaves the old file or the new one, never half a file. A write that
changes nothing does not touch the file. Writers in several processes are serialised by a lock
file (POSIX); readers never wait. The temporary files of writes that were killed are removed the
next time the lake is opened or written; a file that cannot be read is reported by
:meth:`ParquetLake.damaged` and left out of :meth:`ParquetLake.list`, never hiding the others.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from signaltrust.core.bars import BAR_COLUMNS, INDEX_NAME
from signaltrust.core.errors import StoreError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.store.base import (
    FLAGS,
    BarStore,
    OnConflict,
    SeriesKey,
    WriteResult,
    bars_from_arrays,
    make_listing,
    plan_merge,
)
from signaltrust.data.store.faults import store_fault

logger = logging.getLogger(__name__)

FILE_NAME = "bars.parquet"
TEMPORARY = ".bars-*.tmp"
_SCHEMA = pa.schema(
    [pa.field("ts", pa.timestamp("ns", tz="UTC"), nullable=False)]
    + [pa.field(c, pa.float64()) for c in BAR_COLUMNS]
    + [pa.field(FLAGS, pa.int16(), nullable=False)]
)
def encode_name(value: str) -> str:
    """A path-safe folder value: percent-encodes all but letters, digits and ``^-_.~``."""
    encoded = quote(value, safe="^")
    if encoded.startswith("."):  # no ".", ".." or hidden folders
        encoded = "%2E" + encoded[1:]
    return encoded


def decode_name(value: str) -> str:
    return unquote(value)


class ParquetLake(BarStore):
    """Bars in a folder of Parquet files (the default store); ``path`` is created on first write."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._thread_lock = threading.Lock()
        self._db_lock = threading.Lock()
        self._con: Any = None
        self._swept = False

    def __repr__(self) -> str:
        return f"ParquetLake({str(self.path)!r})"

    # --- layout -----------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.path / "bars"

    def file_for(self, symbol: str, timeframe: str, venue: str = "SIM") -> Path:
        """The Parquet file that holds (or would hold) one series."""
        key = SeriesKey.make(symbol, timeframe, venue)
        return (
            self.root
            / f"timeframe={key.timeframe}"
            / f"symbol={encode_name(key.symbol)}"
            / f"venue={encode_name(key.venue)}"
            / FILE_NAME
        )

    def _files(self) -> Iterator[tuple[SeriesKey, Path]]:
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(
                f"the lake path {self.path} is a file, not a folder",
                field="store.path", value=str(self.path),
                fix="point [store] path (SIGNALTRUST__STORE__PATH) at a folder, or move the "
                "file away",
            )
        if not self.root.is_dir():
            return
        try:
            files = sorted(self.root.glob(f"timeframe=*/symbol=*/venue=*/{FILE_NAME}"))
        except OSError as exc:
            raise store_fault(exc, self.root, "list the lake folder") from exc
        for file in files:
            parts = [
                p.name.split("=", 1)[1] for p in (file.parents[2], file.parents[1], file.parent)
            ]
            yield SeriesKey(decode_name(parts[1]), decode_name(parts[2]), parts[0]), file

    # --- queries ------------------------------------------------------------------------------
    def _fetch(self, sql: str, params: builtins.list[object], *, arrays: bool = False) -> Any:
        """Run one DuckDB query on the store's in-memory connection (opened once: ~40 ms)."""
        with self._db_lock:
            if self._con is None:
                import duckdb

                con = duckdb.connect()
                con.execute("SET TimeZone = 'UTC'")
                # files are replaced in place: never serve a cached old version
                with contextlib.suppress(duckdb.Error):
                    con.execute("SET enable_external_file_cache = false")
                self._con = con
            import duckdb

            try:
                result = self._con.execute(sql, params)
                return result.fetchnumpy() if arrays else result.fetchall()
            except duckdb.Error as exc:
                raise StoreError(
                    f"a lake file cannot be read: {str(exc).splitlines()[0]}",
                    field="path", value=str(params[0]) if params else None,
                    fix="restore it from a backup, or delete it and ingest the series again "
                    "(signaltrust data stored lists the damaged files)",
                ) from exc

    def _query(self, file: Path, start_ns: int | None, end_ns: int | None) -> pd.DataFrame:
        """Bars of one file in [start, end), the range pushed into DuckDB's Parquet scan."""
        where: list[str] = []
        params: list[object] = [str(file)]
        if start_ns is not None:
            where.append("ts >= CAST(make_timestamp_ns(?) AS TIMESTAMPTZ_NS)")
            params.append(start_ns)
        if end_ns is not None:
            where.append("ts < CAST(make_timestamp_ns(?) AS TIMESTAMPTZ_NS)")
            params.append(end_ns)
        flags = FLAGS if _has_flags(file) else "CAST(0 AS SMALLINT) AS flags"
        sql = (
            f"SELECT epoch_ns(ts) AS ts, open, high, low, close, volume, {flags} "
            "FROM read_parquet(?)"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY ts"
        )
        arrays = self._fetch(sql, params, arrays=True)
        columns = {c: _float_array(arrays[c]) for c in BAR_COLUMNS}
        return bars_from_arrays(_int_array(arrays["ts"]), columns, _int_array(arrays[FLAGS]))

    def list(self) -> pd.DataFrame:
        """One row per stored series: symbol, venue, timeframe, start, end (UTC), bars.

        A file that cannot be read is left out (see :meth:`damaged`); the others are listed.
        """
        return self._inventory()[0]

    def damaged(self) -> builtins.list[tuple[str, str]]:
        """Files of the lake that cannot be read: (path, why)."""
        return self._inventory()[1]

    def _inventory(self) -> tuple[pd.DataFrame, builtins.list[tuple[str, str]]]:
        found = list(self._files())
        if not found:
            return make_listing([]), []
        sql = ("SELECT filename, epoch_ns(min(ts)), epoch_ns(max(ts)), count(*) "
               "FROM read_parquet(?, filename = true) GROUP BY filename")
        damaged: builtins.list[tuple[str, str]] = []
        try:
            stats = self._fetch(sql, [[str(f) for _, f in found]])
        except StoreError:  # one bad file fails the whole scan: look at them one by one
            stats = []
            for _, file in found:
                try:
                    stats += self._fetch(sql, [[str(file)]])
                except StoreError as exc:
                    damaged.append((str(file), exc.message.removeprefix(
                        "a lake file cannot be read: ")))
        by_file = {Path(name): (lo, hi, n) for name, lo, hi, n in stats}
        rows = [
            (k.symbol, k.venue, k.timeframe, *by_file[f])
            for k, f in found
            if f in by_file and by_file[f][2] > 0
        ]
        for path, why in damaged:
            logger.warning("lake file cannot be read and is not listed: %s (%s)", path, why)
        return make_listing(rows), damaged

    def recover(self) -> int:
        """Remove the temporary files of writes that were interrupted; return how many went.

        Runs under the write lock (so no live write's file is touched); when another process
        is writing right now it does nothing and the next open tries again.
        """
        if not self.root.is_dir():
            return 0
        try:
            with self._locked(wait=False, sweep=False) as held:
                return self._sweep() if held else 0
        except StoreError:  # a read-only lake: reading it must still work
            return 0

    def _sweep(self) -> int:
        removed = 0
        for tmp in self.root.glob(f"timeframe=*/symbol=*/venue=*/{TEMPORARY}"):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed += 1
        if removed:
            logger.info("removed %d temporary file(s) of interrupted lake writes", removed)
        self._swept = True
        return removed

    def _resolve(self, symbol: str, timeframe: Timeframe | str, venue: str | None) -> SeriesKey:
        """The stored series, found from the folders (no scan of the files)."""
        key = SeriesKey.make(symbol, timeframe, venue or "SIM")
        if venue is not None:
            if self.file_for(key.symbol, key.timeframe, key.venue).is_file():
                return key
        else:
            folder = self.file_for(key.symbol, key.timeframe).parent.parent
            venues = sorted(
                f.parent.name.split("=", 1)[1] for f in folder.glob(f"venue=*/{FILE_NAME}")
            )
            if len(venues) == 1:
                return SeriesKey(key.symbol, decode_name(venues[0]), key.timeframe)
        return super()._resolve(symbol, timeframe, venue)  # the error naming what is stored

    def _read(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> pd.DataFrame:
        return self._query(self.file_for(key.symbol, key.timeframe, key.venue), start_ns, end_ns)

    # --- changes ------------------------------------------------------------------------------
    def _write(
        self, key: SeriesKey, incoming: pd.DataFrame, policy: OnConflict, dropped: Sequence[str]
    ) -> WriteResult:
        file = self.file_for(key.symbol, key.timeframe, key.venue)
        with self._locked():
            stored = self._load(file)
            plan = plan_merge(stored, incoming)
            result = plan.result(key, policy, dropped)  # raises before anything is written
            if not result.changed:
                return result
            merged = stored
            if result.overwritten:
                merged = merged.copy()
                changed = [*BAR_COLUMNS, FLAGS]
                merged.loc[plan.conflicts.index, changed] = incoming.loc[
                    plan.conflicts.index, changed
                ]
            if len(plan.new):
                merged = pd.concat([merged, plan.new]).sort_index()
            self._save(file, merged, key)
        return result

    def _delete(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> int:
        file = self.file_for(key.symbol, key.timeframe, key.venue)
        with self._locked():
            stored = self._load(file)
            ts = stored.index.asi8
            gone = np.ones(len(ts), dtype=bool)
            if start_ns is not None:
                gone &= ts >= start_ns
            if end_ns is not None:
                gone &= ts < end_ns
            count = int(gone.sum())
            if count == 0:
                return 0
            if count == len(stored):
                try:
                    file.unlink()
                except OSError as exc:
                    raise store_fault(exc, file, "delete") from exc
                _prune_empty(file.parent, self.root)
            else:
                self._save(file, stored.loc[~gone], key)
        return count

    def _load(self, file: Path) -> pd.DataFrame:
        """All bars of one file (an empty frame when there is none)."""
        if not file.exists():
            return bars_from_arrays(
                np.array([], dtype="int64"), {c: np.array([]) for c in BAR_COLUMNS},
                np.array([], dtype="int16"),
            )
        try:
            flags = _has_flags(file)
            table = pq.read_table(file, columns=["ts", *BAR_COLUMNS, *([FLAGS] if flags else [])])
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(
                "a lake file cannot be read",
                field="path",
                value=str(file),
                fix="restore it from a backup or delete it and ingest the series again",
            ) from exc
        ts = table.column("ts").cast(pa.int64()).to_numpy()
        columns = {c: table.column(c).to_numpy(zero_copy_only=False) for c in BAR_COLUMNS}
        marks = (table.column(FLAGS).to_numpy(zero_copy_only=False) if flags
                 else np.zeros(len(ts), dtype="int16"))
        return bars_from_arrays(ts, columns, marks)

    def _save(self, file: Path, bars: pd.DataFrame, key: SeriesKey) -> None:
        """Write ``bars`` to ``file`` atomically: a temporary file beside it, then os.replace."""
        arrays = [
            pa.array(bars.index.as_unit("ns").asi8, pa.int64()).cast(_SCHEMA.field("ts").type)
        ]
        arrays += [pa.array(bars[c].to_numpy("float64"), pa.float64()) for c in BAR_COLUMNS]
        marks = bars[FLAGS] if FLAGS in bars else np.zeros(len(bars))
        arrays.append(pa.array(np.asarray(marks, dtype="int16"), pa.int16()))
        metadata = {
            b"symbol": key.symbol.encode(),
            b"venue": key.venue.encode(),
            b"timeframe": key.timeframe.encode(),
            b"index": INDEX_NAME.encode(),
        }
        table = pa.Table.from_arrays(arrays, schema=_SCHEMA.with_metadata(metadata))
        tmp: str | None = None
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=".bars-", suffix=".tmp", dir=file.parent)
            with os.fdopen(handle, "wb") as sink:
                pq.write_table(table, sink, compression="zstd")
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(tmp, file)
        except OSError as exc:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise store_fault(exc, file, f"write {key} to") from exc
        except BaseException:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise

    @contextmanager
    def _locked(self, *, wait: bool = True, sweep: bool = True) -> Iterator[bool]:
        """One writer at a time: a thread lock, plus an advisory file lock across processes.

        Yields whether the lock is held (always True when ``wait``). The first time it is held,
        temporary files left by interrupted writes are removed.
        """
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            handle = open(self.path / ".write.lock", "a+b")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise store_fault(exc, self.path, "open the lake at") from exc
        if not self._thread_lock.acquire(blocking=wait):
            handle.close()
            yield False
            return
        try:
            try:
                import fcntl
            except ImportError:  # Windows: single-process writers only
                fcntl = None  # type: ignore[assignment]
            if fcntl is not None:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                except BlockingIOError:
                    yield False
                    return
            try:
                if sweep and not self._swept:
                    self._sweep()
                yield True
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()
            handle.close()


def _prune_empty(folder: Path, stop: Path) -> None:
    """Remove empty series folders up to (not including) ``stop``."""
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _has_flags(file: Path) -> bool:
    """Whether a lake file has the flags column (files written before it existed do not)."""
    try:
        return FLAGS in pq.read_schema(file).names
    except (OSError, pa.ArrowException) as exc:
        raise StoreError(
            f"a lake file cannot be read: {str(exc).splitlines()[0] if str(exc) else exc!r}",
            field="path", value=str(file),
            fix="restore it from a backup, or delete it and ingest the series again",
        ) from exc


def _int_array(values) -> np.ndarray:
    return np.asarray(values, dtype="int64")


def _float_array(values) -> np.ndarray:
    if isinstance(values, np.ma.MaskedArray):
        return np.ma.filled(values.astype("float64"), np.nan)
    return np.asarray(values, dtype="float64")
