"""Fixtures of the event-bus tests: a bus of each backend (memory, the machine's NATS JetStream
and Redis), a node name of its own per test (its events deleted afterwards), and private
NATS and Redis servers that a test may stop and start again (reconnects)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest

from signaltrust.core.bus import EventBus, InProcessBus
from signaltrust.live.bus import NatsBus, RedisBus

NATS_URL = os.environ.get("SIGNALTRUST_TEST_NATS_URL", "nats://127.0.0.1:4222")
REDIS_URL = os.environ.get("SIGNALTRUST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def run(coroutine: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
    """Run a test's coroutine on a fresh loop, failing it when it hangs."""
    return asyncio.run(asyncio.wait_for(coroutine, timeout))


def _reachable(url: str) -> bool:
    host_port = url.split("://", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


def _require(url: str, what: str) -> None:
    if not _reachable(url):
        if os.environ.get("CI"):
            pytest.fail(f"{what} is required in CI and is unreachable at {url}")
        pytest.skip(f"{what} unreachable at {url}")


Opener = Callable[..., Awaitable[EventBus]]


def _opener(backend: str) -> Opener:
    if backend == "nats":
        _require(NATS_URL, "NATS JetStream")
        return lambda **kw: NatsBus(NATS_URL, **kw).connect()
    if backend == "redis":
        _require(REDIS_URL, "Redis")
        return lambda **kw: RedisBus(REDIS_URL, **kw).connect()

    async def memory(**kw: Any) -> EventBus:
        kw.pop("max_age_hours", None)
        return InProcessBus(**kw)

    return memory


@pytest.fixture(params=[
    "memory",
    pytest.param("nats", marks=pytest.mark.nats),
    pytest.param("redis", marks=pytest.mark.redis),
])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def node() -> str:
    """A node name no other test (or earlier run) uses."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def open_bus(backend: str, node: str) -> Callable[..., Any]:
    """``async with open_bus(**options) as bus``: a connected bus of the backend; on leaving,
    the test node's events are deleted and the bus closed."""
    opener = _opener(backend)

    @asynccontextmanager
    async def opened(**options: Any) -> AsyncIterator[EventBus]:
        bus = await opener(**options)
        try:
            yield bus
        finally:
            try:
                await bus.delete_node(node)
            finally:
                await bus.close()

    return opened


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, up: bool, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _reachable(f"x://127.0.0.1:{port}") == up:
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not go {'up' if up else 'down'}")


class PrivateServer:
    """A server process of this test alone, on a free port: ``stop()`` and ``start()`` it
    again to break every client's connection."""

    def __init__(self, command: Callable[[int], list[str]], scheme: str) -> None:
        self.port = _free_port()
        self.command = command(self.port)
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        _wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
        _wait_port(self.port, up=False)


@pytest.fixture
def private_nats(tmp_path: Any) -> Any:
    """A NATS server with JetStream (its store in the test's folder), started."""
    binary = shutil.which("nats-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nats-server is required in CI")
        pytest.skip("nats-server is not installed")
    store = tmp_path / "jetstream"
    server = PrivateServer(lambda port: [binary, "-js", "-a", "127.0.0.1", "-p", str(port),
                                         "-sd", str(store)], "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_redis(tmp_path: Any) -> Any:
    """A Redis server without persistence, started."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server is not installed")
    server = PrivateServer(lambda port: [binary, "--port", str(port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no",
                                         "--dir", str(tmp_path)], "redis")
    server.start()
    yield server
    server.stop()
