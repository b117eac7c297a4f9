"""The pgvector store: the FAISS store's as-of behaviour, where the extension exists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from signaltrust.core.errors import StoreError
from signaltrust.text.vectors import FaissVectorStore
from signaltrust.text.vectors_pg import PgVectorStore

T0 = pd.Timestamp("2024-03-05T10:00:00Z")


def _has_pgvector(url: str) -> bool:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
            ).scalar_one() > 0
    finally:
        engine.dispose()


def test_pg_store_when_extension_missing_then_store_error_says_install(postgres_url,
                                                                       postgres_schema):
    if _has_pgvector(postgres_url):
        pytest.skip("pgvector is installed on this server")
    store = PgVectorStore(postgres_url, dim=8, schema=postgres_schema)
    with pytest.raises(StoreError, match="pgvector") as info:
        len(store)
    assert "FAISS" in info.value.fix


def test_pg_store_when_future_rows_planted_then_same_answers_as_faiss(postgres_url,
                                                                      postgres_schema):
    if not _has_pgvector(postgres_url):
        pytest.skip("the pgvector extension is not available on this PostgreSQL")
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(300, 8)).astype(np.float32)
    times = list(T0 + pd.to_timedelta(rng.permutation(300), unit="min"))
    symbols = [("AAPL",) if i % 3 == 0 else ("MSFT",) for i in range(300)]
    keys = [f"k{i}" for i in range(300)]
    pg = PgVectorStore(postgres_url, dim=8, schema=postgres_schema)
    faiss_store = FaissVectorStore(dim=8)
    try:
        assert pg.add(keys, vectors, times, symbols) == 300
        assert pg.add(keys, vectors, times, symbols) == 0
        faiss_store.add(keys, vectors, times, symbols)
        queries = rng.normal(size=(5, 8))
        cut = T0 + pd.Timedelta(minutes=100)
        for kwargs in ({"as_of": cut}, {"as_of": cut, "symbol": "AAPL"}, {}):
            got = pg.search(queries, k=7, **kwargs)
            want = faiss_store.search(queries, k=7, **kwargs)
            assert [[h.key for h in row] for row in got] == [[h.key for h in row]
                                                             for row in want]
            if "as_of" in kwargs:
                assert all(h.available_at <= cut for row in got for h in row)
    finally:
        pg.close()
