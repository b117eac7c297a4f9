"""The WebSocket against a running paper node: authentication in the first message, snapshot
then numbered deltas, resync; gaps and a slow client at the hub."""

from __future__ import annotations

import asyncio
import time

import pytest
from starlette.websockets import WebSocketDisconnect

from signaltrust.api.services.hub import CLOSE_SLOW, Hub
from signaltrust.api.services.nodes import NodeService
from signaltrust.storage import Database

SPEED = "4320000"  # goog's daily bars at about 50 a second


def _kill(service: NodeService) -> None:
    for process in service._processes.values():
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _signed_in(ws, token: str) -> dict:
    ws.send_json({"type": "auth", "token": token})
    return ws.receive_json()


class _Reader:
    """Reads one connection, keeping every message per channel (none is thrown away)."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.seen: dict[str, list[dict]] = {}
        self.unread: dict[str, list[dict]] = {}

    def next(self, channel: str) -> dict:
        while not self.unread.get(channel):
            message = self.ws.receive_json()
            name = message.get("channel", message["type"])
            self.seen.setdefault(name, []).append(message)
            self.unread.setdefault(name, []).append(message)
        return self.unread[channel].pop(0)


def test_ws_when_first_message_is_not_a_valid_token_then_closed_4401(client):
    with client.websocket_connect("/api/v1/ws") as ws:
        answer = _signed_in(ws, "not-a-token")
        assert answer["type"] == "error" and answer["field"] == "Authorization"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_ws_when_token_is_in_the_url_then_refused_4400(client, tokens):
    url = f"/api/v1/ws?token={tokens.access['viewer']}"
    with client.websocket_connect(url) as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 4400


def test_ws_when_channel_is_unknown_then_error_names_it_and_connection_stays(client, tokens):
    with client.websocket_connect("/api/v1/ws") as ws:
        welcome = _signed_in(ws, tokens.access["viewer"])
        assert welcome["type"] == "welcome" and welcome["role"] == "viewer"
        ws.send_json({"type": "subscribe", "channel": "gossip"})
        error = ws.receive_json()
        assert error["type"] == "error" and error["field"] == "channel"
        ws.send_json({"type": "subscribe", "channel": "fills"})
        assert ws.receive_json()["field"] == "node"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


@pytest.mark.slow
def test_ws_when_following_a_running_node_then_snapshot_deltas_in_order_and_resync(
        client, headers, tokens, app):
    started = client.post("/api/v1/nodes", headers=headers["trader"], json={
        "name": "w1", "data": "goog", "strategy": "sma_cross", "speed": SPEED})
    assert started.status_code == 202, started.text
    try:
        app.state.nodes.wait_started("w1")
        with client.websocket_connect("/api/v1/ws") as ws:
            _signed_in(ws, tokens.access["viewer"])
            read = _Reader(ws)
            ws.send_json({"type": "subscribe", "channel": "candles", "node": "w1"})
            ws.send_json({"type": "subscribe", "channel": "positions", "node": "w1"})
            snapshot = read.next("candles")
            assert snapshot["type"] == "snapshot" and snapshot["seq"] == 1
            deltas = [read.next("candles") for _ in range(30)]
            assert [d["seq"] for d in deltas] == list(range(2, 32))
            assert all(d["type"] == "delta" and d["data"]["symbol"] == "goog" for d in deltas)
            times = [d["data"]["time"] for d in deltas]
            assert times == sorted(times) and len(set(times)) == 30
            assert read.next("positions")["type"] == "snapshot"
            ws.send_json({"type": "resync", "channel": "candles", "node": "w1"})
            message = read.next("candles")
            while message["type"] == "delta":  # those sent before the resync was read
                message = read.next("candles")
            after = read.next("candles")
            candles = read.seen["candles"]
            assert [m["seq"] for m in candles] == list(range(1, len(candles) + 1))
            assert message["type"] == "snapshot" and message["data"][-1]["time"] >= times[-1]
            assert after["type"] == "delta" and after["seq"] == message["seq"] + 1
    finally:
        _kill(app.state.nodes)


class _Connection:
    """A client at the hub: ``gate`` holds its sends (a slow reader) until set."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.gate = gate
        self.received: list[dict] = []
        self.closed_with: int | None = None

    async def send(self, message: dict) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.received.append(message)

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = code


async def _wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


@pytest.mark.slow
def test_hub_when_a_client_lags_then_it_sees_a_gap_resyncs_and_a_stuck_one_is_dropped(
        tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    database.upgrade()
    nodes = NodeService(database, home=tmp_path / "home", log_dir=tmp_path / "logs")
    nodes.start("g1", data="goog", strategy="sma_cross", speed=SPEED)

    async def scenario() -> tuple:
        nodes.wait_started("g1")
        hub = Hub(nodes=nodes, queue_size=4, max_skipped=40, lag_seconds=1e9,
                  poll_seconds=0.05)
        gate = asyncio.Event()
        lagging, stuck, steady = _Connection(gate), _Connection(asyncio.Event()), _Connection()
        clients = [hub.attach(c.send, c.close, None) for c in (lagging, stuck, steady)]
        pumps = [asyncio.create_task(hub.pump(c)) for c in clients]
        subscribe = {"type": "subscribe", "channel": "candles", "node": "g1"}
        for client in clients:
            await hub.handle(client, subscribe)
        await _wait_for(lambda: clients[0].skipped >= 3)  # it fell behind: deltas skipped
        gate.set()
        await _wait_for(lambda: stuck.closed_with is not None)  # never reads: dropped
        dropped_at = len(steady.received)
        await _wait_for(lambda: len(steady.received) > dropped_at + 10)
        seqs = [m["seq"] for m in lagging.received if m.get("channel") == "candles"]
        gap = next(i for i in range(1, len(seqs)) if seqs[i] != seqs[i - 1] + 1)
        await hub.handle(clients[0], {**subscribe, "type": "resync"})
        await _wait_for(lambda: lagging.received[-1]["type"] == "snapshot"
                        or any(m["type"] == "snapshot" for m in lagging.received[gap:]))
        for task in pumps:
            task.cancel()
        await hub.close()
        return hub, clients, lagging, stuck, steady, seqs, gap

    try:
        hub, clients, lagging, stuck, steady, seqs, gap = asyncio.run(scenario())
    finally:
        _kill(nodes)
        database.dispose()
    assert seqs[gap] > seqs[gap - 1] + 1  # the numbers tell the client what it missed
    resynced = [m for m in lagging.received[1:] if m["type"] == "snapshot"]
    assert resynced and resynced[0]["seq"] > seqs[gap]
    assert stuck.closed_with == CLOSE_SLOW and clients[1] not in hub.clients
    steady_seqs = [m["seq"] for m in steady.received]
    assert steady_seqs == list(range(1, len(steady_seqs) + 1))  # the others lost nothing


def test_hub_when_the_app_has_an_event_bus_then_node_events_come_from_it(tmp_path):
    import os

    from signaltrust.core.bus import InProcessBus, make_event, topic
    from signaltrust.storage import NodeRegistry

    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    database.upgrade()
    NodeRegistry(database).register("b1", "paper", {"accounts": []}, pid=os.getpid())
    nodes = NodeService(database, home=tmp_path / "home", log_dir=tmp_path / "logs")

    async def scenario() -> list[dict]:
        bus = InProcessBus()
        hub = Hub(nodes=nodes, bus=bus, poll_seconds=0.05)
        seen = _Connection()
        client = hub.attach(seen.send, seen.close, None)
        pump = asyncio.create_task(hub.pump(client))
        for channel in ("fills", "health"):
            await hub.handle(client, {"type": "subscribe", "channel": channel, "node": "b1"})
        fill = {"account": "main", "fill_id": "F-1", "side": "BUY", "quantity": "5",
                "price": "101.5", "symbol": "goog"}
        await bus.publish(topic("b1", "fills"), make_event("fill", "fills", "b1", "main",
                                                           1_000, fill, "b1-j1"))
        await bus.publish(topic("b1", "status"), make_event(
            "status", "status", "b1", "node", 2_000, {"status": "running", "steps": 7}, "s1"))
        await _wait_for(lambda: len(seen.received) >= 4)
        pump.cancel()
        await hub.close()
        return seen.received

    try:
        received = asyncio.run(scenario())
    finally:
        database.dispose()
    fills = [m for m in received if m["channel"] == "fills"]
    health = [m for m in received if m["channel"] == "health"]
    assert [m["type"] for m in fills] == ["snapshot", "delta"] and fills[0]["data"] == []
    assert fills[1]["seq"] == 2 and fills[1]["data"]["fill_id"] == "F-1"
    assert fills[1]["data"]["bus_seq"] == 1
    assert health[1]["data"]["steps"] == 7 and health[1]["data"]["status"] == "running"


def test_ws_when_a_job_runs_then_the_jobs_channel_follows_it_to_done(client, headers, tokens,
                                                                     app, tmp_path):
    from signaltrust.api.services.jobs import JobRunner

    app.state.jobs = JobRunner(app.state.database, output_dir=tmp_path / "jobs", pool="thread")
    try:
        with client.websocket_connect("/api/v1/ws") as ws:
            _signed_in(ws, tokens.access["viewer"])
            read = _Reader(ws)
            ws.send_json({"type": "subscribe", "channel": "jobs"})
            assert read.next("jobs") == {"type": "snapshot", "channel": "jobs", "node": None,
                                         "seq": 1, "data": []}
            job = client.post("/api/v1/backtests/sweeps", headers=headers["trader"], json={
                "data": "goog", "strategy": "sma_cross",
                "grid": {"fast": "5:20:5", "slow": "30:60:10"}}).json()
            states = []
            while not states or states[-1]["status"] not in ("done", "failed"):
                delta = read.next("jobs")
                assert delta["type"] == "delta" and delta["data"]["id"] == job["id"]
                states.append(delta["data"])
    finally:
        app.state.jobs.shutdown(wait=True)
    assert states[-1]["status"] == "done" and states[-1]["progress"] == 1.0
    seqs = [m["seq"] for m in read.seen["jobs"]]
    assert seqs == list(range(1, len(seqs) + 1))
