"""Sweeps on 1 thread against 2 threads, with the machine idle and with a busy CPU beside them.

Run: .venv/bin/python benchmarks/bench_sweep_load.py [--repeat 21] [--burners 1] [--pin]
     [--only sma_cross|bollinger_rsi]

Two sweeps, each timed on 1 thread, on 2 threads (``sweep(..., threads=n)``) and with the default
(``threads=None``: the CPUs no other process is using when the sweep starts), runs interleaved
so that a change in the machine's load falls on every setting alike:

- ``sma_cross``: fast 5..50 x slow 20..200 step 5 with fast < slow (1,590 combinations) on GOOG
  (2,148 bars), no costs: the fused crossover pass;
- ``bollinger_rsi``: period 10..40 step 5 x nbdev 1.5, 2, 2.5 x rsi_entry 20..35 step 5 x
  rsi_exit 50, 60 (168 combinations) on GOOG, costs on: the general pass (signal kernel, then
  the stats-only step per combination).

First with nothing else started, then with ``--burners`` background processes that spin a
Python busy loop (``--pin`` pins them to the last CPUs this process may use, else the
scheduler places them). For each sweep, setting and load: the compiled pass (``elapsed``) and
the end-to-end call, best and median of ``--repeat`` runs, the ratios of the medians to the
1-thread one (below 1: faster than one thread), and how many threads the default used. The
load average is printed before each phase: other jobs on the machine show up there.
Benchmarks print figures; they never fail on a target, and they never run as tests.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from signaltrust.backtest.sweep import sweep  # noqa: E402
from signaltrust.data.catalog import load  # noqa: E402

SMA_GRID = {"fast": list(range(5, 51)), "slow": list(range(20, 201, 5))}
BOLLINGER_GRID = {"period": list(range(10, 41, 5)), "nbdev": [1.5, 2.0, 2.5],
                  "rsi_entry": [20.0, 25.0, 30.0, 35.0], "rsi_exit": [50.0, 60.0]}


def burn(cpu: int | None) -> None:
    """A busy loop for the background load (runs until terminated)."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    x = 0
    while True:
        x = (x + 1) % 1_000_003


def start_burners(count: int, pin: bool) -> list[mp.Process]:
    cpus = sorted(os.sched_getaffinity(0))
    burners = []
    for i in range(count):
        cpu = cpus[-1 - i % len(cpus)] if pin else None
        process = mp.Process(target=burn, args=(cpu,), daemon=True)
        process.start()
        burners.append(process)
    time.sleep(0.5)  # let them reach their loop
    return burners


def stop_burners(burners: list[mp.Process]) -> None:
    for process in burners:
        process.terminate()
    for process in burners:
        process.join()


#: the thread settings timed: 1 thread, 2 threads, and the default (threads=None: the CPUs
#: free at the start, at most numba's thread count)
SETTINGS: dict[str, int | None] = {"1 thread": 1, "2 threads": 2, "default": None}


def sweeps(bars) -> dict[str, Callable[[int | None], object]]:
    return {
        "sma_cross": lambda n: sweep(bars, "sma_cross", SMA_GRID, cash=1_000_000.0, fees=0.0,
                                     slippage=0.0, threads=n),
        "bollinger_rsi": lambda n: sweep(bars, "bollinger_rsi", BOLLINGER_GRID, threads=n),
    }


def time_settings(call: Callable[[int | None], object], repeat: int) -> dict[str, dict]:
    """{setting: {"pass": [...], "total": [...], "threads": [...]}} over ``repeat`` interleaved
    runs."""
    figures: dict[str, dict] = {name: {"pass": [], "total": [], "threads": []}
                                for name in SETTINGS}
    for _ in range(repeat):
        for name, threads in SETTINGS.items():
            # numba's OpenMP threads spin for some milliseconds after a parallel loop: let them
            # stop, so that one setting's spinning does not fall on the next one's run
            time.sleep(0.03)
            start = time.perf_counter()
            result = call(threads)
            figures[name]["total"].append(time.perf_counter() - start)
            figures[name]["pass"].append(result.elapsed)
            figures[name]["threads"].append(getattr(result, "threads", threads))
    return figures


def report(label: str, figures: dict[str, dict]) -> None:
    for kind in ("pass", "total"):
        medians = {name: statistics.median(f[kind]) for name, f in figures.items()}
        line = f"  {label:<14}{kind:<6}"
        for name, f in figures.items():
            best = min(f[kind]) * 1e3
            line += f" | {name}: best {best:6.2f} median {medians[name] * 1e3:6.2f} ms"
        one = medians["1 thread"]
        line += (f" | median ratio 2/1 {medians['2 threads'] / one:4.2f},"
                 f" default/1 {medians['default'] / one:4.2f}")
        print(line, flush=True)
    used = figures["default"]["threads"]
    counts = {n: used.count(n) for n in sorted(set(used), key=str)}
    print(f"  {'':<14}default ran on: " + ", ".join(f"{n} threads x{c}" for n, c in counts.items()),
          flush=True)


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min), {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--burners", type=int, default=1)
    parser.add_argument("--pin", action="store_true", help="pin each burner to one CPU")
    parser.add_argument("--only", choices=["sma_cross", "bollinger_rsi"])
    args = parser.parse_args(argv)
    bars = load("goog")
    calls = sweeps(bars)
    if args.only:
        calls = {args.only: calls[args.only]}
    for call in calls.values():  # load the compiled kernels (or compile them) first
        for threads in SETTINGS.values():
            call(threads)
    phases = [("idle", 0), (f"loaded ({args.burners} busy loop{'s' if args.burners > 1 else ''}"
                             f"{', pinned' if args.pin else ''})", args.burners)]
    for phase, count in phases:
        print(f"== {phase}: {load_line()} ==", flush=True)
        burners = start_burners(count, args.pin) if count else []
        try:
            for label, call in calls.items():
                report(label, time_settings(call, args.repeat))
        finally:
            stop_burners(burners)


if __name__ == "__main__":
    main()
