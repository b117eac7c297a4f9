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
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from signaltrust.core.bars import BAR_COLUMNS
from signaltrust.core.errors import StoreError, ValidationError
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

    def _read(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> pd.DataFrame:
        where, params = self._range_sql(key, start_ns, end_ns)
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT ts, {_COLS} FROM {self.table} WHERE {where} ORDER BY ts", params
            ).fetchall()
        return _frame(rows)

    def _write(
        self, key: SeriesKey, incoming: pd.DataFrame, policy: OnConflict, dropped: Sequence[str]
    ) -> WriteResult:
        with self._connect() as conn, conn.transaction():
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"{self.schema}|{key.symbol}|{key.venue}|{key.timeframe}"],
            )
            conn.execute(
                "CREATE TEMP TABLE incoming_bars (ts timestamptz PRIMARY KEY,"
                " open double precision,"
                " high double precision, low double precision, close double precision,"
                " volume double precision) ON COMMIT DROP"
            )
            with (
                conn.cursor() as cur,
                cur.copy(f"COPY incoming_bars (ts, {_COLS}) FROM STDIN") as copy,
            ):
                values = incoming.to_numpy("float64")
                for ns, row in zip(incoming.index.asi8, values, strict=True):
                    copy.write_row(
                        [_to_datetime(ns), *(None if np.isnan(x) else float(x) for x in row)]
                    )
            stored = _frame(
                conn.execute(
                    f"SELECT b.ts, {', '.join('b.' + c for c in BAR_COLUMNS)} FROM {self.table} b "
                    "JOIN incoming_bars i ON i.ts = b.ts "
                    "WHERE b.symbol = %s AND b.venue = %s AND b.timeframe = %s",
                    [key.symbol, key.venue, key.timeframe],
                ).fetchall()
            )
            plan = plan_merge(stored, incoming)
            result = plan.result(key, policy, dropped)  # raises: the transaction rolls back
            if len(plan.new):
                conn.execute(
                    f"INSERT INTO {self.table} (symbol, venue, timeframe, ts, {_COLS}) "
                    f"SELECT %s, %s, %s, ts, {_COLS} FROM incoming_bars i WHERE i.ts = ANY(%s)",
                    [
                        key.symbol,
                        key.venue,
                        key.timeframe,
                        [_to_datetime(ns) for ns in plan.new.index.asi8],
                    ],
                )
            if result.overwritten:
                conn.execute(
                    f"UPDATE {self.table} b SET "
                    + ", ".join(f"{c} = i.{c}" for c in BAR_COLUMNS)
                    + " FROM incoming_bars i WHERE b.ts = i.ts AND b.symbol = %s AND b.venue = %s"
                    " AND b.timeframe = %s AND i.ts = ANY(%s)",
                    [
                        key.symbol,
                        key.venue,
                        key.timeframe,
                        [_to_datetime(ns) for ns in plan.conflicts.index.asi8],
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


def _frame(rows: list[tuple]) -> pd.DataFrame:
    """Bars from (ts, open, high, low, close, volume) rows; NULL becomes NaN."""
    ts = np.array([_to_ns(r[0]) for r in rows], dtype="int64")
    columns = {
        c: np.array([np.nan if r[j + 1] is None else r[j + 1] for r in rows], dtype="float64")
        for j, c in enumerate(BAR_COLUMNS)
    }
    return bars_from_arrays(ts, columns)
