"""Bar-store ingest speed: the Parquet lake against PostgreSQL, 600,000 bars written at once.

Run: .venv/bin/python benchmarks/bench_store.py [--bars 600000] [--repeat 3]
     [--url postgresql://postgres@127.0.0.1:5432/test]

Times, for each backend, the first write of N minute bars into an empty series (every bar new),
the same write again (every bar unchanged: the idempotency path) and a read of the whole series.
Each figure is the best of ``--repeat`` runs on a fresh series; the last lines print the
PostgreSQL / lake ratios. The PostgreSQL part is skipped when the server is unreachable.
Benchmarks print figures; they never fail on a target and never run as tests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable

import numpy as np
import pandas as pd


def make_bars(n: int, seed: int = 0) -> pd.DataFrame:
    """N one-minute bars that pass every hard rule (positive, high >= max(open, close) ...)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-4, n)))
    open_ = np.r_[close[0], close[:-1]]
    spread = np.abs(rng.normal(0.0, 2e-4, n)) * close
    index = pd.date_range("2015-01-01", periods=n, freq="1min", tz="UTC", name="timestamp")
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + spread,
            "low": np.minimum(open_, close) - spread,
            "close": close,
            "volume": rng.integers(1, 10_000, n).astype(float),
        },
        index=index.as_unit("ns"),
    )


def best_of(repeat: int, setup: Callable[[], object], action: Callable[[object], object]) -> float:
    times = []
    for _ in range(repeat):
        state = setup()
        start = time.perf_counter()
        action(state)
        times.append(time.perf_counter() - start)
    return min(times)


def measure(make_store: Callable[[], object], bars: pd.DataFrame, repeat: int) -> dict[str, float]:
    """Seconds for a first write, a repeated write and a full read on fresh series."""

    def fresh() -> tuple[object, str]:
        return make_store(), f"B{uuid.uuid4().hex[:8]}"

    def first(state) -> None:
        store, symbol = state
        result = store.write(bars, symbol=symbol, timeframe="1m")
        assert result.inserted == len(bars), result

    def written() -> tuple[object, str]:
        store, symbol = fresh()
        store.write(bars, symbol=symbol, timeframe="1m")
        return store, symbol

    def again(state) -> None:
        store, symbol = state
        result = store.write(bars, symbol=symbol, timeframe="1m")
        assert result.unchanged == len(bars), result

    def read(state) -> None:
        store, symbol = state
        assert len(store.read(symbol, "1m")) == len(bars)

    return {
        "first write": best_of(repeat, fresh, first),
        "same write again": best_of(repeat, written, again),
        "read all": best_of(repeat, written, read),
    }


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=600_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)

    from signaltrust.data.store import ParquetLake, PostgresBarStore

    bars = make_bars(args.bars)
    print(f"{args.bars:,} one-minute bars, best of {args.repeat}")
    with tempfile.TemporaryDirectory() as folder:
        lake = measure(lambda: ParquetLake(folder), bars, args.repeat)
    for name, seconds in lake.items():
        print(f"lake       {name:<18} {seconds:8.3f} s  {args.bars / seconds:>12,.0f} bars/s")
    if not postgres_reachable(args.url):
        print(f"PostgreSQL unreachable at {args.url}: skipped")
        return 0
    schema = f"st_bench_{uuid.uuid4().hex[:8]}"
    stores: list = []

    def open_postgres():
        store = PostgresBarStore(args.url, schema=schema)
        stores.append(store)
        return store

    try:
        pg = measure(open_postgres, bars, args.repeat)
    finally:
        import psycopg

        for store in stores:
            getattr(store, "close", lambda: None)()
        with psycopg.connect(args.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    for name, seconds in pg.items():
        print(f"postgres   {name:<18} {seconds:8.3f} s  {args.bars / seconds:>12,.0f} bars/s")
    for name in pg:
        print(f"ratio postgres / lake, {name:<18} {pg[name] / lake[name]:6.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
