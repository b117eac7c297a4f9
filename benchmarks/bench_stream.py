"""Time the streaming indicators (signaltrust.ta.stream) one bar at a time.

Run: .venv/bin/python benchmarks/bench_stream.py [--bars 5000] [--repeat 3] [--only rsi macd]

For each indicator, prints the microseconds one ``update`` takes (the bars fed in a Python loop,
as live data arrives), the microseconds a bar costs when the batch function is recomputed over the
growing history at every bar instead (what a loop without streaming indicators does), and the
ratio recompute / stream. The batch function over the whole series once is shown for reference
(that is the cost per bar of a backtest, which sees all bars at once). Numba compiles (or loads
its cache) before any timing; the machine may be shared: repeat and take the best.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from signaltrust import ta
from signaltrust.ta import stream

CASES = [
    ("sma", {"timeperiod": 30}),
    ("ema", {"timeperiod": 30}),
    ("rsi", {"timeperiod": 14}),
    ("bbands", {"timeperiod": 20}),
    ("atr", {"timeperiod": 14}),
    ("macd", {}),
]


def make_bars(n: int, seed: int = 42) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]] * np.exp(rng.normal(0.0, 0.003, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.005, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.005, n)))
    volume = rng.integers(1_000, 1_000_000, n).astype(float)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def time_stream(name: str, params: dict, arrays: list[np.ndarray], repeat: int) -> float:
    """Best seconds per update over the bars, a fresh indicator each repeat."""
    rows = list(zip(*(array.tolist() for array in arrays), strict=True))
    best = float("inf")
    for _ in range(repeat):
        update = stream.create(name, **params).update
        start = time.perf_counter()
        for row in rows:
            update(*row)
        best = min(best, (time.perf_counter() - start) / len(rows))
    return best


def time_recompute(name: str, params: dict, arrays: list[np.ndarray], repeat: int) -> float:
    """Best seconds per bar when the batch function runs over bars[:t + 1] at every bar t."""
    function = getattr(ta, name)
    n = arrays[0].shape[0]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for end in range(1, n + 1):
            function(*(array[:end] for array in arrays), **params)
        best = min(best, (time.perf_counter() - start) / n)
    return best


def time_batch(name: str, params: dict, arrays: list[np.ndarray], repeat: int) -> float:
    """Best seconds per bar of one batch call over all the bars."""
    function = getattr(ta, name)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function(*arrays, **params)
        best = min(best, (time.perf_counter() - start) / arrays[0].shape[0])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", nargs="+", default=None, help="indicator names to time")
    options = parser.parse_args()
    bars = make_bars(options.bars)
    cases = [case for case in CASES if not options.only or case[0] in options.only]
    for name, params in cases:  # compile / load the numba cache
        function = getattr(ta, name)
        function(*(bars[field][:50] for field in stream.INDICATORS[name].inputs), **params)
    print(f"{options.bars:,} bars, best of {options.repeat}; microseconds per bar")
    header = f"{'indicator':<10} {'stream':>8} {'recompute':>10} {'ratio':>7} {'batch once':>11}"
    print(header)
    print("-" * len(header))
    for name, params in cases:
        arrays = [bars[field] for field in stream.INDICATORS[name].inputs]
        streamed = time_stream(name, params, arrays, options.repeat)
        recomputed = time_recompute(name, params, arrays, options.repeat)
        once = time_batch(name, params, arrays, options.repeat)
        print(
            f"{name:<10} {streamed * 1e6:>8.2f} {recomputed * 1e6:>10.1f} "
            f"{recomputed / streamed:>6.0f}x {once * 1e6:>11.3f}"
        )


if __name__ == "__main__":
    main()
