"""A loopback HTTP and WebSocket server (aiohttp, 127.0.0.1:0) that replays recorded answers.

``server.on("GET", "/v3/x", Answer(200, body), ...)`` queues answers for a route: each request
takes the next one and the last one repeats (``when={"k": "v"}`` narrows a queue to requests
with that query value). An answer may wait (``delay``: a timeout seen by a
client with a shorter one) or drop the connection (``drop``). ``server.ws("/stream", [frames],
[frames])`` queues one list of frames per connection; :data:`DROP` closes the socket at that
point, and a connection whose frames run out stays open. Every request is recorded.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> Any:
    """A recorded payload: ``golden("oanda/candles_page1.json")``."""
    return json.loads((GOLDEN / name).read_text())


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


DROP = object()


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str


class Loopback:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], deque[Answer]] = {}
        self.query_routes: list[tuple[str, str, dict[str, str], deque[Answer]]] = []
        self.sockets: dict[str, deque[list[Any]]] = {}
        self.seen: list[Seen] = []
        self.ws_received: list[Any] = []
        self.ws_connections = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    def on(self, method: str, path: str, *answers: Answer,
           when: dict[str, str] | None = None) -> Loopback:
        """Answers for a route; with ``when``, only for requests whose query holds those
        values (checked before the route's plain answers)."""
        if when:
            self.query_routes.append((method.upper(), path, dict(when), deque(answers)))
        else:
            self.routes[(method.upper(), path)] = deque(answers)
        return self

    def json(self, method: str, path: str, body: Any, status: int = 200) -> Loopback:
        return self.on(method, path, Answer(status, body))

    def ws(self, path: str, *connections: list[Any]) -> Loopback:
        self.sockets[path] = deque(connections)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def calls(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    async def start(self) -> Loopback:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Loopback:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._socket(request)
        body = await request.text()
        self.seen.append(Seen(request.method, request.path, dict(request.query),
                              dict(request.headers), body))
        queue = next((q for m, p, when, q in self.query_routes
                      if m == request.method and p == request.path
                      and all(request.query.get(k) == v for k, v in when.items())),
                     self.routes.get((request.method, request.path)))
        if not queue:
            return web.json_response({"message": f"no recording for {request.method} "
                                      f"{request.path}"}, status=404)
        answer = queue.popleft() if len(queue) > 1 else queue[0]
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.drop:
            request.transport.close()  # type: ignore[union-attr]
            raise asyncio.CancelledError
        if isinstance(answer.body, str) and answer.headers.get("Content-Type") == "lines":
            response = web.StreamResponse(status=answer.status)
            await response.prepare(request)
            for line in answer.body.splitlines(keepends=True):
                await response.write(line.encode())
            return response
        text = "" if answer.body is None else json.dumps(answer.body)
        return web.Response(status=answer.status, text=text, headers=answer.headers,
                            content_type="application/json")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.ws_connections += 1
        queue = self.sockets.get(request.path)
        frames = (queue.popleft() if len(queue) > 1 else queue[0]) if queue else []
        reader = asyncio.get_running_loop().create_task(self._read(socket))
        try:
            for frame in frames:
                if frame is DROP:
                    await socket.close()
                    return socket
                if isinstance(frame, tuple) and frame[0] == "wait":  # wait for a client frame
                    await asyncio.sleep(frame[1])
                    continue
                await socket.send_str(json.dumps(frame))
                await asyncio.sleep(0)
            await reader
        finally:
            reader.cancel()
        return socket

    async def _read(self, socket: web.WebSocketResponse) -> None:
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.ws_received.append(json.loads(message.data))


class FakeTime:
    """A clock that only moves when something sleeps: backoffs and rate limits cost nothing."""

    def __init__(self, start_ns: int) -> None:
        self.ns = start_ns
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.ns / 1e9

    def clock_ns(self) -> int:
        return self.ns

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.ns += int(max(0.0, seconds) * 1e9)
        await asyncio.sleep(0)
