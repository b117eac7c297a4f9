"""A sweep's or optimisation's result keeps every feasible trial and names the parameters the
job varied: what the dashboard draws its heat map from (any two of them, not a fixed pair)."""

from __future__ import annotations

import time

from signaltrust.api.services.jobs import JobRunner
from signaltrust.storage import Database

COSTS = {"cash": 100_000.0, "fees": 0.001, "slippage": 0.0002, "fill_at": "next_open"}


def _done(runner: JobRunner, kind: str, params: dict):
    job = runner.submit(kind, {"data": "goog", "strategy": "sma_cross", **params}, actor="ada")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        record = runner.store.require(job.id)
        if record.status not in ("queued", "running"):
            assert record.status == "done", record.error
            return record.result
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_sweep_when_done_then_every_trial_of_the_grid_and_the_varied_parameters(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    database.upgrade()
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="thread", costs=COSTS)
    try:
        swept = _done(runner, "sweep", {"grid": {"fast": "5:20:5", "slow": [30, 60, 90]}})
        one = _done(runner, "sweep", {"grid": {"fast": [5, 10, 20], "slow": [60]}})
    finally:
        runner.shutdown(wait=True)
        database.dispose()
    assert swept["parameters"] == ["fast", "slow"]
    assert len(swept["top"]) == 12  # every point of the 4 x 3 grid, not the best few
    assert {(t["fast"], t["slow"]) for t in swept["top"]} == {
        (f, s) for f in (5, 10, 15, 20) for s in (30, 60, 90)}
    assert all(isinstance(t["sharpe_ratio"], float) for t in swept["top"])
    assert one["parameters"] == ["fast"]  # slow held at 60: not varied
