"""Several processes on one machine, as a deployment runs them: two paper nodes, an API with two
worker processes and a job worker share one PostgreSQL schema and NATS JetStream. One WebSocket
client of the API (/api/v1/ws) receives both nodes' events, and so does a follower of the bus; a
node killed is reported down through the API within 5 seconds, and started again under its name
it resumes from its journal. A backtest submitted through the API (queue backend) is run by the
job worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner
from websockets.sync.client import connect

NATS_URL = os.environ.get("SIGNALTRUST_TEST_NATS_URL", "nats://127.0.0.1:4222")
START_S = 120.0  # imports and numba compilation of four processes on a busy two-core machine
SPEED = "2592000"  # a month of market time a second: about 20 daily bars a second

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.nats]


def _nats() -> None:
    host_port = NATS_URL.split("://", 1)[1]
    host, _, port = host_port.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=1.0).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail(f"NATS is required in CI and is unreachable at {NATS_URL}")
        pytest.skip(f"NATS unreachable at {NATS_URL}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _signaltrust(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - this interpreter running the project's own CLI
        [sys.executable, "-c", "from signaltrust.cli.main import run; run()", *args],
        stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)


class BusFollower:
    """Follows the named nodes' events on NATS in a thread of its own; counts them by node."""

    def __init__(self, nodes: list[str], env: dict[str, str]) -> None:
        self.nodes, self.env = nodes, env
        self.events: Counter[str] = Counter()
        self.ready, self.stopping = threading.Event(), threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> BusFollower:
        self.thread.start()
        assert self.ready.wait(30), self.error
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._follow())
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
            self.ready.set()

    async def _follow(self) -> None:
        from signaltrust.core.config import BusSettings
        from signaltrust.live.bus import follow, open_bus

        bus = await open_bus(BusSettings(backend="nats", url=NATS_URL))
        try:
            subscriptions = [follow(bus, node) for node in self.nodes]
            for subscription in subscriptions:
                await subscription.start()
            self.ready.set()

            async def take(node: str, subscription: Any) -> None:
                async for _event in subscription:
                    self.events[node] += 1

            tasks = [asyncio.create_task(take(n, s))
                     for n, s in zip(self.nodes, subscriptions, strict=True)]
            while not self.stopping.is_set():
                await asyncio.sleep(0.1)
                for task in tasks:
                    if task.done() and task.exception():
                        raise task.exception()  # type: ignore[misc]
            for task in tasks:
                task.cancel()
            for subscription in subscriptions:
                await subscription.aclose()
            for node in self.nodes:
                await bus.delete_node(node)
        finally:
            await bus.close()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(30)


class WebSocketClient:
    """One client of the API's WebSocket: authenticates with an API key, subscribes to nodes'
    candles, counts the deltas it receives by node in a thread of its own."""

    def __init__(self, socket: Any, key: str) -> None:
        self.socket = socket
        self.socket.send(json.dumps({"type": "auth", "api_key": key}))
        welcome = json.loads(self.socket.recv(timeout=10))
        assert welcome["type"] == "welcome", welcome
        self.deltas: Counter[str] = Counter()
        self.errors: list[dict] = []
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def subscribe(self, node: str, channel: str = "candles") -> None:
        self.socket.send(json.dumps({"type": "subscribe", "channel": channel, "node": node}))

    def _receive(self) -> None:
        try:
            for text in self.socket:
                message = json.loads(text)
                if message["type"] == "delta":
                    self.deltas[message["node"]] += 1
                elif message["type"] == "error":
                    self.errors.append(message)
        except Exception:  # closed at the end of the test
            return


def _nodes(api: str, key: str) -> dict[str, dict]:
    answer = httpx.get(f"{api}/api/v1/nodes", headers={"X-API-Key": key}, timeout=5)
    assert answer.status_code == 200, answer.text
    return {n["name"]: n for n in answer.json()}


def _wait(what: str, check: Any, timeout_s: float, logs: list[Path]) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = check()
        except httpx.TransportError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in logs if p.exists())
    pytest.fail(f"timed out waiting for {what}\n{tails}")


def test_processes_when_two_nodes_and_two_api_workers_share_postgres_and_nats_then_events_flow_and_a_killed_node_is_down_then_resumes(  # noqa: E501
        tmp_path, monkeypatch, postgres_url, postgres_schema):
    _nats()
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{postgres_schema}"')
    database_url = (postgres_url.replace("postgresql://", "postgresql+psycopg://")
                    + f"?options=-csearch_path%3D{postgres_schema}")
    shared = {"SIGNALTRUST__DATABASE__URL": database_url, "SIGNALTRUST__BUS__BACKEND": "nats",
              "SIGNALTRUST__BUS__URL": NATS_URL, "SIGNALTRUST_HOME": str(tmp_path / "home"),
              "SIGNALTRUST__JOBS__BACKEND": "queue"}
    for name, value in shared.items():
        monkeypatch.setenv(name, value)
    env = {**os.environ, **shared}

    from signaltrust.cli.main import app

    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "ops", "--role", "viewer", "--password",
                                "correct horse battery"])
    assert added.exit_code == 0, added.output
    created = runner.invoke(app, ["keys", "create", "ops-test", "--user", "ops"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    added = runner.invoke(app, ["users", "add", "ops-trader", "--role", "trader", "--password",
                                "correct horse battery"])
    assert added.exit_code == 0, added.output
    created = runner.invoke(app, ["keys", "create", "ops-trade", "--user", "ops-trader",
                                  "--role", "trader"])
    assert created.exit_code == 0, created.output
    trader_key = created.output.strip().splitlines()[-1]

    run = uuid.uuid4().hex[:8]
    a, b = f"ops-a-{run}", f"ops-b-{run}"
    port = _free_port()
    api = f"http://127.0.0.1:{port}"
    logs = {name: tmp_path / f"{name}.log" for name in ("api", "worker", a, b, f"{a}-again")}
    node_args = ["paper", "--data", "sp500", "--strategy", "sma_cross", "--speed", SPEED,
                 "--name"]
    processes: list[subprocess.Popen] = []
    follower = BusFollower([a, b], env).start()
    closing = ExitStack()
    try:
        processes.append(_signaltrust(["api", "--port", str(port), "--workers", "2"], env,
                                      logs["api"]))
        _wait("the API to be ready",
              lambda: httpx.get(f"{api}/ready", timeout=2).status_code == 200, START_S,
              list(logs.values()))
        processes.append(_signaltrust(["jobs", "work", "--workers", "1"], env, logs["worker"]))
        submitted = httpx.post(f"{api}/api/v1/backtests", headers={"X-API-Key": trader_key},
                               json={"data": "goog", "strategy": "sma_cross"}, timeout=10)
        assert submitted.status_code == 202, submitted.text
        job_url = f"{api}/api/v1/jobs/{submitted.json()['id']}"
        node_a = _signaltrust([*node_args, a], env, logs[a])
        processes += [node_a, _signaltrust([*node_args, b], env, logs[b])]

        def both_running() -> bool:
            nodes = _nodes(api, key)
            return all(nodes.get(n, {}).get("status") == "running"
                       and (nodes[n].get("steps") or 0) > 20 for n in (a, b))

        _wait("both nodes to run", both_running, START_S, list(logs.values()))
        client = WebSocketClient(
            closing.enter_context(connect(f"ws://127.0.0.1:{port}/api/v1/ws", open_timeout=10)),
            key)
        for node in (a, b):
            client.subscribe(node)
        _wait("the events of both nodes on one WebSocket",
              lambda: client.deltas[a] > 0 and client.deltas[b] > 0, 30, list(logs.values()))
        assert client.errors == []
        _wait("the events of both nodes on the bus",
              lambda: follower.events[a] > 0 and follower.events[b] > 0, 30,
              list(logs.values()))

        before = _nodes(api, key)[a]
        os.kill(node_a.pid, signal.SIGKILL)
        node_a.wait(10)
        killed_at = time.monotonic()
        down = _wait("the API to report the killed node down",
                     lambda: _nodes(api, key)[a]["status"].startswith("down"), 5.0,
                     list(logs.values()))
        assert down and time.monotonic() - killed_at <= 5.0
        assert _nodes(api, key)[b]["status"] == "running"  # the other node goes on

        seen = follower.events[a]
        processes.append(_signaltrust([*node_args, a], env, logs[f"{a}-again"]))

        def running_again() -> dict | None:
            node = _nodes(api, key)[a]
            return node if node["status"] == "running" and node["pid"] != node_a.pid else None

        again = _wait("the restarted node to run", running_again, START_S, list(logs.values()))
        # from its journal: at its first heartbeat it is already past where it was killed
        assert again["steps"] >= before["steps"] and again["last_bar"] >= before["last_bar"]
        _wait("the restarted node's events", lambda: follower.events[a] > seen, 30,
              list(logs.values()))
        assert follower.error is None
        job = _wait("the job worker to run the backtest", lambda: (lambda j: j if j["status"]
                    not in ("queued", "running") else None)(
            httpx.get(job_url, headers={"X-API-Key": key}, timeout=5).json()), START_S,
            list(logs.values()))
        assert job["status"] == "done", job["error"]
        assert job["result"]["headline"]["trades"] > 0
    finally:
        closing.close()
        follower.stop()
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
