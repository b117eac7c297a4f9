"""The stand-alone job worker: with ``[jobs] backend = "queue"`` the API only records jobs and
``signaltrust jobs work`` processes run them, each exactly once, with the in-process runner's
results; jobs are claimed in the database, one owner each, and a gone worker's jobs are
interrupted. On SQLite and on the real PostgreSQL. Cancel and kill, stop (back in the queue) and
the worker's metrics are in tests/api/test_jobs_worker_{cancel,requeue,metrics}.py."""

from __future__ import annotations

import threading
import time

import pytest

from signaltrust.api.services.jobs import JobRunner, JobStore, worker_lock_key, worker_owner
from signaltrust.storage import Database
from tests.api.job_workers import COSTS, SIX, START_S


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
