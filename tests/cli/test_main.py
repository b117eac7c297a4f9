"""The command's conventions: help with an example, --json, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from signaltrust import __version__
from signaltrust.cli.main import app

runner = CliRunner()


def test_help_when_asked_then_lists_commands_with_an_example():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    for command in ("data", "config", "demo"):
        assert command in result.output


def test_version_when_asked_then_prints_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_unknown_command_when_given_then_usage_exit_code_2():
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


def test_config_show_when_json_then_masked_effective_configuration(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__STORE__POSTGRES_URL", "postgresql://u:hunter2@db/x")
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__FEES", "0.0005")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["backtest"]["fees"] == 0.0005
    assert shown["store"]["postgres_url"] == "********"
    assert "hunter2" not in result.output


def test_any_command_when_configuration_is_bad_then_exit_1_naming_key_and_value(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__FEES", "-1")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 1
    assert "backtest.fees" in result.output
    assert "-1" in result.output
