"""Vectors in PostgreSQL with the pgvector extension: the FAISS store's methods, in SQL.

Use it when the documents already live in PostgreSQL and several processes search the same
vectors. The as-of and symbol filters are a ``WHERE`` on the same query as the ordering by
cosine distance (``<=>``), so a future row can never be returned. Exact search by default;
build an HNSW index (:meth:`PgVectorStore.create_hnsw`) for millions of rows, knowing that
pgvector filters after the index scan there, so a selective filter can return fewer than
``k`` rows (raise ``hnsw.ef_search``).

The server needs the extension (``CREATE EXTENSION vector``, packaged as
``postgresql-<version>-pgvector``); without it, opening the store raises a StoreError that
says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from signaltrust.core.errors import StoreError, ValidationError
from signaltrust.text.documents import as_utc
from signaltrust.text.vectors import Hit, _check_k, check_vectors, times_ns

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _literal(row: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in row) + "]"


class PgVectorStore:
    """A pgvector table: key, available_ns, symbols, embedding vector(dim)."""

    def __init__(self, url: str, dim: int = 384, table: str = "text_vectors",
                 schema: str | None = None) -> None:
        self.url = url
        self.dim = dim
        self.table = table
        self.schema = schema
        self._engine: sa.Engine | None = None

    def _qualified(self) -> str:
        for name in (self.table, self.schema):
            if name is not None and not _NAME.match(name):
                raise ValidationError("a table or schema name is lower-case letters, digits "
                                      "and _", field="table", value=name, fix="e.g. text_vectors")
        return f'"{self.schema}"."{self.table}"' if self.schema else f'"{self.table}"'

    def _ready(self) -> sa.Engine:
        if self._engine is None:
            url = self.url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://"):]
            engine = sa.create_engine(url)
            table = self._qualified()
            try:
                with engine.begin() as conn:
                    conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
                    if self.schema:
                        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
                    conn.execute(sa.text(
                        f"CREATE TABLE IF NOT EXISTS {table} (id BIGSERIAL PRIMARY KEY, "
                        f"key TEXT NOT NULL UNIQUE, available_ns BIGINT NOT NULL, "
                        f"symbols TEXT NOT NULL DEFAULT '', embedding vector({int(self.dim)}) "
                        f"NOT NULL)"))
            except sa.exc.SQLAlchemyError as exc:
                engine.dispose()
                raise StoreError(
                    f"cannot open the pgvector store: {getattr(exc, 'orig', exc)}",
                    field="text.vectors", value=url.split("@")[-1],
                    fix="install pgvector on the server (postgresql-<version>-pgvector) and "
                    "check the URL, or use the FAISS store") from None
            self._engine = engine
        return self._engine

    def __len__(self) -> int:
        with self._ready().connect() as conn:
            return int(conn.execute(sa.text(f"SELECT count(*) FROM {self._qualified()}"))
                       .scalar_one())

    def add(self, keys: Sequence[str], vectors: np.ndarray, available_at: Sequence[Any],
            symbols: Sequence[Sequence[str]] | None = None) -> int:
        """Insert the rows whose key is new; returns how many were inserted."""
        keys = [str(k) for k in keys]
        array = check_vectors(vectors, self.dim, len(keys))
        stamps = times_ns(available_at)
        rows = [{"key": key, "available_ns": int(stamps[i]),
                 "symbols": f" {' '.join(sorted({s.upper() for s in symbols[i]}))} "
                 if symbols and symbols[i] else "",
                 "embedding": _literal(array[i])} for i, key in enumerate(keys)]
        if not rows:
            return 0
        statement = sa.text(
            f"INSERT INTO {self._qualified()} (key, available_ns, symbols, embedding) "
            "VALUES (:key, :available_ns, :symbols, CAST(:embedding AS vector)) "
            "ON CONFLICT (key) DO NOTHING")
        with self._ready().begin() as conn:
            result = conn.execute(statement, rows)
        return int(result.rowcount or 0)

    def search(self, query: np.ndarray, k: int = 10, *, as_of: Any = None,
               symbol: str | None = None) -> list[list[Hit]]:
        """The ``k`` nearest rows by cosine for each query, available at ``as_of``."""
        k = _check_k(k)
        queries = check_vectors(query, self.dim)
        where, params = [], {"k": k}
        if as_of is not None:
            where.append("available_ns <= :as_of")
            params["as_of"] = int(as_utc(as_of, "as_of").as_unit("ns").value)
        if symbol is not None:
            where.append("symbols LIKE :symbol")
            params["symbol"] = f"% {symbol.strip().upper()} %"
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        statement = sa.text(
            f"SELECT key, 1 - (embedding <=> CAST(:q AS vector)) AS score, available_ns "
            f"FROM {self._qualified()} {clause}ORDER BY embedding <=> CAST(:q AS vector) "
            "LIMIT :k")
        out = []
        with self._ready().connect() as conn:
            for row in queries:
                found = conn.execute(statement, {**params, "q": _literal(row)}).all()
                out.append([Hit(r.key, float(r.score),
                                pd.Timestamp(int(r.available_ns), unit="ns", tz="UTC"))
                            for r in found])
        return out

    def create_hnsw(self, m: int = 16, ef_construction: int = 64) -> None:
        """An approximate HNSW index on cosine distance (pgvector >= 0.5)."""
        with self._ready().begin() as conn:
            conn.execute(sa.text(
                f"CREATE INDEX IF NOT EXISTS {self.table}_hnsw ON {self._qualified()} USING "
                f"hnsw (embedding vector_cosine_ops) WITH (m = {int(m)}, "
                f"ef_construction = {int(ef_construction)})"))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


__all__ = ["PgVectorStore"]
