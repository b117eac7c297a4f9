"""``signaltrust.ops.probe``: the container's health check asks the API on this host, over
HTTPS when TLS is configured, and fails when nothing answers."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from signaltrust.ops.probe import check, main, probe_url


def test_probe_url_when_tls_is_configured_then_https_on_the_configured_port():
    assert probe_url({"SIGNALTRUST__API__TLS_CERTFILE": "/x.crt",
                      "SIGNALTRUST__API__PORT": "9443"}, "/ready") == "https://127.0.0.1:9443/ready"
    assert probe_url({}) == "http://127.0.0.1:8000/health"


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_check_when_the_api_answers_200_then_true_and_503_then_false():
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        assert check(f"http://127.0.0.1:{port}/health")
        assert not check(f"http://127.0.0.1:{port}/ready")
    finally:
        server.shutdown()


def test_main_when_nothing_listens_then_exit_status_1(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SIGNALTRUST__API__PORT", str(port))
    monkeypatch.delenv("SIGNALTRUST__API__TLS_CERTFILE", raising=False)
    assert main(["/health"]) == 1
