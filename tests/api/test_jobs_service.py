"""The job service: backtests, sweeps, optimisations and walk-forwards in a worker pool, recorded
in the database, with the deflated Sharpe ratio and PBO beside the headline figures."""

from __future__ import annotations

import socket
import time

import pytest

from signaltrust.api.services.jobs import JobRunner, JobStore
from signaltrust.core.errors import ValidationError
from signaltrust.storage import Database

COSTS = {"cash": 100_000.0, "fees": 0.001, "slippage": 0.0002, "fill_at": "next_open"}
GRID = {"fast": "5:20:5", "slow": "30:60:10"}



def _wait(store: JobStore, job_id: str, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = store.require(job_id)
        if record.status not in ("queued", "running"):
            return record
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {record.status}")


def test_backtest_job_when_done_then_result_has_stats_trades_equity_and_trust_figures(
        database, tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="thread", costs=COSTS)
    try:
        job = runner.submit("backtest", {"data": "goog", "strategy": "sma_cross",
                                         "params": {"fast": 10, "slow": 30}}, actor="alice")
        assert job.status == "queued" and job.actor == "alice"
        done = _wait(runner.store, job.id)
    finally:
        runner.shutdown(wait=True)
    assert done.status == "done", done.error
    assert done.progress == 1.0
    headline = done.result["headline"]
    assert 0.0 <= headline["deflated_sharpe"] <= 1.0
    assert headline["pbo"] is None and "several" in headline["pbo_note"]
    assert headline["trades"] == done.result["stats"]["trades"] > 0
    assert len(done.result["trades"]) == done.result["trades_total"]
    assert 2 <= len(done.result["equity"]) <= 501
    assert done.result["equity"][-1][1] == pytest.approx(headline["final_equity"])
    assert runner.tearsheet(job.id).read_text().lstrip().lower().startswith("<")


@pytest.mark.slow
def test_sweep_job_when_run_in_a_worker_process_then_pbo_and_deflated_sharpe_are_reported(
        database, tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", workers=1, costs=COSTS)
    try:
        job = runner.submit("sweep", {"data": "goog", "strategy": "sma_cross", "grid": GRID},
                            actor="bob")
        done = _wait(runner.store, job.id)
    finally:
        runner.shutdown(wait=True)
    assert done.status == "done", done.error
    assert done.started_ns is not None and done.finished_ns >= done.started_ns
    head = done.result["headline"]
    assert head["distinct_trials"] == 16
    assert 0.0 <= head["pbo"] <= 1.0 and 0.0 <= head["deflated_sharpe"] <= 1.0


def test_walkforward_job_when_done_then_oos_figures_sit_beside_dsr_and_pbo(database, tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="thread", costs=COSTS)
    try:
        job = runner.submit("walkforward", {"data": "goog", "strategy": "sma_cross",
                                            "grid": GRID, "train_bars": 500, "test_bars": 250},
                            actor="carol")
        done = _wait(runner.store, job.id)
    finally:
        runner.shutdown(wait=True)
    assert done.status == "done", done.error
    head = done.result["headline"]
    assert head["windows"] >= 3
    assert {"oos_sharpe", "deflated_sharpe", "pbo"} <= set(head)
    assert runner.tearsheet(job.id).exists()


def test_job_when_its_api_process_died_then_a_restarted_api_marks_it_interrupted(database,
                                                                                  tmp_path):
    store = JobStore(database)
    params = {"data": "goog", "strategy": "sma_cross"}
    dead = store.create("backtest", params, "alice", f"{socket.gethostname()}:999999999")
    store.start(dead.id)
    mine = store.create("backtest", params, "alice", f"{socket.gethostname()}:"
                        f"{__import__('os').getpid()}")
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="thread")
    assert runner.interrupted == 1
    record = store.require(dead.id)
    assert record.status == "interrupted"
    assert "ended while it was running" in record.error
    assert store.require(mine.id).status == "queued"  # its owner (this process) is alive


@pytest.mark.parametrize(("params", "field"), [
    ({"data": "/etc/passwd", "strategy": "sma_cross"}, "data"),
    ({"data": "vix", "strategy": "sma_cross"}, "data"),
    ({"data": "goog", "strategy": "my_file.py:Evil"}, "strategy"),
    ({"data": "goog", "strategy": "sma_cross", "fees": -1}, "fees"),
])
def test_submit_when_params_are_bad_then_validation_error_names_the_field(database, tmp_path,
                                                                           params, field):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="thread")
    with pytest.raises(ValidationError) as caught:
        runner.submit("backtest", params, actor="alice")
    assert caught.value.field == field
    assert runner.store.list() == []


def test_sweep_when_grid_is_too_large_then_refused_before_queueing(database, tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="thread")
    with pytest.raises(ValidationError) as caught:
        runner.submit("sweep", {"data": "goog", "strategy": "sma_cross",
                                "grid": {"fast": "1:300:1", "slow": "2:400:1"}}, actor="a")
    assert caught.value.field == "grid"


def test_process_pool_when_database_is_in_memory_then_refused():
    db = Database("sqlite://")
    db.upgrade()
    with pytest.raises(ValidationError) as caught:
        JobRunner(db, output_dir="/tmp/unused", pool="process")
    assert caught.value.field == "pool"
