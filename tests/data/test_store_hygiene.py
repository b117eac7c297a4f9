"""The store after things go wrong: killed writes, damaged files, wrong paths, racing first use."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pandas as pd
import pytest

from signaltrust.core.config import load_settings
from signaltrust.core.errors import StoreError
from signaltrust.data.catalog import load
from signaltrust.data.store import ParquetLake, PostgresBarStore, open_store

OHLCV = ["open", "high", "low", "close", "volume"]


def test_open_when_a_write_was_killed_then_its_temporary_file_is_removed(tmp_path):
    lake_path = tmp_path / "lake"
    ParquetLake(lake_path).write(load("goog")[OHLCV].iloc[:10], symbol="G", timeframe="1d")
    script = textwrap.dedent(f"""
        import time, pyarrow.parquet as pq
        from signaltrust.data.catalog import load
        from signaltrust.data.store import ParquetLake

        def stuck(table, sink, **kwargs):
            sink.write(b"PAR1 half a file")
            sink.flush()
            print("writing", flush=True)
            time.sleep(60)

        pq.write_table = stuck
        ParquetLake({str(lake_path)!r}).write(load("goog")[{OHLCV!r}], symbol="G", timeframe="1d")
    """)
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "writing"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    folder = ParquetLake(lake_path).file_for("G", "1d").parent
    assert len(list(folder.glob(".bars-*.tmp"))) == 1  # what kill -9 leaves behind
    reopened = ParquetLake(lake_path)
    assert reopened.recover() == 1
    assert [p.name for p in folder.iterdir()] == ["bars.parquet"]
    assert len(reopened.read("G", "1d")) == 10  # the series itself is whole


def test_open_store_when_temporaries_are_left_then_the_default_lake_sweeps_them(isolated_home):
    lake = open_store(load_settings())
    lake.write(load("goog")[OHLCV].iloc[:5], symbol="G", timeframe="1d")
    stale = lake.file_for("G", "1d").parent / ".bars-dead.tmp"
    stale.write_bytes(b"x" * 1000)
    open_store(load_settings())
    assert not stale.exists()


def test_list_when_one_file_is_damaged_then_the_others_are_listed_and_it_is_named(tmp_path):
    lake = ParquetLake(tmp_path / "lake")
    lake.write(load("goog")[OHLCV].iloc[:5], symbol="A", timeframe="1d")
    lake.write(load("goog")[OHLCV].iloc[:7], symbol="B", timeframe="1d")
    lake.file_for("A", "1d").write_bytes(b"PAR1 not really parquet PAR1")
    fresh = ParquetLake(tmp_path / "lake")
    assert fresh.list()[["symbol", "bars"]].values.tolist() == [["B", 7]]
    damaged = fresh.damaged()
    assert len(damaged) == 1 and "symbol=A" in damaged[0][0]
    with pytest.raises(StoreError, match="cannot be read"):
        fresh.read("A", "1d")


def test_write_when_lake_path_is_a_file_then_store_error_names_it(tmp_path):
    path = tmp_path / "not-a-folder"
    path.write_text("x")
    lake = ParquetLake(path)
    with pytest.raises(StoreError) as caught:
        lake.write(load("goog")[OHLCV].iloc[:5], symbol="G", timeframe="1d")
    assert str(path) in str(caught.value) and "SIGNALTRUST__STORE__PATH" in caught.value.fix
    with pytest.raises(StoreError, match="is a file"):
        lake.list()


def test_postgres_when_url_is_malformed_then_error_hides_the_password():
    store = PostgresBarStore("postgresql://trader:hunter2@127.0.0.1:notaport/test")
    with pytest.raises(StoreError) as caught:
        store.list()
    shown = str(caught.value) + repr(caught.value.to_dict())
    assert "hunter2" not in shown and "********" in shown


def _open_new_schema(url: str, schema: str, go, results) -> None:
    store = PostgresBarStore(url, schema)
    try:
        go.wait()
        bars = load("goog")[OHLCV].iloc[:20]
        store.write(bars, symbol=f"P{os.getpid()}", timeframe="1d")
        results.put(("ok", len(store.read(f"P{os.getpid()}", "1d"))))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_when_eight_processes_open_a_new_schema_at_once_then_all_succeed(postgres_url):
    import psycopg

    # children forked from a fresh server process (no threads inherited from this one) that
    # has imported the store once
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    rounds, processes = 3, 8
    outcomes = []
    for _ in range(rounds):
        schema = f"st_race_{uuid.uuid4().hex[:10]}"
        go, results = context.Barrier(processes), context.Queue()
        workers = [context.Process(target=_open_new_schema,
                                   args=(postgres_url, schema, go, results))
                   for _ in range(processes)]
        try:
            for worker in workers:
                worker.start()
            outcomes += [results.get(timeout=120) for _ in workers]
            for worker in workers:
                worker.join(timeout=60)
        finally:
            with psycopg.connect(postgres_url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    assert outcomes == [("ok", 20)] * (rounds * processes)


@pytest.mark.postgres
def test_postgres_when_writes_repeat_then_pooled_connections_are_reused(
    postgres_url, postgres_schema
):
    store = PostgresBarStore(postgres_url, postgres_schema)
    try:
        bars = load("goog")[OHLCV].iloc[:50]
        start = time.perf_counter()
        for _ in range(5):
            store.write(bars, symbol="G", timeframe="1d")
        assert time.perf_counter() - start < 60  # a smoke bound, not a speed test
        assert store._pool is not None and store._pool.get_stats()["connections_num"] <= 4
        pd.testing.assert_frame_equal(store.read("G", "1d"), bars, check_freq=False)
    finally:
        store.close()
