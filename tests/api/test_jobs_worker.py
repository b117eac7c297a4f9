"""The stand-alone job worker: with ``[jobs] backend = "queue"`` the API only records jobs and
``signaltrust jobs work`` processes run them, each exactly once, with the in-process runner's
results; cancel, stop (back in the queue) and kill (interrupted) go through the database. On
SQLite and on the real PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from signaltrust.api.app import create_app
from signaltrust.api.services.jobs import JobRunner, JobStore, worker_lock_key, worker_owner
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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_database(request, tmp_path):
    """(in-process Database, the URL a worker process opens): the same installation."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
        database = Database(url)
    else:
        base = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        database = Database(base.replace("postgresql://", "postgresql+psycopg://"),
                            schema=schema)
        url = (base.replace("postgresql://", "postgresql+psycopg://")
               + f"?options=-csearch_path%3D{schema}")
    database.upgrade()
    yield database, url
    database.dispose()


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


@pytest.fixture
def installation(shared_database, tmp_path, isolated_home):
    database, url = shared_database
    logs = tmp_path / "logs"
    logs.mkdir()
    found = Installation(database, url, isolated_home, logs)
    yield found
    found.close()


def _without_study_names(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "study_name"}  # a fresh name per run


@pytest.mark.slow
def test_queue_when_two_workers_run_six_jobs_then_each_runs_once_with_in_process_results(
        installation, tmp_path):
    jobs = [installation.submit(route, body) for route, body, _ in SIX]
    assert all(j["status"] == "queued" for j in jobs)
    time.sleep(1.0)
    assert all(installation.job(j["id"])["status"] == "queued" for j in jobs)  # no one runs them
    first = installation.worker("--workers", "1")
    second = installation.worker("--workers", "1", "--metrics-port", "0")
    finished = installation.wait("the six jobs to finish", lambda: all(
        installation.job(j["id"])["status"] == "done" for j in jobs) and [
        installation.job(j["id"]) for j in jobs], timeout=3 * START_S)
    summaries = [installation.stop(first), installation.stop(second)]
    ran = [job_id for s in summaries for job_id in s["ended"]]
    assert sorted(ran) == sorted(j["id"] for j in jobs)  # each once, by one worker
    assert all(s["requeued"] == [] for s in summaries)

    reference_db = Database(f"sqlite:///{tmp_path / 'reference.db'}")
    reference_db.upgrade()
    reference = JobRunner(reference_db, output_dir=tmp_path / "reference", pool="thread",
                          workers=1, costs=COSTS)
    try:
        expected = [reference.submit(kind, body, "trader").id for _, body, kind in SIX]
        installation.wait("the in-process jobs", lambda: all(
            reference.store.require(i).status == "done" for i in expected))
        for got, job_id in zip(finished, expected, strict=True):
            want = reference.store.require(job_id)
            assert got["kind"] == want.kind
            assert _without_study_names(got["result"]) == _without_study_names(want.result)
    finally:
        reference.shutdown(wait=True)
        reference_db.dispose()
    for job in finished:  # the tearsheets the workers wrote, served by the API
        if job["kind"] in ("backtest", "walkforward"):
            sheet = installation.client.get(f"/api/v1/jobs/{job['id']}/tearsheet",
                                            headers=installation.headers["viewer"])
            assert sheet.status_code == 200 and sheet.text.lstrip().startswith("<")


@pytest.mark.slow
def test_queue_when_jobs_are_canceled_or_a_worker_is_killed_then_canceled_and_interrupted(
        installation):
    running = installation.submit("/optimisations", LONG)
    waiting = installation.submit("", SIX[0][1])
    installation.worker("--workers", "1")
    installation.wait("the long job running", lambda: (lambda j: j["status"] == "running"
                      and j["progress"] > 0)(installation.job(running["id"])))
    assert installation.job(waiting["id"])["status"] == "queued"  # one process: it waits
    for job in (waiting, running):
        answer = installation.client.post(f"/api/v1/jobs/{job['id']}/cancel",
                                          headers=installation.headers["trader"])
        assert answer.status_code == 200, answer.text
    stopped = installation.job(running["id"])
    time.sleep(2.0)  # a job still running would report progress again
    assert installation.job(running["id"]) == stopped and stopped["status"] == "canceled"
    never = installation.job(waiting["id"])
    assert never["status"] == "canceled" and never["started"] is None

    doomed = installation.submit("/optimisations", LONG)
    installation.wait("the third job running", lambda: (lambda j: j["status"] == "running"
                      and j["progress"] > 0)(installation.job(doomed["id"])))
    killed = installation.workers[0]
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(10)
    installation.worker("--workers", "1")  # another worker sees the owner gone
    gone = installation.wait("the killed worker's job interrupted", lambda: (
        lambda j: j if j["status"] == "interrupted" else None)(installation.job(doomed["id"])))
    assert "job worker" in gone["error"] and "ended" in gone["error"]


@pytest.mark.slow
def test_worker_when_stopped_mid_job_then_the_job_goes_back_to_the_queue_and_runs_elsewhere(
        installation):
    job = installation.submit("/optimisations", {**LONG, "n_trials": 120})
    first = installation.worker()
    installation.wait("the job running", lambda: (lambda j: j["status"] == "running"
                      and j["progress"] > 0)(installation.job(job["id"])))
    summary = installation.stop(first)
    assert summary["requeued"] == [job["id"]] and summary["ended"] == {}
    back = installation.job(job["id"])
    assert back["status"] == "queued" and back["started"] is None
    installation.worker()
    done = installation.wait("the job done by the next worker", lambda: (
        lambda j: j if j["status"] == "done" else None)(installation.job(job["id"])))
    assert done["result"]["headline"]["best_params"]


def test_claim_when_four_threads_race_then_every_job_goes_to_exactly_one(shared_database):
    database, _ = shared_database
    store = JobStore(database)
    ids = [store.create("backtest", {"data": "goog"}, "ada", None).id for _ in range(12)]
    claimed: list[tuple[str, str]] = []
    lock = threading.Lock()

    def take(owner: str) -> None:
        while (job := JobStore(database).claim(owner)) is not None:
            with lock:
                claimed.append((job.id, owner))

    threads = [threading.Thread(target=take, args=(f"{worker_owner()}-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(job_id for job_id, _ in claimed) == sorted(ids)
    records = [store.require(i) for i in ids]
    assert all(r.status == "running" and r.owner == dict(claimed)[r.id] for r in records)


def test_orphans_when_a_queued_job_has_no_owner_then_it_waits_and_a_gone_workers_job_is_interrupted(  # noqa: E501
        shared_database):
    database, _ = shared_database
    store = JobStore(database)
    if database.dialect == "postgresql":  # this process lives as a worker: it holds its lock
        from sqlalchemy import text

        holding = database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        holding.execute(text("SELECT pg_advisory_lock(:k)"),
                        {"k": worker_lock_key(worker_owner())})
    waiting = store.create("backtest", {"data": "goog"}, "ada", None)
    taken = store.create("backtest", {"data": "goog"}, "ada", None)
    gone_owner = "worker/" + worker_owner().split("/", 1)[1].rsplit("/", 1)[0] + "/0ld70ken0000"
    assert store.claim(gone_owner).id == waiting.id  # the oldest first
    mine = store.claim(worker_owner())
    assert mine.id == taken.id
    assert store.interrupt_orphans(workers_only=True) == 1
    assert store.require(waiting.id).status == "interrupted"  # its worker is gone
    assert store.require(taken.id).status == "running"  # this process lives
    third = store.create("backtest", {"data": "goog"}, "ada", None)
    assert store.interrupt_orphans() == 0 and store.require(third.id).status == "queued"
    if database.dialect == "postgresql":
        holding.invalidate()  # its session ends, as a killed worker's does
        assert store.interrupt_orphans() == 1  # the lock's session ended: the worker is gone


def test_work_when_metrics_port_is_given_then_it_serves_job_metrics(installation):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    job = installation.submit("", SIX[0][1])
    process = installation.worker("--metrics-port", str(port))
    installation.wait("the job done", lambda: installation.job(job["id"])["status"] == "done")

    def scraped() -> str | None:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        except httpx.TransportError:
            return None
        return text if 'signaltrust_jobs_finished_total{kind="backtest",status="done"} 1.0' \
            in text else None

    text = installation.wait("the finished job in the metrics", scraped, 30)
    assert 'signaltrust_job_records{state="done"} 1.0' in text
    assert installation.stop(process)["ended"] == {job["id"]: "done"}
