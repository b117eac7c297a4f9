"""Fixtures of the text tests: recorded payloads served from loopback, a clock, a store."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

PAYLOADS = Path(__file__).resolve().parent / "payloads"


class _Recorded(BaseHTTPRequestHandler):
    """Serves ``payloads/<name>``; ``/limited/<name>`` answers 429 (Retry-After: 0) on the first
    request, ``/down`` answers 503 always."""

    limited_hits: dict[str, int] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.lstrip("/")
        if path == "down":
            self._send(503, b"busy", "text/plain")
            return
        if path.startswith("limited/"):
            path = path[len("limited/"):]
            hits = self.server.limited_hits  # type: ignore[attr-defined]
            hits[path] = hits.get(path, 0) + 1
            if hits[path] == 1:
                self.send_response(429)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
        target = PAYLOADS / path
        if not target.is_file():
            self._send(404, b"not found", "text/plain")
            return
        self.server.user_agents.append(self.headers.get("User-Agent", ""))  # type: ignore[attr-defined]
        kind = "application/json" if target.suffix == ".json" else "application/xml"
        self._send(200, target.read_bytes(), kind)

    def _send(self, code: int, body: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def feed_server():
    """A loopback HTTP server of the recorded payloads; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)
    server.limited_hits = {}  # type: ignore[attr-defined]
    server.user_agents = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clock():
    """A fixed ingest clock (first-seen time) the test can move."""

    class Clock:
        now = pd.Timestamp("2024-03-06T09:00:00Z")

        def __call__(self) -> pd.Timestamp:
            return self.now

    return Clock()


@pytest.fixture
def sqlite_store(tmp_path):
    from signaltrust.text import DocumentStore

    store = DocumentStore.open(f"sqlite:///{tmp_path / 'docs.db'}")
    yield store
    store.close()


@pytest.fixture(scope="session")
def minilm():
    """The MiniLM embedder, loaded once per test session (CPU, from the installed package)."""
    from signaltrust.text.embeddings import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    embedder.embed(["warm up"])
    return embedder
