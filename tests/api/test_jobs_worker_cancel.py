"""The stand-alone job worker when jobs are canceled through the API (a queued one never starts,
a running one stops) and when a worker is killed (another worker marks its job interrupted). On
SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.api.job_workers import LONG, SIX


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
