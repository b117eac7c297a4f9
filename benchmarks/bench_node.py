"""Trading-node speed: replayed events per second, bar-to-order latency, journal writes per second.

    .venv/bin/python benchmarks/bench_node.py [--bars 100000] [--latency-bars 5000]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

- **Replay**: a paper node running ``sma_cross`` over ``--bars`` random-walk daily bars, every
  step journalled (SQLite WAL, group commits of 64 steps), against the event backtest of the
  same strategy and bars (no journal): steps per second and the node's overhead.
- **Bar-to-order latency**: a live node on an in-process venue whose strategy orders on every
  bar: the time from handing the node a bar to the order leaving for the venue (pre-trade
  check, order router, journal commit of the step, outbox), p50 / p99 / max. The node's inputs
  are completed bars; a quote-driven strategy takes the same path.
- **Journal**: entries written per second, one transaction per entry and per 64 entries, on
  SQLite and (with ``--postgres``) PostgreSQL.

Benchmarks print figures; they never run as timed tests.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peers import random_walk_bars  # noqa: E402

from signaltrust import backtest  # noqa: E402
from signaltrust.live import codec  # noqa: E402
from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig  # noqa: E402
from signaltrust.live.node import TradingNode  # noqa: E402
from signaltrust.storage import Journal, open_database  # noqa: E402
from signaltrust.strategy import Strategy  # noqa: E402


class EveryBar(Strategy):
    """Buys one unit on even bars and sells it on odd ones: an order on every bar."""

    def on_bar(self, ctx, bar):
        ctx.order_target_units(bar.symbol, 1 if len(ctx.history(bar.symbol)) % 2 else 0)


def replay(bars: int) -> None:
    frame = random_walk_bars(bars)
    started = time.perf_counter()
    reference = backtest.run(frame, "sma_cross", engine="event")
    backtest_s = time.perf_counter() - started
    home = tempfile.mkdtemp()
    database = open_database(None, home)
    config = NodeConfig(name="bench", data=["random"], accounts=[
        AccountConfig(strategies=[StrategyConfig(spec="sma_cross")])])
    node = TradingNode(config, database, frames={"RW": frame})
    started = time.perf_counter()
    result = asyncio.run(node.run())
    node_s = time.perf_counter() - started
    same = result.__plain__()["final_equity"] == reference.stats["final_equity"]
    print(f"replay, {bars:,} bars, sma_cross: node {node_s:.2f}s ({bars / node_s:,.0f} steps/s, "
          f"{result.journal_entries:,} journal entries), event backtest {backtest_s:.2f}s "
          f"({bars / backtest_s:,.0f} bars/s); node/backtest time {node_s / backtest_s:.2f}x; "
          f"same final equity: {same}")


def latency(bars: int) -> None:
    from tests.live.fakevenue import fake_venue

    frame = random_walk_bars(bars)
    venue = fake_venue({"RW": frame})
    sent: list[int] = []
    submit = venue.execution.submit

    def timed_submit(order, now_ns):
        sent.append(time.perf_counter_ns())
        submit(order, now_ns)

    venue.execution.submit = timed_submit
    home = tempfile.mkdtemp()
    database = open_database(None, home)
    config = NodeConfig(name="lat", mode="live", symbols=["RW"], timeframe="1d", accounts=[
        AccountConfig(broker="fake", strategies=[
            StrategyConfig(spec=f"{Path(__file__).resolve()}:EveryBar")])])
    node = TradingNode(config, database, venues={"fake": venue}, poll_seconds=0.05)
    node.recover()
    step = frame.index[1] - frame.index[0]
    waits = []

    async def drive():
        for ts, row in frame.iterrows():
            venue.execution.last["RW"] = codec.Decimal(str(row.close))
            bar = {"bars": [{"symbol": "RW", "ts_ns": int(ts.value),
                             "end_ns": int((ts + step).value), "open": row.open,
                             "high": row.high, "low": row.low, "close": row.close,
                             "volume": row.volume}]}
            before, count = time.perf_counter_ns(), len(sent)
            node.step("bars", int((ts + step).value), bar)
            if len(sent) > count:
                waits.append((sent[count] - before) / 1e3)
            await asyncio.sleep(0)  # the venue fills; its reports reach the core

    asyncio.run(drive())
    waits.sort()
    p99 = waits[int(0.99 * (len(waits) - 1))]
    print(f"bar-to-order latency, {len(waits):,} orders (each step journalled before the order "
          f"leaves): p50 {statistics.median(waits):,.0f} us, p99 {p99:,.0f} us, "
          f"max {waits[-1]:,.0f} us")


def journal(url: str | None, label: str, n: int = 2000) -> None:
    home = tempfile.mkdtemp()
    schema = f"bench_{uuid.uuid4().hex[:8]}" if url else None
    database = open_database(url, home, schema=schema)
    entry = ("fill", 1, {"account": "main", "fill_id": "F1", "quantity": "10", "price": "101.5"})
    try:
        for batch in (1, 64):
            log = Journal(database, f"{label}-{batch}")
            started = time.perf_counter()
            for _ in range(n // batch):
                log.append([entry] * batch)
            elapsed = time.perf_counter() - started
            print(f"journal on {label}, {batch} entr{'y' if batch == 1 else 'ies'} per "
                  f"transaction: {(n // batch) * batch / elapsed:,.0f} entries/s "
                  f"({(n // batch) / elapsed:,.0f} commits/s)")
    finally:
        if schema:
            with database.engine.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--latency-bars", type=int, default=5_000)
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL for the journal figures")
    args = parser.parse_args()
    replay(args.bars)
    latency(args.latency_bars)
    journal(None, "sqlite")
    if args.postgres:
        journal(args.postgres, "postgresql")


if __name__ == "__main__":
    main()
