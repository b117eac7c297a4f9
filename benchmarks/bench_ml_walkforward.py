"""``ml walkforward --model ensemble --splits 3`` on the S&P 500: the old fold runs against the new.

Run: .venv/bin/python benchmarks/bench_ml_walkforward.py [--splits 3] [--explain 3] [--jobs 2]

Each configuration runs in a fresh process (imports and shap's first compilation included, as
on the command line) and prints seconds of wall clock and of CPU (the process and its joblib
workers) and a digest of the out-of-sample scores, which must be the same on every line:

* before: folds one after the other, the libraries' own BLAS threads (the code before the
  change: ``n_jobs=None, blas_threads=None``);
* after, one process: one BLAS thread per fit (``blas_threads=1``, the default now);
* after, N processes: the same and the folds in ``--jobs`` joblib worker processes.

What the ensemble costs (StackedEnsemble, LightGBM + logistic, cv=5): per walk-forward fold
each base model is fitted once per inner fold (5) and once on the whole training fold; nothing
is fitted twice. The last fold's model is explained (``--explain``) with shap's permutation
method against 50 training rows; its first call compiles shap's numba kernels.
Benchmarks print figures; they never fail on a target, and they never run as tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

CHILD = """
import hashlib, json, sys
from signaltrust.research.ml_eval import walk_forward_evaluation
kwargs = json.loads(sys.argv[1])
result = walk_forward_evaluation("sp500", "ensemble", **kwargs)
scores = result.predictions["score"].to_numpy()
print(json.dumps({"digest": hashlib.sha256(scores.tobytes()).hexdigest()[:16],
                  "ic": result.metrics["ic"], "rows": len(scores)}))
"""


def _run(kwargs: dict) -> tuple[float, float, dict]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(kwargs)], check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--explain", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    common = {"n_splits": args.splits, "explain_last": args.explain}
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores; ensemble on sp500, "
          f"{args.splits} folds, {args.explain} rows explained")
    runs = [
        ("before (sequential, library BLAS threads)", {"n_jobs": None, "blas_threads": None}),
        ("after, 1 process (1 BLAS thread)", {"n_jobs": None, "blas_threads": 1}),
        (f"after, {args.jobs} processes (1 BLAS thread)", {"n_jobs": args.jobs,
                                                            "blas_threads": 1}),
    ]
    first = None
    for label, kwargs in runs:
        wall, cpu, out = _run({**common, **kwargs})
        first = first or wall
        print(f"  {label:<44} {wall:7.1f} s wall {cpu:7.1f} s cpu  x{first / wall:4.2f}  "
              f"scores {out['digest']} ({out['rows']} rows, IC {out['ic']:.4f})")


if __name__ == "__main__":
    main()
