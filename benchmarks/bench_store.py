"""Bar-store ingest speed: the Parquet lake against PostgreSQL, 600,000 bars written at once.

Run: .venv/bin/python benchmarks/bench_store.py [--bars 600000] [--repeat 3]
     [--url postgresql://postgres@127.0.0.1:5432/test] [--before GIT_REVISION]

Times, for each backend, the first write of N minute bars into an empty series (every bar new),
the same write again (every bar unchanged: the idempotency path) and a read of the whole series.
Each figure is the best of ``--repeat`` runs on a fresh series; the last lines print the
PostgreSQL / lake ratios. ``--before REV`` also times the PostgreSQL store as it was at that git
revision, its runs interleaved with today's so that a busy machine slows both alike, and prints
the speed-up. The PostgreSQL part is skipped when the server is unreachable. Benchmarks print
figures; they never fail on a target and never run as tests.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
import types
import uuid
from collections.abc import Callable
from pathlib import Path

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


def measure(
    backends: dict[str, Callable[[], object]], bars: pd.DataFrame, repeat: int
) -> dict[str, dict[str, float]]:
    """Seconds of a first write, a repeated write and a full read, per backend; the backends'
    runs are interleaved, and each figure is the best of ``repeat`` runs on fresh series."""
    best: dict[str, dict[str, float]] = {name: {} for name in backends}
    for _ in range(repeat):
        for name, make_store in backends.items():
            store, symbol = make_store(), f"B{uuid.uuid4().hex[:8]}"
            figures = {}
            start = time.perf_counter()
            first = store.write(bars, symbol=symbol, timeframe="1m")
            figures["first write"] = time.perf_counter() - start
            assert first.inserted == len(bars), first
            start = time.perf_counter()
            again = store.write(bars, symbol=symbol, timeframe="1m")
            figures["same write again"] = time.perf_counter() - start
            assert again.unchanged == len(bars), again
            start = time.perf_counter()
            assert len(store.read(symbol, "1m")) == len(bars)
            figures["read all"] = time.perf_counter() - start
            for figure, seconds in figures.items():
                best[name][figure] = min(best[name].get(figure, float("inf")), seconds)
    return best


def store_at(revision: str) -> type:
    """The PostgresBarStore class as it was at a git revision, on today's shared store code
    (bars the old class does not know, the hard-rule flags, are set aside before it writes)."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(
        ["git", "show", f"{revision}:src/signaltrust/data/store/postgres.py"], cwd=root,
        capture_output=True, text=True, check=True,
    ).stdout
    module = types.ModuleType(f"postgres_at_{revision}")
    exec(compile(source, f"postgres.py@{revision}", "exec"), module.__dict__)

    class Before(module.PostgresBarStore):
        def _write(self, key, incoming, policy, dropped):
            return super()._write(key, incoming.drop(columns="flags", errors="ignore"), policy,
                                  dropped)

        def close(self) -> None:
            pass

    return Before


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
    parser.add_argument("--before", default=None, help="git revision to compare PostgreSQL with")
    args = parser.parse_args(argv)

    from signaltrust.data.store import ParquetLake, PostgresBarStore

    bars = make_bars(args.bars)
    print(f"{args.bars:,} one-minute bars, best of {args.repeat}")
    backends: dict[str, Callable[[], object]] = {}
    stores: list = []
    schemas: list[str] = []
    folder = tempfile.TemporaryDirectory()
    backends["lake"] = lambda: ParquetLake(folder.name)
    reachable = postgres_reachable(args.url)
    if reachable:
        def opener(cls: type) -> Callable[[], object]:
            schema = f"st_bench_{uuid.uuid4().hex[:8]}"
            schemas.append(schema)

            def make() -> object:
                store = cls(args.url, schema=schema)
                stores.append(store)
                return store

            return make

        if args.before:
            backends[f"postgres@{args.before}"] = opener(store_at(args.before))
        backends["postgres"] = opener(PostgresBarStore)
    else:
        print(f"PostgreSQL unreachable at {args.url}: skipped")
    try:
        figures = measure(backends, bars, args.repeat)
    finally:
        for store in stores:
            store.close()
        folder.cleanup()
        if schemas:
            import psycopg

            with psycopg.connect(args.url, autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    for name, row in figures.items():
        for figure, seconds in row.items():
            print(f"{name:<22} {figure:<18} {seconds:8.3f} s  {args.bars / seconds:>12,.0f} bars/s")
    if "postgres" in figures:
        for figure, seconds in figures["postgres"].items():
            print(f"ratio postgres / lake, {figure:<18} {seconds / figures['lake'][figure]:6.1f}x")
    before = f"postgres@{args.before}"
    if before in figures:
        for figure, seconds in figures[before].items():
            print(f"speed-up postgres vs {args.before}, {figure:<18} "
                  f"{seconds / figures['postgres'][figure]:6.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
