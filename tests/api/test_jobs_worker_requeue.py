"""The stand-alone job worker when stopped (SIGTERM) mid-job: the job goes back to the queue and
the next worker runs it. On SQLite and on the real PostgreSQL."""

from __future__ import annotations

import pytest

from tests.api.job_workers import LONG


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
