"""Nodes through the API: start a paper node (trader), read it (viewer), command it (audited)."""

from __future__ import annotations

import time

import pytest

from signaltrust.api.audit import AuditLog

SPEED = "4320000"  # goog's daily bars at about 50 a second


def _ok(answer):
    return answer.json() if answer.status_code == 200 else None


def _until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def node(client, headers, app):
    answer = client.post("/api/v1/nodes", headers=headers["trader"], json={
        "name": "api1", "data": "goog", "strategy": "sma_cross", "speed": SPEED})
    assert answer.status_code == 202, answer.text
    yield "api1"
    service = app.state.nodes
    for process in service._processes.values():
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.mark.slow
def test_node_when_started_through_the_api_then_readable_commandable_and_audited(
        client, headers, node, app):
    viewer, trader = headers["viewer"], headers["trader"]
    _until(lambda: _ok(client.get(f"/api/v1/nodes/{node}/fills", headers=viewer)))
    listed = client.get("/api/v1/nodes", headers=viewer).json()
    assert [n["name"] for n in listed] == [node] and listed[0]["status"] == "running"
    positions = _until(lambda: _ok(client.get(f"/api/v1/nodes/{node}/positions",
                                              headers=viewer)))
    assert positions[0]["symbol"] == "goog" and positions[0]["quantity"] > 0
    pnl = client.get(f"/api/v1/nodes/{node}/pnl", headers=viewer).json()[0]
    assert pnl["pnl"] == pytest.approx(pnl["equity"] - pnl["start_cash"])
    orders = client.get(f"/api/v1/nodes/{node}/orders", headers=viewer).json()
    assert orders and all(o["kind"] == "order" for o in orders)
    assert client.post(f"/api/v1/nodes/{node}/close", headers=viewer).status_code == 403
    cancel = client.post(f"/api/v1/nodes/{node}/cancel", headers=trader, json={"wait": 10})
    assert cancel.json()["answer"] == "cancel sent for the open orders"
    assert client.post(f"/api/v1/nodes/{node}/acknowledge", headers=trader,
                       json={}).status_code == 403
    ack = client.post(f"/api/v1/nodes/{node}/acknowledge", headers=headers["admin"],
                      json={"wait": 10, "note": "checked"})
    assert ack.json()["answered"] is True
    stop = client.post(f"/api/v1/nodes/{node}/stop", headers=trader, json={"wait": 10})
    assert stop.status_code == 200 and stop.json()["answer"] == "stopping"
    _until(lambda: client.get(f"/api/v1/nodes/{node}", headers=viewer).json()["status"]
           == "stopped")
    actions = [(e.actor, e.action) for e in AuditLog(app.state.database).entries()]
    assert ("trader", "nodes.start") in actions and ("trader", "nodes.stop") in actions
    assert ("trader", "nodes.cancel") in actions and ("admin", "nodes.ack") in actions


def test_node_when_unknown_then_400_naming_it(client, headers):
    answer = client.get("/api/v1/nodes/ghost/fills", headers=headers["viewer"])
    assert answer.status_code == 400 and answer.json()["field"] == "name"


def test_start_when_viewer_then_403(client, headers, app):
    answer = client.post("/api/v1/nodes", headers=headers["viewer"], json={
        "name": "x", "data": "goog", "strategy": "sma_cross"})
    assert answer.status_code == 403
