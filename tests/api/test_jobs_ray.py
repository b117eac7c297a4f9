"""Jobs on Ray (``[jobs] backend = "ray"``): the same results as the process pool, and a running
job on Ray is canceled like any other. A local Ray is started (ray is in the test extras)."""

from __future__ import annotations

import time

import pytest

from signaltrust.api.services.jobs import JobRunner

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray")

COSTS = {"cash": 100_000.0, "fees": 0.001, "slippage": 0.0002, "fill_at": "next_open"}
SWEEP = {"data": "goog", "strategy": "sma_cross", "grid": {"fast": "5:20:5", "slow": "30:60:10"}}
LONG = {"data": "goog", "strategy": "sma_cross", "grid": {"fast": "2:60:1", "slow": "61:300:1"},
        "method": "random", "n_trials": 500}


@pytest.fixture(scope="module")
def local_ray():
    from signaltrust.optimize.distributed import ensure_ray, shutdown

    ensure_ray("local")
    yield
    shutdown()



def _ended(store, job_id, timeout=300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = store.require(job_id)
        if record.status not in ("queued", "running"):
            return record
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {record.status}")


def test_sweep_when_run_on_ray_then_result_equals_the_process_pool(local_ray, database,
                                                                   tmp_path):
    results = {}
    for pool in ("process", "ray"):
        runner = JobRunner(database, output_dir=tmp_path / pool, workers=1, pool=pool,
                           costs=COSTS)
        try:
            job = runner.submit("sweep", SWEEP, actor="t")
            results[pool] = _ended(runner.store, job.id)
        finally:
            runner.shutdown(wait=True)
    assert results["ray"].status == "done", results["ray"].error
    assert results["process"].status == "done", results["process"].error
    # every figure the same; only the name given to each run's study differs
    ray_result, pool_result = dict(results["ray"].result), dict(results["process"].result)
    assert ray_result.pop("study_name") != pool_result.pop("study_name")
    assert ray_result == pool_result
    assert results["ray"].result["headline"]["distinct_trials"] == 16


def test_cancel_when_a_job_runs_on_ray_then_it_stops_and_reads_canceled(local_ray, database,
                                                                        tmp_path):
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="ray", costs=COSTS)
    try:
        job = runner.submit("optimize", LONG, actor="t")
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            record = runner.store.require(job.id)
            if record.status == "running" and record.progress > 0:
                break
            time.sleep(0.2)
        runner.cancel(job.id, "ada")
        deadline = time.monotonic() + 30
        while runner._futures and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not runner._futures, "the Ray task did not stop"
    finally:
        runner.shutdown(wait=True)
    record = runner.store.require(job.id)
    assert record.status == "canceled" and record.progress < 1.0 and record.result is None
