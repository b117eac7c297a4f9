"""Time signaltrust.ta against TA-Lib on 100,000 and 1,000,000 synthetic bars.

Run: .venv/bin/python benchmarks/bench_indicators.py [--bars 100000 1000000] [--repeat 5]
     [--only atr macd]
Prints, per indicator, the best time of each library and the ratio ours / TA-Lib (target: <= 2).
Numba compiles (or loads its cache) before any timing. Both libraries are called through their
public Python functions on the same contiguous float64 arrays, so each time includes its input
checks and the NumPy allocation of its outputs. The machine is shared: repeat and take the best.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import talib  # noqa: E402

from signaltrust import ta  # noqa: E402
from ta.cases import ALL_CASES, TALIB_CASES  # noqa: E402


def make_bars(n: int, seed: int = 42) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]] * np.exp(rng.normal(0.0, 0.003, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.005, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.005, n)))
    volume = rng.integers(1_000, 1_000_000, n).astype(float)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def best_time(func, args, params, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args, **params)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="+", default=None, help="indicator names to time")
    options = parser.parse_args()
    cases = [case for case in ALL_CASES if not case[2]] + [
        c for c in TALIB_CASES if c[0] == "cci" and c[2]
    ]
    if options.only:
        cases = [case for case in cases if case[0] in options.only]
    warm = make_bars(500)
    for name, inputs, params in cases:  # compile / load the numba cache
        getattr(ta, name)(*[warm[c] for c in inputs], **params)
    for n in options.bars:
        bars = make_bars(n)
        print(f"\n{n:,} bars (best of {options.repeat})")
        print(f"{'indicator':<22}{'signaltrust ms':>15}{'TA-Lib ms':>12}{'ratio':>8}")
        ratios = []
        for name, inputs, params in cases:
            args = [bars[c] for c in inputs]
            label = name + (
                "" if not params else "(" + ",".join(f"{v}" for v in params.values()) + ")"
            )
            ours = best_time(getattr(ta, name), args, params, options.repeat) * 1e3
            if name in ta.TALIB_COMPATIBLE:
                theirs = best_time(getattr(talib, name.upper()), args, params, options.repeat) * 1e3
                ratio = ours / theirs
                ratios.append(ratio)
                print(f"{label:<22}{ours:>15.2f}{theirs:>12.2f}{ratio:>8.2f}")
            else:
                print(f"{label:<22}{ours:>15.2f}{'-':>12}{'-':>8}")
        if not ratios:
            continue
        ratios_array = np.array(ratios)
        print(
            f"ratio ours/TA-Lib: median {np.median(ratios_array):.2f}, worst {ratios_array.max():.2f}, "
            f"within 2x: {(ratios_array <= 2).sum()}/{len(ratios_array)}"
        )


if __name__ == "__main__":
    main()
