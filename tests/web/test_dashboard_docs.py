"""docs/dashboard.md runs: its Python example against a real API server on a free loopback
port, with a paper node (a real process) holding goog."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from signaltrust.api.services.state import nodes_of
from tests.api.conftest import make_app

PAGE = Path(__file__).resolve().parents[2] / "docs" / "dashboard.md"
HOLDING = Path(__file__).resolve().parent / "holding.py"
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_dashboard_page_when_its_python_example_runs_then_it_closes_goog_and_logs_it(
        tmp_path, monkeypatch, capsys):
    app = make_app(tmp_path)
    app.state.access.users.add("ada", "trader", PASSWORD)
    database = app.state.database
    env = {**os.environ, "SIGNALTRUST_HOME": str(tmp_path / "home"),
           "SIGNALTRUST__DATABASE__URL": database.url.render_as_string(hide_password=False)}
    node = subprocess.Popen(
        [sys.executable, "-c", "from signaltrust.cli.main import run; run()", "paper",
         "--data", "goog", "--strategy", f"{HOLDING}:HoldsEach", "--name", "demo",
         "--speed", "86400", "--json"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        registry = nodes_of(app).registry
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            record = registry.get("demo")
            held = (record.summary or {}).get("accounts", [{}])[0].get("positions", {}) \
                if record is not None and record.summary else {}
            if held.get("goog") and server.started:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the node holds no goog after 60 s")
        monkeypatch.chdir(tmp_path)
        namespace = {"__name__": "__docs__", "API": f"http://127.0.0.1:{port}",
                     "PASSWORD": PASSWORD}
        blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
        assert blocks
        for index, block in enumerate(blocks):
            exec(compile(block, f"docs/dashboard.md block {index}", "exec"), namespace)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        node.terminate()
        node.wait(15)
    printed = capsys.readouterr().out
    assert "{'main': 100000.0} ->" in printed
    assert "closing the position in goog with a market order" in printed
    assert "400 symbol" in printed
    assert "command ada: close (symbol goog)" in printed
