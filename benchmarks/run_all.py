"""Run every SignalTrust benchmark in one go (``make bench``): indicators, single backtests, sweeps.

Run: .venv/bin/python benchmarks/run_all.py [--quick]

Each script runs in its own process, one after the other, so that one library's memory or
threads do not disturb the next measurement. ``--quick`` shrinks the big sweep (1,000
combinations x 100,000 bars) for a fast look. Benchmarks print figures; they never fail on a
target, and they never run as tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts(quick: bool) -> list[list[str]]:
    out: list[list[str]] = []
    if (HERE / "bench_indicators.py").exists():  # written alongside the ta package
        out.append(["bench_indicators.py"] + (["--bars", "100000"] if quick else []))
    out.append(["bench_backtest.py"])
    if (HERE / "bench_event.py").exists():  # the event engine against backtesting.py, backtrader
        out.append(["bench_event.py"])
    big = ["--big-bars", "100000", "--big-combos", "1000"] if quick else []
    out.append(["bench_sweep.py", *big])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller big sweep")
    args = parser.parse_args(argv)
    failed = []
    for command in scripts(args.quick):
        print(f"\n##### {' '.join(command)}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / command[0]), *command[1:]])
        print(f"##### {command[0]} finished in {time.perf_counter() - start:.0f} s (exit {code})",
              flush=True)
        if code != 0:
            failed.append(command[0])
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
