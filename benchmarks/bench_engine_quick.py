"""Quick timing of the vectorized engine: a 100,000-bar single backtest end to end, and the
stats-only kernel per parameter combination, against vectorbt when it is installed.

Run: .venv/bin/python benchmarks/bench_engine_quick.py [--bars 100000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from signaltrust.backtest import simulate_signals
from signaltrust.backtest.nb import layout, signals_stats_nb


def random_walk_bars(n_bars: int, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n_bars)))
    open_ = close * np.exp(rng.normal(0, 0.002, n_bars))
    index = pd.date_range("2000-01-01", periods=n_bars, freq="min", tz="UTC").as_unit("ns")
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) * 1.001,
            "low": np.minimum(open_, close) * 0.999,
            "close": close,
        },
        index=index,
    )


def sma_cross(close: pd.Series, fast: int, slow: int) -> tuple[pd.Series, pd.Series]:
    f, s = close.rolling(fast).mean(), close.rolling(slow).mean()
    return (f > s) & (f.shift(1) <= s.shift(1)), (f < s) & (f.shift(1) >= s.shift(1))


def best_of(func, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bars", type=int, default=100_000)
    args = parser.parse_args()
    bars = random_walk_bars(args.bars)
    entries, exits = sma_cross(bars["close"], 10, 30)
    options = {"cash": 1_000_000, "fees": 0.001, "slippage": 0.0002, "periods_per_year": 252 * 390}

    _ = simulate_signals(bars, entries, exits, **options).stats  # compile / load the cache
    ours = best_of(lambda: simulate_signals(bars, entries, exits, **options))
    ours_stats = best_of(lambda: simulate_signals(bars, entries, exits, **options).stats)
    print(
        f"signaltrust simulate_signals, {args.bars:,} bars: {ours * 1e3:.2f} ms "
        f"({ours_stats * 1e3:.2f} ms with .stats)"
    )

    arrays = [bars[c].to_numpy()[:, None].copy() for c in ("open", "high", "low", "close")]
    sig = [entries.to_numpy()[:, None].copy(), exits.to_numpy()[:, None].copy()]
    none = np.zeros_like(sig[0])
    kernel_args = (
        *arrays,
        *sig,
        none,
        none,
        1e6,
        0.001,
        0.0,
        0.0,
        0.0002,
        False,
        0,
        1.0,
        np.nan,
        np.nan,
        np.nan,
        1.0,
        False,
        252.0 * 390,
    )
    stats = signals_stats_nb(*kernel_args)
    per_combo = best_of(lambda: signals_stats_nb(*kernel_args), repeat=20)
    print(
        f"stats-only kernel per combination: {per_combo * 1e6:.0f} us "
        f"({args.bars / per_combo / 1e6:.0f} M bars/s on one core); "
        f"final equity {stats[layout.S_FINAL_EQUITY]:,.2f}"
    )

    try:
        import vectorbt as vbt
    except ImportError:
        print("vectorbt not installed: no comparison")
        return

    def vbt_run():
        return vbt.Portfolio.from_signals(
            bars["close"],
            entries,
            exits,
            price=bars["open"].shift(-1).to_numpy(),
            init_cash=1_000_000,
            fees=0.001,
            slippage=0.0002,
            freq="1min",
        )

    vbt_run()
    theirs = best_of(vbt_run)
    print(
        f"vectorbt from_signals, {args.bars:,} bars: {theirs * 1e3:.2f} ms; "
        f"ratio {theirs / ours:.1f}x"
    )


if __name__ == "__main__":
    main()
