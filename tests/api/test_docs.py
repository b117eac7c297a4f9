"""docs/api.md runs: its httpx examples in order, and its curl examples against a real uvicorn
server on a free loopback port."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from tests.api.conftest import make_app

PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_api_page_when_python_examples_run_in_order_then_no_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for index, block in enumerate(_blocks("python")):
        exec(compile(block, f"docs/api.md block {index}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "'after': 2.0" in printed and "422 start 2018-13-45" in printed
    assert "200 canceled" in printed and "409 job_id" in printed  # a job canceled once
    assert "[('grace', True)]" in printed  # and the cancel audited


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl, jq")
def test_api_page_when_curl_examples_run_against_a_server_then_they_succeed(tmp_path):
    app = make_app(tmp_path)
    app.state.access.users.add("ada", "trader", "correct horse battery")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        script = "set -euo pipefail\n" + "\n".join(_blocks("bash"))
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "API": f"http://127.0.0.1:{port}"})
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"name":"ada"' in done.stdout and '"role":"trader"' in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "403"
    assert "sp500" in done.stdout
