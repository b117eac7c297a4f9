"""Jobs through the API: submit (trader, audited), follow, results, tearsheet, restart."""

from __future__ import annotations

import time

import pytest

from signaltrust.api.audit import AuditLog
from signaltrust.api.services.jobs import JobRunner
from tests.api.conftest import make_app

GRID = {"fast": "5:20:5", "slow": "30:60:10"}


@pytest.fixture
def runner(app, tmp_path):
    app.state.jobs = JobRunner(app.state.database, output_dir=tmp_path / "jobs", pool="thread",
                               costs={"fill_at": "next_open"})
    yield app.state.jobs
    app.state.jobs.shutdown(wait=True)


def _finished(client, headers, job_id, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.2)
    raise AssertionError("the job did not finish")


def test_backtest_when_trader_submits_then_202_job_result_tearsheet_and_audit(
        client, headers, runner, app):
    answer = client.post("/api/v1/backtests", headers=headers["trader"], json={
        "data": "goog", "strategy": "sma_cross", "params": {"fast": 10, "slow": 30}})
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["status"] == "queued" and job["actor"] == "trader" and job["result"] is None
    done = _finished(client, headers["viewer"], job["id"])
    assert done["status"] == "done", done["error"]
    head = done["result"]["headline"]
    assert {"sharpe_ratio", "deflated_sharpe", "pbo", "pbo_note"} <= set(head)
    assert done["result"]["trades"] and done["result"]["equity"]
    sheet = client.get(f"/api/v1/jobs/{job['id']}/tearsheet", headers=headers["viewer"])
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/html")
    listed = client.get("/api/v1/jobs?kind=backtest", headers=headers["viewer"]).json()
    assert [j["id"] for j in listed] == [job["id"]] and listed[0]["result"] is None
    actions = [e.action for e in AuditLog(app.state.database).entries()]
    assert "jobs.backtest" in actions


def test_optimisation_when_done_then_headline_has_deflated_sharpe_and_pbo(client, headers,
                                                                          runner):
    job = client.post("/api/v1/backtests/optimisations", headers=headers["trader"], json={
        "data": "goog", "strategy": "sma_cross", "grid": GRID, "method": "random",
        "n_trials": 6}).json()
    done = _finished(client, headers["viewer"], job["id"])
    assert done["status"] == "done", done["error"]
    head = done["result"]["headline"]
    assert head["distinct_trials"] == 6 and 0.0 <= head["pbo"] <= 1.0
    assert 0.0 <= head["deflated_sharpe"] <= 1.0


def test_submit_when_viewer_then_403_and_nothing_queued(client, headers, runner):
    answer = client.post("/api/v1/backtests/sweeps", headers=headers["viewer"],
                         json={"data": "goog", "strategy": "sma_cross", "grid": GRID})
    assert answer.status_code == 403
    assert runner.store.list() == []


def test_submit_when_data_is_a_path_then_422_naming_data(client, headers, runner):
    answer = client.post("/api/v1/backtests", headers=headers["trader"],
                         json={"data": "/etc/passwd", "strategy": "sma_cross"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "data"


def test_job_when_unknown_then_404(client, headers, runner):
    answer = client.get("/api/v1/jobs/0123456789abcdef", headers=headers["viewer"])
    assert answer.status_code == 404 and answer.json()["field"] == "job_id"


def test_job_when_api_restarts_after_dying_mid_job_then_it_reads_interrupted(tmp_path):
    import socket

    from signaltrust.api.services.jobs import JobStore

    first = make_app(tmp_path)
    store = JobStore(first.state.database)
    job = store.create("sweep", {"data": "goog", "strategy": "sma_cross"}, "trader",
                       f"{socket.gethostname()}:999999999")  # a process that is gone
    store.start(job.id)
    first.state.database.dispose()
    from fastapi.testclient import TestClient

    from tests.api.conftest import add_users, sign_in

    again = make_app(tmp_path)  # the same database file: the API started again
    add_users(again)
    with TestClient(again) as client:
        token = sign_in(client, "viewer").json()["access_token"]
        body = client.get(f"/api/v1/jobs/{job.id}",
                          headers={"Authorization": f"Bearer {token}"}).json()
    again.state.jobs.shutdown()
    again.state.database.dispose()
    assert body["status"] == "interrupted"
    assert "ended while it was running" in body["error"]
