"""The agents' API: cards, the audit trail, LLM usage, and the approval queue decided by a
trader with the actor recorded."""

from __future__ import annotations

import pytest

from signaltrust.agents.audit import ApprovalQueue, AuditTrail
from tests.api.agent_activity import record_workflow, request_halt


@pytest.fixture
def activity(app):
    """A reasoned workflow and one HALTED request waiting for a person."""
    database = app.state.database
    record_workflow(database)
    decision = request_halt(database)
    assert decision.outcome == "pending"
    return decision


def test_agents_when_listed_then_every_agent_has_its_card(client, headers):
    cards = client.get("/api/v1/agents", headers=headers["viewer"]).json()
    names = {c["name"] for c in cards}
    assert {"coordinator", "supervisor", "risk_manager", "compliance", "portfolio"} <= names
    assert all(c["job"] and c["trigger"] for c in cards)


def test_audit_when_a_workflow_ran_then_its_steps_are_listed_newest_first(
        client, headers, activity, app):
    rows = client.get("/api/v1/agents/audit?workflow=test:sp500",
                      headers=headers["viewer"]).json()
    kinds = [r["kind"] for r in reversed(rows)]  # oldest first
    assert kinds[0] == "prompt" and kinds[-1] == "decision"
    assert {"tool_call", "usage", "response"} <= set(kinds)
    written = [r.__plain__() for r in AuditTrail(app.state.database).records()
               if r.workflow == "test:sp500"]
    assert rows == written[::-1]  # in the order written, newest first
    decision = rows[0]["payload"]
    assert rows[0]["agent"] == "coordinator" and decision["symbol"] == "sp500"
    assert decision["views"]["stock_analyst"][3] == "llm"


def test_audit_when_filtered_by_agent_and_kind_then_only_those(client, headers, activity):
    rows = client.get("/api/v1/agents/audit?agent=stock_analyst&kind=usage",
                      headers=headers["viewer"]).json()
    assert rows and all(r["agent"] == "stock_analyst" and r["kind"] == "usage" for r in rows)
    assert len(client.get("/api/v1/agents/audit?limit=1", headers=headers["viewer"]).json()) == 1


def test_audit_when_kind_is_unknown_then_422_names_the_field(client, headers):
    answer = client.get("/api/v1/agents/audit?kind=gossip", headers=headers["viewer"])
    assert answer.status_code == 422 and answer.json()["field"] == "kind"


def test_usage_when_the_llm_answered_then_tokens_are_counted_per_agent_today(
        client, headers, activity, app):
    usage = client.get("/api/v1/agents/usage", headers=headers["viewer"]).json()
    records = AuditTrail(app.state.database).records(agent="stock_analyst", kind="usage")
    spent = sum(r.payload["input_tokens"] + r.payload["output_tokens"] for r in records)
    today = usage["agents"]["stock_analyst"]
    assert today["tokens"] == spent > 0 and today["requests"] >= 1
    assert usage["history"][0]["day"] == usage["day"]
    assert usage["quota_tokens"] == app.state.settings.agents.daily_token_quota


def test_approvals_when_pending_then_listed_with_the_request(client, headers, activity):
    pending = client.get("/api/v1/agents/approvals?status=pending",
                         headers=headers["viewer"]).json()
    assert [a["id"] for a in pending] == [activity.approval_id]
    assert pending[0]["payload"]["state"] == "HALTED" and pending[0]["level"] == "halt"


def test_approval_when_a_trader_approves_then_decided_by_them_and_audited(
        client, headers, activity, app):
    url = f"/api/v1/agents/approvals/{activity.approval_id}"
    answer = client.post(url, json={"approve": True, "note": "drawdown confirmed"},
                         headers=headers["trader"])
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["decided_by"]) == ("approved", "trader")
    assert ApprovalQueue(app.state.database).get(activity.approval_id).status == "approved"
    assert client.get("/api/v1/agents/approvals?status=pending",
                      headers=headers["viewer"]).json() == []
    trail = client.get("/api/v1/agents/audit?kind=approval", headers=headers["viewer"]).json()
    assert trail[0]["payload"] == {"id": activity.approval_id, "status": "approved",
                                   "by": "trader", "note": "drawdown confirmed"}
    log = client.get("/api/v1/audit?action=agents.approval", headers=headers["admin"]).json()
    assert [(e["actor"], e["target"], e["details"]["status"]) for e in log] == [
        ("trader", str(activity.approval_id), "approved")]


def test_approval_when_decided_twice_then_409_says_by_whom(client, headers, activity):
    url = f"/api/v1/agents/approvals/{activity.approval_id}"
    assert client.post(url, json={"approve": False}, headers=headers["admin"]).status_code == 200
    again = client.post(url, json={"approve": True}, headers=headers["trader"])
    assert again.status_code == 409
    assert again.json()["field"] == "approval_id" and "rejected by admin" in again.json()["fix"]


def test_approval_when_unknown_then_404(client, headers):
    answer = client.post("/api/v1/agents/approvals/999", json={"approve": True},
                         headers=headers["trader"])
    assert answer.status_code == 404 and answer.json()["field"] == "approval_id"


def test_approval_when_a_viewer_decides_then_403_and_still_pending(client, headers, activity):
    url = f"/api/v1/agents/approvals/{activity.approval_id}"
    assert client.post(url, json={"approve": True}, headers=headers["viewer"]).status_code == 403
    assert client.get("/api/v1/agents/approvals?status=pending",
                      headers=headers["viewer"]).json()[0]["status"] == "pending"


def test_agents_routes_when_mounted_then_reading_needs_a_viewer_and_deciding_a_trader(app):
    from signaltrust.api.security import route_roles

    roles = {(m, r.path): r.role for r in route_roles(app) for m in r.methods
             if r.path.startswith("/api/v1/agents")}
    assert roles == {("GET", "/api/v1/agents"): "viewer",
                     ("GET", "/api/v1/agents/audit"): "viewer",
                     ("GET", "/api/v1/agents/usage"): "viewer",
                     ("GET", "/api/v1/agents/approvals"): "viewer",
                     ("POST", "/api/v1/agents/approvals/{approval_id}"): "trader"}
