"""``signaltrust users``, ``keys`` and ``api``: what an operator types."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from signaltrust.cli.api import api
from signaltrust.cli.keys import app as keys_app
from signaltrust.cli.users import app as users_app

runner = CliRunner()


def _api_app() -> typer.Typer:
    single = typer.Typer()
    single.command("api")(api)
    return single


def test_users_when_added_listed_and_removed_then_the_listing_follows():
    added = runner.invoke(users_app, ["add", "ada", "--role", "admin", "--password",
                                      "correct horse battery", "--json"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["role"] == "admin"
    listed = json.loads(runner.invoke(users_app, ["list", "--json"]).output)
    assert [(u["name"], u["role"]) for u in listed] == [("ada", "admin")]
    assert runner.invoke(users_app, ["remove", "ada"]).exit_code == 0
    assert json.loads(runner.invoke(users_app, ["list", "--json"]).output) == []


def test_users_when_role_unknown_then_error_names_the_roles():
    result = runner.invoke(users_app, ["add", "ada", "--role", "boss", "--password",
                                       "correct horse battery"])
    assert result.exit_code == 1
    assert "viewer" in result.output and "boss" in result.output


def test_users_when_password_is_short_then_refused():
    result = runner.invoke(users_app, ["add", "ada", "--role", "viewer", "--password", "short"])
    assert result.exit_code == 1 and "10 characters" in result.output


def test_keys_when_created_then_printed_once_and_listed_without_the_key():
    runner.invoke(users_app, ["add", "bot", "--role", "trader", "--password",
                              "correct horse battery"])
    created = runner.invoke(keys_app, ["create", "feeder", "--user", "bot", "--scope", "data",
                                       "--scope", "risk"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("stk_")
    listed = runner.invoke(keys_app, ["list", "--json"]).output
    assert key not in listed
    row = json.loads(listed)[0]
    assert row["scopes"] == ["data", "risk"] and row["role"] == "viewer"
    assert runner.invoke(keys_app, ["revoke", row["id"]]).exit_code == 0
    assert json.loads(runner.invoke(keys_app, ["list", "--json"]).output) == []


def test_api_when_asked_to_listen_everywhere_without_secret_then_exits_naming_the_setting():
    result = runner.invoke(_api_app(), ["--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "api.secret_key" in result.output and "127.0.0.1" in result.output


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow  # two uvicorn worker processes start: ~5-10 s
def test_api_when_served_with_two_workers_then_answers_and_logs_json_with_request_ids(tmp_path):
    import os
    import subprocess
    import sys
    import time

    import httpx

    port = _free_port()
    env = {**os.environ, "SIGNALTRUST_HOME": str(tmp_path / "home")}
    server = subprocess.Popen(
        [sys.executable, "-c", "from signaltrust.cli.main import run; run()", "api",
         "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/ready",
                                   headers={"X-Request-ID": "probe-1"}, timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, answer
        assert answer.headers["x-request-id"] == "probe-1"
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(r.get("request_id") == "probe-1" and r.get("status") == 200 for r in lines), \
        out + err


def test_users_role_when_changed_then_listed_with_the_new_role():
    runner.invoke(users_app, ["add", "ada", "--role", "admin", "--password",
                              "correct horse battery"])
    assert runner.invoke(users_app, ["role", "ada", "viewer"]).exit_code == 0
    listed = json.loads(runner.invoke(users_app, ["list", "--json"]).output)
    assert listed[0]["role"] == "viewer"
    refused = runner.invoke(users_app, ["role", "ada", "boss"])
    assert refused.exit_code == 1 and "boss" in refused.output
