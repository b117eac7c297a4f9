"""The PostgreSQL bar store: one table ``<schema>.bars`` keyed (symbol, venue, timeframe, ts).

Same interface and rules as the Parquet lake. A write runs in one transaction on a pooled
connection: a per-series advisory lock, one range read of the stored bars the incoming ones
overlap, the comparison (as the lake does it), then one binary ``COPY`` of the new bars straight
into the table (the lock and the comparison make them new), and for conflicts to overwrite a
``COPY`` into a temporary table and one set-based ``UPDATE``.
First use creates the schema and table under an advisory lock, so that several processes opening
a new schema at once all succeed. Timestamps are ``timestamptz`` (microseconds); missing values
are NULL. Error messages never show the URL's password.
"""

from __future__ import annotations

import builtins
import re
import struct
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.bars import BAR_COLUMNS
from signaltrust.core.config import mask_secrets
from signaltrust.core.errors import StoreError, ValidationError
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

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COLS = ", ".join(BAR_COLUMNS)
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 UTC, PostgreSQL's binary timestamp origin
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
# one row of binary COPY: field count, then (length, value) for ts, five floats, flags
_ROW = np.dtype(
    [("n", ">i2"), ("l_ts", ">i4"), ("ts", ">i8")]
    + [field for c in BAR_COLUMNS for field in ((f"l_{c}", ">i4"), (c, ">f8"))]
    + [("l_flags", ">i4"), ("flags", ">i2")]
)
_SELECT = "ts, " + ", ".join(f"coalesce({c}, 'NaN')" for c in BAR_COLUMNS) + ", flags"


class PostgresBarStore(BarStore):
    """Bars in PostgreSQL (psycopg 3, pooled connections); schema and table made on first use."""

    def __init__(self, url: str, schema: str = "signaltrust", *, pool_size: int = 4) -> None:
        if not _SCHEMA_NAME.match(schema or ""):
            raise ValidationError(
                "bad PostgreSQL schema name",
                field="store.postgres_schema",
                value=schema,
                fix="use letters, digits and underscores, starting with a letter or underscore",
            )
        self.url = url
        self.schema = schema
        self.pool_size = pool_size
        self._pool: Any = None
        self._pool_lock = threading.Lock()

    def __repr__(self) -> str:  # never show the URL: it may hold a password
        return f"PostgresBarStore(schema={self.schema!r})"

    @property
    def table(self) -> str:
        return f'"{self.schema}".bars'

    # --- connections ---------------------------------------------------------------------------
    def _connection(self) -> Any:
        """A pooled connection (context manager); the first call checks the server and sets up."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = self._open_pool()
        return self._pool.connection()

    def _open_pool(self) -> Any:
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        try:  # a direct first connection: its error says why (the pool's would only time out)
            with psycopg.connect(self.url, connect_timeout=10, autocommit=True) as conn:
                self._set_up(conn)
        except psycopg.Error as exc:
            raise self._fault(exc) from None
        except ValueError as exc:  # psycopg parses some malformed URLs with ValueError
            raise self._fault(exc) from None
        pool = ConnectionPool(
            self.url, min_size=1, max_size=self.pool_size, open=False, timeout=30.0,
            kwargs={"autocommit": True, "connect_timeout": 10}, name=f"signaltrust-{self.schema}",
        )
        try:
            pool.open(wait=True, timeout=15.0)
        except PoolTimeout as exc:
            pool.close()
            raise self._fault(exc) from None
        weakref.finalize(self, pool.close)
        return pool

    def _fault(self, exc: Exception) -> StoreError:
        text = mask_secrets(str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
        return StoreError(
            f"cannot connect to PostgreSQL: {text}",
            field="store.postgres_url",
            value=mask_secrets(self.url),
            fix="check SIGNALTRUST__STORE__POSTGRES_URL (e.g. postgresql://user@127.0.0.1:5432/db)"
            " and that the server runs",
        )

    def _set_up(self, conn: Any) -> None:
        """Create the schema, the table and the flags column, one process at a time."""
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('signaltrust.schema'), "
                         "hashtext(%s))", [self.schema])
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                ' symbol text COLLATE "C" NOT NULL, venue text COLLATE "C" NOT NULL,'
                ' timeframe text COLLATE "C" NOT NULL,'
                " ts timestamptz NOT NULL, open double precision, high double precision,"
                " low double precision, close double precision, volume double precision,"
                " flags smallint NOT NULL DEFAULT 0,"
                " PRIMARY KEY (symbol, venue, timeframe, ts))"
            )
            conn.execute(
                f"ALTER TABLE {self.table} ADD COLUMN IF NOT EXISTS flags smallint NOT NULL "
                "DEFAULT 0"
            )

    def close(self) -> None:
        """Close the pooled connections (a later call opens a new pool)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _run(self, work: Any) -> Any:
        """``work(conn)`` on a pooled connection; database errors become StoreErrors."""
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._connection() as conn:
                return work(conn)
        except PoolTimeout as exc:
            raise self._fault(exc) from None
        except psycopg.OperationalError as exc:
            raise self._fault(exc) from None

    # --- queries -------------------------------------------------------------------------------
    def list(self) -> pd.DataFrame:
        """One row per stored series: symbol, venue, timeframe, start, end (UTC), bars."""
        rows = self._run(lambda conn: conn.execute(
            "SELECT symbol, venue, timeframe, (extract(epoch FROM min(ts)) * 1000000)::bigint,"
            " (extract(epoch FROM max(ts)) * 1000000)::bigint, count(*) "
            f"FROM {self.table} GROUP BY symbol, venue, timeframe"
        ).fetchall())
        return make_listing([(s, v, t, lo * 1000, hi * 1000, n) for s, v, t, lo, hi, n in rows])

    def _range_sql(
        self, key: SeriesKey, start_ns: int | None, end_ns: int | None, *, closed: bool = False
    ) -> tuple[str, builtins.list]:
        sql = "symbol = %s AND venue = %s AND timeframe = %s"
        params: builtins.list = [key.symbol, key.venue, key.timeframe]
        # stored timestamps are whole microseconds: rounding a bound up keeps ts >= start, ts < end
        if start_ns is not None:
            sql += " AND ts >= %s"
            params.append(_to_datetime(-(-start_ns // 1000) * 1000))
        if end_ns is not None:
            sql += " AND ts <= %s" if closed else " AND ts < %s"
            params.append(_to_datetime(-(-end_ns // 1000) * 1000))
        return sql, params

    def _resolve(self, symbol: str, timeframe: Timeframe | str, venue: str | None) -> SeriesKey:
        """The stored series, found with one indexed query (the full listing only for errors)."""
        key = SeriesKey.make(symbol, timeframe, venue or "SIM")
        sql = f"SELECT venue FROM {self.table} WHERE symbol = %s AND timeframe = %s"
        params = [key.symbol, key.timeframe]

        def venues_of(conn: Any) -> builtins.list[str]:
            if venue is not None:
                hit = conn.execute(sql + " AND venue = %s LIMIT 1", [*params, venue]).fetchone()
                return [hit[0]] if hit else []
            first = conn.execute(sql + " LIMIT 1", params).fetchone()  # two index probes
            if not first:
                return []
            other = conn.execute(sql + " AND venue <> %s LIMIT 1", [*params, first[0]]).fetchone()
            return [first[0]] if other is None else [first[0], other[0]]

        venues = self._run(venues_of)
        if len(venues) == 1:
            return SeriesKey(key.symbol, venues[0], key.timeframe)
        return super()._resolve(symbol, timeframe, venue)

    def _read(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> pd.DataFrame:
        where, params = self._range_sql(key, start_ns, end_ns)
        sql = f"SELECT {_SELECT} FROM {self.table} WHERE {where} ORDER BY ts"
        return self._run(lambda conn: _copy_out(conn, sql, params))

    # --- changes -------------------------------------------------------------------------------
    def _write(
        self, key: SeriesKey, incoming: pd.DataFrame, policy: OnConflict, dropped: Sequence[str]
    ) -> WriteResult:
        def work(conn: Any) -> WriteResult:
            with conn.transaction():
                conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))",
                    [f"{self.schema}|{key.symbol}|{key.venue}|{key.timeframe}"],
                )
                ts = incoming.index.asi8
                where, params = self._range_sql(key, int(ts[0]), int(ts[-1]), closed=True)
                stored = _copy_out(conn, f"SELECT {_SELECT} FROM {self.table} WHERE {where}",
                                   params)
                plan = plan_merge(stored, incoming)
                result = plan.result(key, policy, dropped)  # raises: the transaction rolls back
                if result.changed:
                    self._apply(conn, key, plan, incoming, overwrite=bool(result.overwritten))
                return result

        return self._run(work)

    def _apply(self, conn: Any, key: SeriesKey, plan: Any, incoming: pd.DataFrame, *,
               overwrite: bool) -> None:
        """COPY the new bars into the table; conflicts to overwrite through a temporary table
        and one UPDATE."""
        import psycopg

        if len(plan.new):
            try:
                with conn.cursor() as cur, cur.copy(
                    f"COPY {self.table} (symbol, venue, timeframe, ts, {_COLS}, flags) "
                    "FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.write(_binary_bars(plan.new, key))
            except psycopg.errors.UniqueViolation:
                raise StoreError(
                    f"bars of {key} were written by another client at the same time; the write "
                    "was rolled back",
                    fix="write again (writers that bypass the store's lock can race it)",
                ) from None
        if not overwrite:
            return
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS st_overwrite (ts timestamptz, open double precision,"
            " high double precision, low double precision, close double precision,"
            " volume double precision, flags smallint) ON COMMIT DELETE ROWS"
        )
        with conn.cursor() as cur, cur.copy(
            "COPY st_overwrite FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.write(_binary_bars(incoming.loc[plan.conflicts.index], None))
        conn.execute(
            f"UPDATE {self.table} b SET "
            + ", ".join(f"{c} = i.{c}" for c in BAR_COLUMNS)
            + ", flags = i.flags FROM st_overwrite i WHERE b.ts = i.ts"
            " AND b.symbol = %s AND b.venue = %s AND b.timeframe = %s",
            [key.symbol, key.venue, key.timeframe],
        )

    def _delete(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> int:
        where, params = self._range_sql(key, start_ns, end_ns)

        def work(conn: Any) -> int:
            with conn.transaction():
                return int(conn.execute(f"DELETE FROM {self.table} WHERE {where}", params).rowcount)

        return self._run(work)

    def drop(self) -> None:
        """Drop the bars table (tests and resets); the schema stays."""

        def work(conn: Any) -> None:
            with conn.transaction():
                conn.execute(f"DROP TABLE IF EXISTS {self.table}")

        self._run(work)
        self.close()


def _to_datetime(ns: int) -> Any:
    import datetime as dt

    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(ns) // 1000)


def _binary_bars(bars: pd.DataFrame, key: SeriesKey | None) -> bytes:
    """Bars as PostgreSQL binary COPY rows, built with numpy: (symbol, venue, timeframe,) ts,
    the five values (NaN as NULL) and flags. Rows are grouped by which values are missing, so
    each group has one fixed layout; row order does not matter to COPY."""
    names = () if key is None else (key.symbol, key.venue, key.timeframe)
    texts = [name.encode("utf-8") for name in names]
    values = np.column_stack([bars[c].to_numpy("float64") for c in BAR_COLUMNS])
    missing = np.isnan(values)
    codes = missing @ (1 << np.arange(len(BAR_COLUMNS)))
    flags = bars[FLAGS].to_numpy() if FLAGS in bars else np.zeros(len(bars), dtype=np.int16)
    ts = bars.index.as_unit("ns").asi8 // 1000 - _PG_EPOCH_US
    parts = [_HEADER]
    for code in np.unique(codes):
        chosen = codes == code
        fields: list[tuple[str, str]] = [("n", ">i2")]
        for i, text in enumerate(texts):
            fields += [(f"l_t{i}", ">i4"), (f"t{i}", f"S{len(text)}")]
        fields += [("l_ts", ">i4"), ("ts", ">i8")]
        for j, c in enumerate(BAR_COLUMNS):
            fields.append((f"l_{c}", ">i4"))
            if not code & (1 << j):
                fields.append((c, ">f8"))
        fields += [("l_flags", ">i4"), ("flags", ">i2")]
        rows = np.zeros(int(chosen.sum()), dtype=fields)
        rows["n"] = len(texts) + 2 + len(BAR_COLUMNS)
        for i, text in enumerate(texts):
            rows[f"l_t{i}"], rows[f"t{i}"] = len(text), text
        rows["l_ts"], rows["ts"] = 8, ts[chosen]
        for j, c in enumerate(BAR_COLUMNS):
            if code & (1 << j):
                rows[f"l_{c}"] = -1  # NULL: no value follows
            else:
                rows[f"l_{c}"], rows[c] = 8, values[chosen, j]
        rows["l_flags"], rows["flags"] = 2, flags[chosen]
        parts.append(rows.tobytes())
    parts.append(_TRAILER)
    return b"".join(parts)


def _copy_out(conn: Any, sql: str, params: builtins.list) -> pd.DataFrame:
    """Bars from a query returning (ts, five floats with NaN for NULL, flags), via binary COPY."""
    chunks = []
    with conn.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params) as copy:
        for chunk in copy:
            chunks.append(bytes(chunk))
    data = b"".join(chunks)
    body = data[len(_HEADER):len(data) - len(_TRAILER)] if data else b""
    rows = np.frombuffer(body, dtype=_ROW)
    ts = (rows["ts"].astype(np.int64) + _PG_EPOCH_US) * 1000
    columns = {c: rows[c].astype(np.float64) for c in BAR_COLUMNS}
    return bars_from_arrays(ts, columns, rows["flags"].astype(np.int16))
