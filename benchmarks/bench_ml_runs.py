"""ML run times: the stacked ensemble's base models on one thread or two, the registry commands.

Run: .venv/bin/python benchmarks/bench_ml_runs.py [--rows 3000] [--repeat 3]

1. One fit of LightGBM (300 trees) and of the default stacked ensemble (LightGBM + logistic,
   5 out-of-fold fits and a refit each) on the S&P 500 technical features and triple-barrier
   labels, base models on 1 thread and on 2 (``n_jobs``): seconds of wall clock and of CPU.
   The walk-forward evaluation now builds the ensemble with ``n_jobs=1``.
2. ``signaltrust models list`` in a fresh process, on a home without a registry and on one
   with a registered model: seconds of wall clock and of CPU (children).

Measured on the shared 2-core machine (load average 5-6), 2026-12-07:
``ml walkforward --data sp500 --model ensemble --splits 3``: 667 s wall / 181 s CPU before,
36 s wall / 27 s CPU after (the same figures to the last digit); one LightGBM fit on 3,000
rows: 14.3 s with 2 threads, 1.1 s with 1; ``models list``: 10.7 s wall / 4.3 s CPU before,
7.2 s / 3.6 s after with a registered model, 1.3 s / 0.7 s on a home without a registry
(MLflow's own import and store remain: about 2.2 s of CPU). Benchmarks print figures; they
never fail on a target, and they never run as tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _fit_times(rows: int, repeat: int) -> None:
    from signaltrust.data import load
    from signaltrust.ml.models import get_model
    from signaltrust.research.ml_eval.dataset import learning_table

    table = learning_table(load("sp500"), "technical", "triple_barrier", 10)
    X, y = table.X.iloc[:rows], table.y.iloc[:rows]
    print(f"fits on {len(X)} rows x {X.shape[1]} features (best of {repeat})")
    for name in ("lgbm", "ensemble"):
        for threads in (1, 2):
            best_wall = best_cpu = float("inf")
            for _ in range(repeat):
                model = get_model(name, n_jobs=threads, random_state=0)
                wall, cpu = time.perf_counter(), time.process_time()
                model.fit(X, y)
                best_wall = min(best_wall, time.perf_counter() - wall)
                best_cpu = min(best_cpu, time.process_time() - cpu)
            print(f"  {name:<9} n_jobs={threads}: {best_wall:6.2f} s wall {best_cpu:6.2f} s cpu")


def _cli_time(args: list[str], home: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from signaltrust.cli.main import app; "
                    "sys.argv = ['signaltrust', *sys.argv[1:]]; app()", *args],
                   env={**os.environ, "SIGNALTRUST_HOME": str(home)}, check=True,
                   capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, (after.ru_utime - before.ru_utime
                                         + after.ru_stime - before.ru_stime)


def _registry_times() -> None:
    import numpy as np
    import pandas as pd

    from signaltrust.ml.models import get_model
    from signaltrust.ml.registry import log_training_run, tracking_uri

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        wall, cpu = _cli_time(["models", "list"], home / "empty")
        print(f"models list, no registry:      {wall:5.2f} s wall {cpu:5.2f} s cpu")
        X = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)), columns=list("abc"))
        model = get_model("logistic").fit(X, (X["a"] > 0).astype(int))
        log_training_run(model, tracking_uri=tracking_uri(home / "full"), name="bench",
                         data_hash="bench", features=list("abc"))
        for args in (["models", "list"], ["models", "show", "bench"]):
            wall, cpu = _cli_time(args, home / "full")
            print(f"{' '.join(args):<30} {wall:5.2f} s wall {cpu:5.2f} s cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    _fit_times(args.rows, args.repeat)
    _registry_times()


if __name__ == "__main__":
    main()
