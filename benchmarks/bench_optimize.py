"""Parameter search on the GOOG grid: distinct trials and seconds per study storage.

Run: .venv/bin/python benchmarks/bench_optimize.py [--trials 100] [--method tpe]

The search of the issue's check (``sma_cross``, fast 5..50 step 5 x slow 20..200 step 20, so
90 feasible sets; ``--trials`` asked) with each storage: in memory, the journal file (the
command line's default) and SQLite. Prints, per storage, the seconds of the whole call
(statistics included), the trials in the study, the distinct parameter sets and the count the
deflated Sharpe ratio uses. Measured on a shared 2-core machine (2026-12-07), in one process:
memory 1.8 s, journal 3.5 s, SQLite 15.6 s, 90 distinct sets of 90. The command end to end
(imports included): 6.7 s (journal default) against 46 s before (SQLite default, 100 trials
of which 44 distinct sets, the best (10, 20) shown ten times). Benchmarks print figures; they never
fail on a target, and they never run as tests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from signaltrust.optimize import optimize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--method", default="tpe")
    args = parser.parse_args()
    space = ["fast=5:50:5", "slow=20:200:20"]
    with tempfile.TemporaryDirectory() as folder:
        stores = {"memory": "memory", "journal": str(Path(folder) / "optuna.journal"),
                  "sqlite": f"sqlite:///{Path(folder) / 'optuna.db'}"}
        print(f"{'storage':<8} {'seconds':>8} {'trials':>7} {'distinct':>9} {'deflated by':>12}")
        for label, storage in stores.items():
            start = time.perf_counter()
            found = optimize("goog", "sma_cross", space=space, method=args.method,
                             n_trials=args.trials, storage=storage, seed=0)
            took = time.perf_counter() - start
            print(f"{label:<8} {took:>8.1f} {found.n_trials:>7} {found.distinct_trials:>9} "
                  f"{found.n_trials_deflated:>12}")
        print(found.note)


if __name__ == "__main__":
    main()
