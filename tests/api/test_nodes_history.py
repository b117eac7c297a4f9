"""A node's history through the API: its equity curve and its log (viewer), and closing one
symbol's position (trader, audited), on a paper node stepped in this process."""

from __future__ import annotations

import pytest

from signaltrust.api.audit import AuditLog
from tests.live.test_node_close import play, started, two_symbols


@pytest.fixture
def node(app):
    node = started(app.state.database, two_symbols(60), name="hist")
    play(node, 30)
    return node


def test_equity_when_read_then_it_starts_at_the_cash_and_ends_at_the_nodes_equity(
        client, headers, node):
    answer = client.get("/api/v1/nodes/hist/equity", headers=headers["viewer"])
    assert answer.status_code == 200, answer.text
    points = answer.json()
    assert len(points) == 30
    assert points[0]["equity"] == {"main": 100_000.0}
    assert points[-1]["total"] == pytest.approx(node.accounts["main"].core.equity, abs=1e-9)
    assert points[-1]["time"] == node.summary()["last_bar"]
    times = [p["time"] for p in points]
    assert times == sorted(times)
    few = client.get("/api/v1/nodes/hist/equity?limit=5", headers=headers["viewer"]).json()
    assert len(few) == 5 and few[0] == points[0] and few[-1] == points[-1]


def test_close_when_a_symbol_is_named_then_the_node_closes_it_audited_and_logged(
        client, headers, app, node):
    answer = client.post("/api/v1/nodes/hist/close", headers=headers["trader"],
                         json={"symbol": "A", "wait": 0, "note": "too much A"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["answered"] is False  # the node has not looked at its queue yet
    node._poll_commands()
    play(node, 2)
    ledger = node.accounts["main"].core.ledger
    assert ledger.quantity("A") == 0 and ledger.quantity("B") == 10
    entries = [e for e in AuditLog(app.state.database).entries() if e.action == "nodes.close"]
    assert [(e.actor, e.target) for e in entries] == [("trader", "hist")]
    assert entries[0].details["symbol"] == "A"
    logs = client.get("/api/v1/nodes/hist/logs", headers=headers["viewer"]).json()
    assert [(line["kind"], line["message"]) for line in logs] == [
        ("command", "trader: close (symbol A, note too much A)")]
    assert logs[0]["seq"] > 0 and logs[0]["actor"] == "trader"


def test_close_when_the_node_neither_holds_nor_trades_the_symbol_then_400_naming_it(
        client, headers, node):
    answer = client.post("/api/v1/nodes/hist/close", headers=headers["trader"],
                         json={"symbol": "MSFT"})
    assert answer.status_code == 400
    body = answer.json()
    assert body["field"] == "symbol" and body["value"] == "MSFT" and "positions" in body["fix"]


def test_close_when_viewer_then_403(client, headers, node):
    answer = client.post("/api/v1/nodes/hist/close", headers=headers["viewer"],
                         json={"symbol": "A"})
    assert answer.status_code == 403


def test_logs_when_limited_then_the_latest_lines_come(client, headers, node):
    from signaltrust.storage import NodeRegistry

    registry = NodeRegistry(node.database)
    for command in ("pause", "resume", "pause"):
        registry.post("hist", command, actor="ops")
        node._poll_commands()
    logs = client.get("/api/v1/nodes/hist/logs?limit=2", headers=headers["viewer"]).json()
    assert [line["message"] for line in logs] == ["ops: resume", "ops: pause"]


def test_history_when_the_node_is_unknown_then_400_naming_it(client, headers):
    for path in ("equity", "logs"):
        answer = client.get(f"/api/v1/nodes/ghost/{path}", headers=headers["viewer"])
        assert answer.status_code == 400 and answer.json()["field"] == "name"
