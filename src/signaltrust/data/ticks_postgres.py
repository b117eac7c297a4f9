"""Tick data in PostgreSQL: one table per kind (``ticks_trades``, ``ticks_quotes``,
``ticks_book``), the same checks and idempotence as the tick lake.

Times are kept as ``ts_ns`` (bigint UTC nanoseconds: ``timestamptz`` stops at microseconds).
A write is checked (:func:`signaltrust.data.ticks.check_ticks`; any issue refuses it whole),
merged with the stored rows of its time span and checked again (a contradicting record shows
as an out-of-order sequence number), then inserted with ``ON CONFLICT DO NOTHING`` on the
whole record, in one transaction, one writer per series at a time (an advisory lock).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import StoreError, ValidationError
from signaltrust.data.ticks import (
    COLUMNS,
    TickQualityError,
    check_kind,
    check_ticks,
    ns,
    require_clean,
    tick_frame,
)
from signaltrust.data.ticks_lake import TickWriteResult

_SQL_TYPES = {"float64": "double precision", "int8": "smallint", "int64": "bigint",
              "object": "text", "bool": "boolean"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _fields(kind: str) -> list[str]:
    return [c for c in COLUMNS[kind] if c != "ts"]


class TickPostgres:
    """Trades, quotes and book messages in PostgreSQL (psycopg 3), tables made on first use."""

    def __init__(self, url: str, schema: str = "signaltrust") -> None:
        if not _NAME.match(schema or ""):
            raise ValidationError("bad PostgreSQL schema name", field="schema", value=schema,
                                  fix="use letters, digits and underscores")
        self.url = url
        self.schema = schema

    def __repr__(self) -> str:  # never the URL: it may hold a password
        return f"TickPostgres(schema={self.schema!r})"

    def table(self, kind: str) -> str:
        return f'"{self.schema}".ticks_{check_kind(kind)}'

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError("cannot connect to PostgreSQL", field="url",
                             value=type(exc).__name__,
                             fix="check the URL and that the server runs") from None

    def _set_up(self, conn: Any, kind: str) -> None:
        columns = ", ".join(f"{c} {_SQL_TYPES[COLUMNS[kind][c]]} NOT NULL" for c in _fields(kind))
        key = ", ".join(["symbol", "venue", "ts_ns", *_fields(kind)])
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('signaltrust.ticks'), "
                     "hashtext(%s))", [self.schema])
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        conn.execute(f"CREATE TABLE IF NOT EXISTS {self.table(kind)} (id bigserial, "
                     'symbol text COLLATE "C" NOT NULL, venue text COLLATE "C" NOT NULL, '
                     f"ts_ns bigint NOT NULL, {columns}, UNIQUE ({key}))")

    def _select(self, conn: Any, kind: str, symbol: str, venue: str, lo: int | None,
                hi: int | None) -> pd.DataFrame:
        fields = _fields(kind)
        sql = (f"SELECT ts_ns, {', '.join(fields)} FROM {self.table(kind)} "
               "WHERE symbol = %s AND venue = %s")
        params: list[Any] = [symbol, venue]
        if lo is not None:
            sql += " AND ts_ns >= %s"
            params.append(lo)
        if hi is not None:
            sql += " AND ts_ns < %s"
            params.append(hi)
        rows = conn.execute(sql + " ORDER BY ts_ns, seq, id", params).fetchall()
        if not rows:
            return tick_frame(pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                                            COLUMNS[kind].items()}), kind)
        frame = pd.DataFrame(rows, columns=["ts", *fields])
        frame["ts"] = pd.to_datetime(frame["ts"].astype(np.int64), unit="ns", utc=True)
        return tick_frame(frame, kind)

    def write(self, frame: pd.DataFrame, kind: str, symbol: str,
              venue: str = "SIM") -> TickWriteResult:
        """Check and store ``frame``; refuses it whole (:class:`TickQualityError`) on any issue."""
        ticks = require_clean(frame, kind)
        if ticks.empty:
            return TickWriteResult(kind, symbol, venue, 0, 0, ())
        stamps = ns(ticks["ts"])
        fields = _fields(kind)
        with self._connect() as conn, conn.transaction():
            self._set_up(conn, kind)
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))",
                         [f"ticks:{kind}", f"{symbol}\x1f{venue}"])
            old = self._select(conn, kind, symbol, venue, int(stamps.min()),
                               int(stamps.max()) + 1)
            merged = pd.concat([old, ticks], ignore_index=True).drop_duplicates(
                ignore_index=True).sort_values(["ts", "seq"], kind="stable", ignore_index=True)
            report = check_ticks(merged, kind)
            if not report.ok:
                raise TickQualityError(report)
            if len(merged) == len(old):
                return TickWriteResult(kind, symbol, venue, len(ticks), 0, ())
            values = [[symbol, venue, int(t), *row] for t, row in zip(
                stamps, ticks[fields].itertuples(index=False, name=None), strict=True)]
            placeholders = ", ".join(["%s"] * (3 + len(fields)))
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.table(kind)} (symbol, venue, ts_ns, {', '.join(fields)}) "
                    f"VALUES ({placeholders}) ON CONFLICT DO NOTHING",
                    [[_plain(v) for v in row] for row in values])
            days = tuple(sorted(set(pd.DatetimeIndex(ticks["ts"]).strftime("%Y-%m-%d"))))
            return TickWriteResult(kind, symbol, venue, len(ticks), len(merged) - len(old), days)

    def read(self, kind: str, symbol: str, venue: str = "SIM", start: Any = None,
             end: Any = None) -> pd.DataFrame:
        """The stored ticks with ``start <= ts < end`` (either may be None), in time order."""
        lo = None if start is None else int(ns(pd.Series([pd.Timestamp(start)]))[0])
        hi = None if end is None else int(ns(pd.Series([pd.Timestamp(end)]))[0])
        with self._connect() as conn, conn.transaction():
            self._set_up(conn, kind)
            return self._select(conn, kind, symbol, venue, lo, hi)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


__all__ = ["TickPostgres"]
