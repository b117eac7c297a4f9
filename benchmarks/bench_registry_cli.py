"""``signaltrust models list|show|promote``: MLflow's read path against the direct SQL one.

Run: .venv/bin/python benchmarks/bench_registry_cli.py [--repeat 3]

A registry with two models (three versions, two aliases) is written once through MLflow in a
temporary home. Then, each in a fresh process (imports included, as on the command line), best
of ``--repeat``:

* before: the registry read through MLflow's client (``ModelRegistry(uri, reads="mlflow")``:
  ``list_models``, ``get_model_version``, ``promote``), which is what the commands did;
* after: the commands themselves (``signaltrust models list`` ...), which read the SQL store
  directly and import neither MLflow nor pandas.

Seconds of wall clock and of CPU. Benchmarks print figures; they never fail on a target, and
they never run as tests.
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

BEFORE = """
import sys
from signaltrust.ml.registry import ModelRegistry, tracking_uri
registry = ModelRegistry(tracking_uri(sys.argv[1]), reads="mlflow")
command = sys.argv[2]
if command == "list":
    print([m.to_dict() for m in registry.list_models()])
elif command == "show":
    print(registry.get_model_version("bench_logit", "production").to_dict())
else:
    print(registry.promote("bench_logit", 1, "staging").to_dict())
"""
AFTER = ("import sys; from signaltrust.cli.main import app; "
         "sys.argv = ['signaltrust', *sys.argv[1:]]; app()")
COMMANDS = {"list": ["models", "list"],
            "show": ["models", "show", "bench_logit", "--version", "production"],
            "promote": ["models", "promote", "bench_logit", "1", "--alias", "staging"]}


def _timed(args: list[str], home: Path) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env={**env, "SIGNALTRUST_HOME": str(home)},
                   check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, (after.ru_utime - before.ru_utime
                                         + after.ru_stime - before.ru_stime)


def _registry(home: Path) -> None:
    import numpy as np
    import pandas as pd

    from signaltrust.ml.models import get_model
    from signaltrust.ml.registry import ModelRegistry, tracking_uri

    registry = ModelRegistry(tracking_uri(home), reads="mlflow")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)), columns=list("abc"))
    y = (X["a"] > 0).astype(int)
    for name, c in (("bench_logit", 1.0), ("bench_logit", 0.1), ("bench_other", 1.0)):
        registry.log_training_run(get_model("logistic", C=c).fit(X, y), name=name,
                                  data_hash=f"h{c}", features=list("abc"), metrics={"ic": 0.1})
    registry.promote("bench_logit", 2, "production")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores; best of {args.repeat}")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        home.mkdir()
        _registry(home)
        for name, cli in COMMANDS.items():
            for label, argv in (("before (MLflow)", ["-c", BEFORE, str(home), name]),
                                ("after (direct)", ["-c", AFTER, *cli])):
                times = [_timed(argv, home) for _ in range(args.repeat)]
                wall, cpu = min(t[0] for t in times), min(t[1] for t in times)
                print(f"  models {name:<8} {label:<16} {wall:6.2f} s wall {cpu:6.2f} s cpu")


if __name__ == "__main__":
    main()
