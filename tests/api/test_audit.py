"""The audit log: actions recorded with their actor, and a chain that finds any tampering."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from signaltrust.api.audit import AuditLog, audit
from signaltrust.api.security import Principal
from signaltrust.storage import Database
from signaltrust.storage.api_tables import audit_log


def _log(database: Database, n: int = 5) -> AuditLog:
    log = AuditLog(database)
    for i in range(n):
        log.append("ada", "jwt", "risk.limit", "max_leverage", {"after": i})
    return log



def test_chain_when_untouched_then_verifies(database):
    report = _log(database).verify()
    assert report.ok and report.entries == 5


def test_chain_when_a_row_is_changed_then_that_row_is_found(database):
    log = _log(database)
    with database.engine.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq == 3)
                           .values(details={"after": 99}))
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 3 and "content" in report.reason


def test_chain_when_a_row_is_changed_and_rehashed_then_the_next_row_is_found(database):
    from signaltrust.api.audit import entry_hash

    log = _log(database)
    row = log.entries(after=2, limit=1)[0]
    forged = entry_hash(row.prev_hash, row.seq, row.ts_ns, "mallory", row.via, row.action,
                        row.target, row.details)
    with database.engine.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq == 3)
                           .values(actor="mallory", hash=forged))
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 4


def test_chain_when_a_row_is_removed_then_the_gap_is_found(database):
    log = _log(database)
    with database.engine.begin() as connection:
        connection.execute(audit_log.delete().where(audit_log.c.seq == 2))
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 2 and "missing" in report.reason


def test_append_when_writers_race_then_the_chain_stays_whole(database):
    log = AuditLog(database)
    threads = [threading.Thread(target=lambda i=i: [log.append(f"u{i}", "jwt", "x", "y", {})
                                                     for _ in range(10)]) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = log.verify()
    assert report.ok and report.entries == 40


@pytest.mark.postgres
def test_chain_when_on_postgres_then_appends_and_finds_tampering(postgres_url, postgres_schema):
    database = Database(postgres_url.replace("postgresql://", "postgresql+psycopg://"),
                        schema=postgres_schema)
    database.upgrade()
    try:
        log = _log(database, 3)
        assert log.verify().ok
        with database.engine.begin() as connection:
            connection.execute(update(audit_log).where(audit_log.c.seq == 2)
                               .values(target="other"))
        assert log.verify().first_bad_seq == 2
    finally:
        database.dispose()


def test_audit_when_given_a_principal_without_database_then_refused():
    with pytest.raises(Exception, match="database"):
        audit(Principal("ada", "admin", "jwt"), "x", "y", {})


def test_kill_switch_when_engaged_then_audited_with_actor_and_chain_verifies(client, headers):
    answer = client.post("/api/v1/risk/kill-switch", headers=headers["admin"],
                         json={"on": True, "reason": "venue outage"})
    assert answer.status_code == 200 and answer.json()["on"] is True
    rows = client.get("/api/v1/audit", headers=headers["admin"]).json()
    assert [(r["actor"], r["action"], r["details"]["on"]) for r in rows] == [
        ("admin", "risk.kill_switch", True)]
    assert client.get("/api/v1/audit/verify", headers=headers["admin"]).json()["ok"] is True
    state = client.get("/api/v1/risk/state", headers=headers["viewer"]).json()
    assert state["kill_switch"]["on"] is True and state["kill_switch"]["actor"] == "admin"


def test_limit_when_changed_by_admin_then_effective_and_audited(client, headers):
    answer = client.put("/api/v1/risk/limits/max_leverage", headers=headers["admin"],
                        json={"value": 2.5, "reason": "test"})
    assert answer.json() == {"name": "max_leverage", "before": None, "after": 2.5}
    assert client.get("/api/v1/risk/limits", headers=headers["trader"]).json()[
        "max_leverage"] == 2.5
    refused = client.put("/api/v1/risk/limits/max_leverage", headers=headers["admin"],
                         json={"value": -1})
    assert refused.status_code == 400 and refused.json()["field"] == "risk.max_leverage"
    actions = [r["action"] for r in client.get("/api/v1/audit", headers=headers["admin"]).json()]
    assert actions == ["risk.limit"]


def test_action_when_taken_with_an_api_key_then_audited_with_the_key_id(client, headers):
    key = client.post("/api/v1/auth/keys", headers=headers["admin"],
                      json={"name": "ops", "role": "admin", "scopes": ["risk"]}).json()
    client.post("/api/v1/risk/kill-switch", headers={"X-API-Key": key["key"]},
                json={"on": False, "reason": "all clear"})
    rows = client.get("/api/v1/audit", headers=headers["admin"],
                      params={"action": "risk.kill_switch"}).json()
    assert [(r["actor"], r["via"], r["details"]["key_id"]) for r in rows] == [
        ("admin", "api_key", key["id"])]
