"""Trades per second through bar building and VPIN; book updates per second through the
microstructure features.

Run: .venv/bin/python benchmarks/bench_microstructure.py [--trades 10000000] [--quotes 1000000]
     [--book 200000] [--repeat 3]

Synthetic, seeded data (no tick data ships). Each step runs once to compile (numba, cached on
disk) and then ``--repeat`` times; the best time is kept. Figures:

- kernels: the numba kernels on arrays (what a replay or a node calls): volume bars (ends and
  aggregation), dollar bars, tick imbalance bars, and VPIN (volume buckets of exactly 1/50 of
  the mean daily volume, bulk-volume classification, rolling mean); the goal is 10 million
  trades through bar building and VPIN in under a second;
- API: the same through the pandas functions (frame checks and conversions included), and
  pandas' own ``resample().ohlc()`` for one-minute bars, the peer a user would otherwise pick;
- book: quote updates per second through microprice, spread and order-flow imbalance, and L2
  deltas per second through ``book_levels`` (the book rebuilt message by message).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from signaltrust.data import info_bars_nb as bars_nb
from signaltrust.data.info_bars import time_bars, volume_bars
from signaltrust.data.ticks_book import book_levels
from signaltrust.features import microstructure_nb as micro_nb
from signaltrust.features.microstructure import microprice, order_flow_imbalance, spread, vpin


def best(step: Callable[[], object], repeat: int) -> float:
    step()  # compile / warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic_trades(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    ts = 1_704_153_600_000_000_000 + np.cumsum(rng.integers(1, 20_000_000, n))
    price = 100.0 + np.cumsum(rng.normal(0.0, 0.01, n))
    size = rng.exponential(1.0, n)
    return {"ts": ts, "price": price, "size": size}


def synthetic_quotes(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mid = 100 + np.cumsum(rng.choice([-0.01, 0.0, 0.0, 0.01], n))
    return pd.DataFrame({"bid": mid - 0.005, "ask": mid + 0.005,
                         "bid_size": rng.integers(1, 50, n) * 1.0,
                         "ask_size": rng.integers(1, 50, n) * 1.0})


def synthetic_book(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    levels = 20
    snap_bid = 100 - 0.01 * np.arange(1, levels + 1)
    snap_ask = 100 + 0.01 * np.arange(levels)
    side = rng.choice(np.array([1, -1], dtype=np.int8), n)
    offset = rng.integers(0, levels, n)
    price = np.where(side > 0, 100 - 0.01 * (offset + 1), 100 + 0.01 * offset).round(2)
    size = np.where(rng.random(n) < 0.2, 0.0, rng.integers(1, 20, n) * 1.0)
    frame = pd.DataFrame({
        "ts": pd.to_datetime(1_704_153_600_000_000_000 + np.arange(2 * levels + n) * 1000,
                             unit="ns", utc=True),
        "seq": np.concatenate([np.zeros(2 * levels, dtype=np.int64), np.arange(1, n + 1)]),
        "side": np.concatenate([np.ones(levels, np.int8), -np.ones(levels, np.int8), side]),
        "price": np.concatenate([snap_bid.round(2), snap_ask.round(2), price]),
        "size": np.concatenate([np.full(2 * levels, 10.0), size]),
        "snapshot": np.concatenate([np.ones(2 * levels, bool), np.zeros(n, bool)])})
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=10_000_000)
    parser.add_argument("--quotes", type=int, default=1_000_000)
    parser.add_argument("--book", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, repeat = args.trades, args.repeat
    t = synthetic_trades(n)
    ts, price, size = t["ts"], t["price"], t["size"]
    bucket = float(size.sum() / max(n / 100_000, 1) / 50)  # 50 buckets a "day" of 100k trades

    def volume_kernel() -> None:
        bars_nb.aggregate(ts, price, size, bars_nb.threshold_ends(size, 100.0))

    def dollar_kernel() -> None:
        bars_nb.aggregate(ts, price, size, bars_nb.threshold_ends(price * size, 10_000.0))

    def imbalance_kernel() -> None:
        signed = bars_nb.tick_rule(price).astype(np.float64)
        bars_nb.aggregate(ts, price, size, bars_nb.imbalance_ends(
            signed, 100.0, 2 / 21, 2 / 1001, 25.0, 400.0))

    def vpin_kernel() -> None:
        end_ts, close = micro_nb.volume_buckets(ts, price, size, bucket)
        micro_nb.bvc_vpin(price[0], close, 50, 50)

    def bars_and_vpin() -> None:
        volume_kernel()
        vpin_kernel()

    print(f"trades: {n:,} (synthetic); VPIN bucket {bucket:.1f} units, window 50")
    rows = [("volume bars (kernel)", volume_kernel), ("dollar bars (kernel)", dollar_kernel),
            ("tick imbalance bars (kernel)", imbalance_kernel), ("VPIN (kernel)", vpin_kernel),
            ("volume bars + VPIN (kernels)", bars_and_vpin)]
    for name, step in rows:
        seconds = best(step, repeat)
        print(f"  {name:34s} {seconds:7.3f} s  {n / seconds / 1e6:8.1f} M trades/s")

    frame = pd.DataFrame({"ts": pd.to_datetime(ts, unit="ns", utc=True), "price": price,
                          "size": size})
    api = [("volume_bars (API)", lambda: volume_bars(frame, 100.0)),
           ("vpin (API)", lambda: vpin(frame, bucket, 50)),
           ("time_bars 1m (API)", lambda: time_bars(frame, "1m")),
           ("pandas resample('1min').ohlc()",
            lambda: frame.set_index("ts")["price"].resample("1min").ohlc())]
    for name, step in api:
        seconds = best(step, repeat)
        print(f"  {name:34s} {seconds:7.3f} s  {n / seconds / 1e6:8.1f} M trades/s")

    quotes = synthetic_quotes(args.quotes)

    def quote_features() -> None:
        microprice(quotes)
        spread(quotes)
        order_flow_imbalance(quotes, window=100)

    seconds = best(quote_features, repeat)
    print(f"quotes: {args.quotes:,}; microprice + spread + OFI(100): {seconds:.3f} s, "
          f"{args.quotes / seconds / 1e6:.1f} M updates/s")
    book = synthetic_book(args.book)
    seconds = best(lambda: book_levels(book, depth=5), repeat)
    print(f"L2 deltas: {args.book:,}; book_levels(depth=5): {seconds:.3f} s, "
          f"{args.book / seconds / 1e3:.0f} k messages/s")


if __name__ == "__main__":
    main()
