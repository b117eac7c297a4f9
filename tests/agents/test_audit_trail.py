"""The agents' audit trail: filters and the latest N give the same records in memory and in
the database, oldest first."""

from __future__ import annotations

import pytest

from signaltrust.agents.audit import AuditTrail
from signaltrust.storage import Database


@pytest.fixture(params=["memory", "database"])
def trail(request):
    if request.param == "memory":
        return AuditTrail()
    database = Database("sqlite://")
    database.upgrade()
    return AuditTrail(database)


def fill(trail: AuditTrail) -> None:
    for i in range(6):
        trail.record("stock_analyst" if i % 2 else "macro", "prompt" if i < 4 else "response",
                     {"i": i}, workflow=f"signal:{i // 3}")


def test_records_when_filtered_by_agent_kind_and_workflow_then_the_same_in_memory_and_database(
        trail):
    fill(trail)
    assert [r.payload["i"] for r in trail.records(agent="stock_analyst")] == [1, 3, 5]
    assert [r.payload["i"] for r in trail.records(kind="prompt", workflow="signal:1")] == [3]
    assert [r.payload["i"] for r in trail.records(workflow="signal:0")] == [0, 1, 2]


def test_records_when_the_latest_n_are_asked_then_the_newest_n_oldest_first(trail):
    fill(trail)
    assert [r.payload["i"] for r in trail.records(latest=2)] == [4, 5]
    assert [r.payload["i"] for r in trail.records(agent="macro", latest=2)] == [2, 4]
    assert [r.payload["i"] for r in trail.records(latest=100)] == list(range(6))
    since = trail.records()[3].ts_ns
    assert [r.payload["i"] for r in trail.records(since_ns=since, latest=1)] == [5]
