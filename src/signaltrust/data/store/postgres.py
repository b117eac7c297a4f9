"""The PostgreSQL bar store: one table ``<schema>.bars`` keyed (symbol, venue, timeframe, ts).

Same interface and rules as the Parquet lake. A write runs in one transaction: the incoming bars
are copied into a temporary table, the stored bars at the same timestamps are compared with them,
and only then are new bars inserted (and, with ``on_conflict="overwrite"``, conflicting ones
updated). Writers of the same series are serialised by a transaction-scoped advisory lock.
Timestamps are ``timestamptz`` (microseconds); missing volume is NULL.
"""

from __future__ import annotations

import builtins
import datetime as dt
import io
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from signaltrust.core.bars import BAR_COLUMNS
from signaltrust.core.errors import StoreError, ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.store.base import (
    BarStore,
    OnConflict,
    SeriesKey,
    WriteResult,
    bars_from_arrays,
    make_listing,
    plan_merge,
)

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_COLS = ", ".join(BAR_COLUMNS)
_US_TO_TS = "(timestamptz 'epoch' + i.us * interval '1 microsecond')"
_TS_US = "(extract(epoch FROM {}ts) * 1000000)::bigint"


def _to_ns(stamp: dt.datetime) -> int:
    delta = stamp - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _to_datetime(ns: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=int(ns) // 1000)


class PostgresBarStore(BarStore):
    """Bars in PostgreSQL (psycopg 3); the schema and table are created on first use."""

    def __init__(self, url: str, schema: str = "signaltrust") -> None:
        if not _SCHEMA_NAME.match(schema or ""):
            raise ValidationError(
                "bad PostgreSQL schema name",
                field="store.postgres_schema",
                value=schema,
                fix="use letters, digits and underscores, starting with a letter or underscore",
            )
        self.url = url
        self.schema = schema
        self._ready = False

    def __repr__(self) -> str:  # never show the URL: it may hold a password
        return f"PostgresBarStore(schema={self.schema!r})"

    @property
    def table(self) -> str:
        return f'"{self.schema}".bars'

    def _connect(self):
        import psycopg

        try:
            conn = psycopg.connect(self.url, connect_timeout=10, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL: {str(exc).strip().splitlines()[0]}",
                field="store.postgres_url",
                fix="check SIGNALTRUST__STORE__POSTGRES_URL "
                "(e.g. postgresql://user@127.0.0.1:5432/db) "
                "and that the server runs",
            ) from exc
        if not self._ready:
            with conn.transaction():
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {self.table} ("
                    " symbol text NOT NULL, venue text NOT NULL, timeframe text NOT NULL,"
                    " ts timestamptz NOT NULL, open double precision, high double precision,"
                    " low double precision, close double precision, volume double precision,"
                    " PRIMARY KEY (symbol, venue, timeframe, ts))"
                )
            self._ready = True
        return conn

    def list(self) -> pd.DataFrame:
        """One row per stored series: symbol, venue, timeframe, start, end (UTC), bars."""
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT symbol, venue, timeframe, min(ts), max(ts), count(*) FROM {self.table} "
                "GROUP BY symbol, venue, timeframe"
            ).fetchall()
        return make_listing([(s, v, t, _to_ns(lo), _to_ns(hi), n) for s, v, t, lo, hi, n in rows])

    def _range_sql(
        self, key: SeriesKey, start_ns: int | None, end_ns: int | None
    ) -> tuple[str, builtins.list]:
        sql = "symbol = %s AND venue = %s AND timeframe = %s"
        params: builtins.list = [key.symbol, key.venue, key.timeframe]
        # stored timestamps are whole microseconds: rounding a bound up keeps ts >= start, ts < end
        if start_ns is not None:
            sql += " AND ts >= %s"
            params.append(_to_datetime(-(-start_ns // 1000) * 1000))
        if end_ns is not None:
            sql += " AND ts < %s"
            params.append(_to_datetime(-(-end_ns // 1000) * 1000))
        return sql, params

    def _resolve(self, symbol: str, timeframe: Timeframe | str, venue: str | None) -> SeriesKey:
        """The stored series, found with one indexed query (the full listing only for errors)."""
        key = SeriesKey.make(symbol, timeframe, venue or "SIM")
        sql = f"SELECT venue FROM {self.table} WHERE symbol = %s AND timeframe = %s"
        params = [key.symbol, key.timeframe]
        venues: builtins.list[str] = []
        with self._connect() as conn:
            if venue is not None:
                hit = conn.execute(sql + " AND venue = %s LIMIT 1", [*params, venue]).fetchone()
                venues = [hit[0]] if hit else []
            else:  # two index probes instead of scanning every bar of the symbol
                first = conn.execute(sql + " LIMIT 1", params).fetchone()
                if first:
                    other = conn.execute(
                        sql + " AND venue <> %s LIMIT 1", [*params, first[0]]
                    ).fetchone()
                    venues = [first[0]] if other is None else [first[0], other[0]]
        if len(venues) == 1:
            return SeriesKey(key.symbol, venues[0], key.timeframe)
        return super()._resolve(symbol, timeframe, venue)

    def _read(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> pd.DataFrame:
        where, params = self._range_sql(key, start_ns, end_ns)
        with self._connect() as conn:
            return _copy_out(
                conn,
                f"SELECT {_TS_US.format('')}, {_COLS} FROM {self.table} WHERE {where} ORDER BY ts",
                params,
            )

    def _write(
        self, key: SeriesKey, incoming: pd.DataFrame, policy: OnConflict, dropped: Sequence[str]
    ) -> WriteResult:
        with self._connect() as conn, conn.transaction():
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"{self.schema}|{key.symbol}|{key.venue}|{key.timeframe}"],
            )
            conn.execute(
                "CREATE TEMP TABLE incoming_bars (us bigint PRIMARY KEY, ts timestamptz,"
                " open double precision,"
                " high double precision, low double precision, close double precision,"
                " volume double precision) ON COMMIT DROP"
            )
            _copy_in(conn, incoming)
            stored = _copy_out(
                conn,
                f"SELECT {_TS_US.format('b.')}, {', '.join('b.' + c for c in BAR_COLUMNS)} "
                f"FROM {self.table} b "
                "JOIN incoming_bars i ON b.ts = i.ts "
                "WHERE b.symbol = %s AND b.venue = %s AND b.timeframe = %s",
                [key.symbol, key.venue, key.timeframe],
            )
            plan = plan_merge(stored, incoming)
            result = plan.result(key, policy, dropped)  # raises: the transaction rolls back
            if len(
                plan.new
            ):  # every incoming bar not stored yet (the lock holds off other writers)
                cur = conn.execute(
                    f"INSERT INTO {self.table} (symbol, venue, timeframe, ts, {_COLS}) "
                    f"SELECT %s, %s, %s, ts, {_COLS} FROM incoming_bars i "
                    "ON CONFLICT DO NOTHING",
                    [key.symbol, key.venue, key.timeframe],
                )
                if cur.rowcount != len(plan.new):
                    raise StoreError(
                        f"inserted {cur.rowcount} bars of {key} where {len(plan.new)} were new; "
                        "the write was rolled back",
                        fix="another process wrote the series at the same time; write again",
                    )
            if result.overwritten:
                conn.execute(
                    f"UPDATE {self.table} b SET "
                    + ", ".join(f"{c} = i.{c}" for c in BAR_COLUMNS)
                    + " FROM incoming_bars i WHERE b.ts = i.ts AND b.symbol = %s"
                    " AND b.venue = %s AND b.timeframe = %s AND i.us = ANY(%s)",
                    [
                        key.symbol,
                        key.venue,
                        key.timeframe,
                        [int(ns) // 1000 for ns in plan.conflicts.index.asi8],
                    ],
                )
        return result

    def _delete(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> int:
        where, params = self._range_sql(key, start_ns, end_ns)
        with self._connect() as conn, conn.transaction():
            cur = conn.execute(f"DELETE FROM {self.table} WHERE {where}", params)
            return int(cur.rowcount)

    def drop(self) -> None:
        """Drop the bars table (tests and resets); the schema stays."""
        with self._connect() as conn, conn.transaction():
            conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        self._ready = False


def _copy_in(conn, bars: pd.DataFrame) -> None:
    """COPY bars into the temporary table as CSV (exact float text; NaN becomes NULL)."""
    frame = bars.reset_index(drop=True)
    frame.insert(0, "us", bars.index.as_unit("ns").asi8 // 1000)
    text = frame.to_csv(index=False, header=False, na_rep="", float_format="%.17g")
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY incoming_bars (us, {_COLS}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(text.encode())
    conn.execute(f"UPDATE incoming_bars i SET ts = {_US_TO_TS}")
    conn.execute("CREATE INDEX ON incoming_bars (ts)")


def _copy_out(conn, sql: str, params: builtins.list) -> pd.DataFrame:
    """Bars from a query returning (microseconds, open, high, low, close, volume), via COPY CSV."""
    buffer = io.BytesIO()
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return bars_from_arrays(np.array([], dtype="int64"), {c: np.array([]) for c in BAR_COLUMNS})
    raw = pd.read_csv(
        buffer,
        header=None,
        names=["us", *BAR_COLUMNS],
        dtype={"us": "int64"},
        keep_default_na=False,
        na_values=[""],
    )
    columns = {c: raw[c].to_numpy("float64") for c in BAR_COLUMNS}
    return bars_from_arrays(raw["us"].to_numpy("int64") * 1000, columns)
