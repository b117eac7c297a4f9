"""Cancelling jobs: a queued job never starts, a running one is stopped, the record reads
``canceled``; through the API only a trader may, and the cancel is audited."""

from __future__ import annotations

import time

import pytest

from signaltrust.api.audit import AuditLog
from signaltrust.api.services.jobs import JobRunner

# an optimisation of 500 random trials: long enough to be caught running, reports each trial
LONG = {"data": "goog", "strategy": "sma_cross", "grid": {"fast": "2:60:1", "slow": "61:300:1"},
        "method": "random", "n_trials": 500}
COSTS = {"cash": 100_000.0, "fees": 0.001, "slippage": 0.0002, "fill_at": "next_open"}



def _until(check, timeout: float = 120.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def _running(store, job_id):
    record = store.require(job_id)
    return record if record.status == "running" and record.progress > 0 else None


def test_cancel_when_job_runs_then_it_stops_and_reads_canceled(database, tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", workers=1, pool="thread",
                       costs=COSTS)
    try:
        job = runner.submit("optimize", LONG, actor="trader")
        running = _until(lambda: _running(runner.store, job.id), what="the job running")
        record, canceled = runner.cancel(job.id, "ada")
        assert canceled and record.status == "canceled" and record.message == "canceled by ada"
        _until(lambda: not runner._futures, timeout=30, what="the worker stopping")
        after = runner.store.require(job.id)
        time.sleep(1.0)  # a job still running would report progress again
        assert runner.store.require(job.id) == after
    finally:
        runner.shutdown(wait=True)
    assert after.status == "canceled" and after.result is None
    assert running.progress <= after.progress < 1.0
    assert after.finished_ns >= after.started_ns


def test_cancel_when_job_is_queued_then_it_never_starts(database, tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", workers=1, pool="thread",
                       costs=COSTS)
    try:
        first = runner.submit("optimize", LONG, actor="trader")
        waiting = runner.submit("backtest", {"data": "goog", "strategy": "sma_cross"},
                                actor="trader")
        _until(lambda: _running(runner.store, first.id), what="the first job running")
        record, canceled = runner.cancel(waiting.id, "ada")
        assert canceled and record.status == "canceled"
        runner.cancel(first.id, "ada")
        _until(lambda: not runner._futures, timeout=30, what="the worker stopping")
    finally:
        runner.shutdown(wait=True)
    never = runner.store.require(waiting.id)
    assert never.status == "canceled" and never.started_ns is None
    assert not (tmp_path / "jobs" / waiting.id).exists()


def test_cancel_when_job_has_ended_then_nothing_changes(database, tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="thread", costs=COSTS)
    try:
        job = runner.submit("backtest", {"data": "goog", "strategy": "sma_cross"}, actor="t")
        done = _until(lambda: (r := runner.store.require(job.id)).status == "done" and r,
                      what="the backtest finishing")
        record, canceled = runner.cancel(job.id, "ada")
    finally:
        runner.shutdown(wait=True)
    assert not canceled and record == done


@pytest.mark.slow
def test_cancel_when_job_runs_in_a_worker_process_then_the_process_stops_it(database,
                                                                            tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", workers=1, costs=COSTS)
    try:
        job = runner.submit("optimize", LONG, actor="trader")
        _until(lambda: _running(runner.store, job.id), timeout=300, what="the job running")
        runner.cancel(job.id, "ada")
        _until(lambda: not runner._futures, timeout=30, what="the worker stopping")
        # the pool's process survived the cancel: it runs the next job
        after = runner.submit("backtest", {"data": "goog", "strategy": "sma_cross"}, actor="t")
        done = _until(lambda: (r := runner.store.require(after.id)).status != "queued"
                      and r.status != "running" and r, timeout=300, what="the next job")
    finally:
        runner.shutdown(wait=True)
    assert runner.store.require(job.id).status == "canceled"
    assert done.status == "done", done.error


def test_cancel_route_when_trader_cancels_then_canceled_audited_and_a_second_cancel_is_409(
        app, client, headers, tmp_path):
    app.state.jobs = JobRunner(app.state.database, output_dir=tmp_path / "jobs", workers=1,
                               pool="thread", costs=COSTS)
    try:
        job = client.post("/api/v1/backtests/optimisations", headers=headers["trader"],
                          json=LONG).json()
        denied = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers["viewer"])
        assert denied.status_code == 403
        answer = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers["trader"])
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "canceled"
        again = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers["trader"])
        assert again.status_code == 409
        assert again.json()["field"] == "job_id" and "canceled" in again.json()["message"]
        missing = client.post("/api/v1/jobs/0123456789abcdef/cancel", headers=headers["trader"])
        assert missing.status_code == 404
        listed = client.get("/api/v1/jobs?status=canceled", headers=headers["viewer"]).json()
        assert [j["id"] for j in listed] == [job["id"]]
    finally:
        app.state.jobs.shutdown(wait=True)
    entries = [e for e in AuditLog(app.state.database).entries() if e.action == "jobs.cancel"]
    assert [(e.actor, e.target) for e in entries] == [("trader", job["id"])]
