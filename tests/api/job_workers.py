"""The stand-alone job worker under test (tests/api/test_jobs_worker*.py): an API with the queue
backend on a shared database, the ``signaltrust jobs work`` processes started for it, and the
small and long jobs the tests submit. The fixtures ``shared_database`` and ``installation`` are
in tests/api/conftest.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from signaltrust.api.app import create_app
from signaltrust.api.users import fast_password_hash
from signaltrust.core.config import load_settings
from signaltrust.storage import Database
from tests.api.conftest import ROLE_NAMES, add_users, sign_in

COSTS = {"cash": 100_000.0, "fees": 0.001, "slippage": 0.0002, "fill_at": "next_open"}
GRID = {"fast": "5:20:5", "slow": "30:60:10"}
#: six small jobs of every kind: (route, body, kind)
SIX = [
    ("", {"data": "goog", "strategy": "sma_cross", "params": {"fast": 10, "slow": 30}}, "backtest"),
    ("", {"data": "goog", "strategy": "sma_cross", "params": {"fast": 5, "slow": 50}}, "backtest"),
    ("", {"data": "sp500", "strategy": "sma_cross", "params": {"fast": 20, "slow": 60}},
     "backtest"),
    ("/sweeps", {"data": "goog", "strategy": "sma_cross", "grid": GRID}, "sweep"),
    ("/optimisations", {"data": "goog", "strategy": "sma_cross", "grid": GRID, "method": "random",
                        "n_trials": 6}, "optimize"),
    ("/walk-forwards", {"data": "goog", "strategy": "sma_cross", "grid": GRID, "train_bars": 500,
                        "test_bars": 250}, "walkforward"),
]
# an optimisation of 500 random trials: long enough to be caught running
LONG = {"data": "goog", "strategy": "sma_cross", "grid": {"fast": "2:60:1", "slow": "61:300:1"},
        "method": "random", "n_trials": 500}
START_S = 180.0  # imports and compilation in fresh processes on a busy two-core machine


class Installation:
    """An API with the queue backend on ``database`` and the job workers started for it."""

    def __init__(self, database: Database, url: str, home: Path, logs: Path) -> None:
        self.database, self.home, self.logs = database, home, logs
        self.env = {**os.environ, "SIGNALTRUST_HOME": str(home),
                    "SIGNALTRUST__DATABASE__URL": url, "SIGNALTRUST__JOBS__BACKEND": "queue"}
        # polling six jobs every 0.2 s is up to 1,800 requests a minute: above the viewer's
        # default limit (600), which a slow last job would reach
        self.app = create_app(load_settings(jobs={"backend": "queue"},
                                            api={"rate_limit": "100000/minute",
                                                 "address_rate_limit": "100000/minute"}),
                              database=database,
                              password_hash=fast_password_hash())
        add_users(self.app)
        self.client = TestClient(self.app)
        self.headers = {r: {"Authorization": "Bearer "
                            + sign_in(self.client, r).json()["access_token"]}
                        for r in ROLE_NAMES}
        self.workers: list[subprocess.Popen] = []

    def worker(self, *args: str) -> subprocess.Popen:
        log = self.logs / f"worker-{len(self.workers)}.log"
        process = subprocess.Popen(  # noqa: S603 - this interpreter running the project's CLI
            [sys.executable, "-c", "from signaltrust.cli.main import run; run()", "jobs", "work",
             "--json", *args], stdout=subprocess.PIPE, stderr=log.open("w"), env=self.env,
            text=True)
        self.workers.append(process)
        return process

    def submit(self, route: str, body: dict) -> dict:
        answer = self.client.post(f"/api/v1/backtests{route}", headers=self.headers["trader"],
                                  json=body)
        assert answer.status_code == 202, answer.text
        return answer.json()

    def job(self, job_id: str) -> dict:
        answer = self.client.get(f"/api/v1/jobs/{job_id}", headers=self.headers["viewer"]).json()
        assert "status" in answer, answer
        return answer

    def wait(self, what: str, check, timeout: float = START_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.2)
        tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}"
                          for p in sorted(self.logs.glob("*.log")))
        raise AssertionError(f"{what} did not happen within {timeout} s\n{tails}")

    def stop(self, process: subprocess.Popen) -> dict:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0, out
        return json.loads(out)

    def close(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        self.client.close()
