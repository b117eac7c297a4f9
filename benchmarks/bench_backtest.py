"""Single SMA(10)/SMA(30) backtests: SignalTrust against vectorbt, backtesting.py and backtrader.

Run: .venv/bin/python benchmarks/bench_backtest.py [--bars 2148 100000] [--repeat 5]

Long only, all in, next-open fills, no costs, 1,000,000 cash; on GOOG (2,148 daily bars) and on
a seeded random walk of 100,000 bars. Each library runs end to end (indicators, signals,
simulation, final equity) after one warm-up run; the best of ``--repeat`` runs is kept. Prints
bars per second, SignalTrust's speed-up over each peer, and the final equities side by side to
show that they trade the same orders.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py's progress bar
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from peers import (  # noqa: E402
    backtesting_py_backtest,
    backtrader_backtest,
    random_walk_bars,
    vectorbt_backtest,
)

from signaltrust.backtest.api import run  # noqa: E402
from signaltrust.data.catalog import load  # noqa: E402

FAST, SLOW, CASH = 10, 30, 1_000_000.0


def signaltrust_backtest(bars: pd.DataFrame, fast: int, slow: int, cash: float) -> float:
    result = run(bars, "sma_cross", {"fast": fast, "slow": slow}, cash=cash, fees=0.0,
                 slippage=0.0)
    return float(result.equity.iloc[-1])


LIBRARIES: dict[str, Callable[..., float]] = {
    "signaltrust": signaltrust_backtest,
    "vectorbt": vectorbt_backtest,
    "backtesting.py": backtesting_py_backtest,
    "backtrader": backtrader_backtest,
}


def best_of(func: Callable[..., float], bars: pd.DataFrame, repeat: int) -> tuple[float, float]:
    equity = func(bars, FAST, SLOW, CASH)  # warm-up: compilation, caches, imports
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        equity = func(bars, FAST, SLOW, CASH)
        best = min(best, time.perf_counter() - start)
    return best, equity


def bench(label: str, bars: pd.DataFrame, repeat: int, skip: set[str]) -> dict[str, tuple]:
    n = len(bars)
    print(f"\n== {label}: {n:,} bars, SMA({FAST})/SMA({SLOW}), long only, all in, next open ==")
    print(f"{'library':<16}{'seconds':>10}{'bars/s':>16}{'signaltrust x':>15}{'final equity':>20}")
    rows: dict[str, tuple] = {}
    for name, func in LIBRARIES.items():
        if name in skip:
            continue
        reps = repeat if name in ("signaltrust", "vectorbt") else max(1, min(repeat, 2))
        try:
            seconds, equity = best_of(func, bars, reps)
        except ImportError as exc:
            print(f"{name:<16} not installed ({exc.name}): "
                  "pip install vectorbt backtesting backtrader")
            continue
        rows[name] = (seconds, equity)
    ours = rows["signaltrust"][0]
    for name, (seconds, equity) in rows.items():
        ratio = seconds / ours
        print(f"{name:<16}{seconds:>10.4f}{n / seconds:>16,.0f}{ratio:>14.1f}x{equity:>20,.2f}")
    reference = rows["signaltrust"][1]
    worst = max(abs(e / reference - 1) for _, e in rows.values())
    print(f"largest relative difference of final equity from SignalTrust's: {worst:.1e}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, nargs="+", default=[2148, 100_000],
                        help="2148 means the bundled GOOG data; other sizes a random walk")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip", nargs="*", default=[], help="libraries to leave out")
    args = parser.parse_args(argv)
    for n in args.bars:
        bars = load("goog") if n == 2148 else random_walk_bars(n)
        label = "GOOG daily" if n == 2148 else "random walk"
        bench(label, bars, args.repeat, set(args.skip))


if __name__ == "__main__":
    main()
