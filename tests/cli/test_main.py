"""The command's conventions: help with an example, --json, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from signaltrust import __version__
from signaltrust.cli.main import SignalTrustGroup, app

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


HEAVY = ("pandas", "numpy", "numba", "sklearn", "scipy", "torch", "mlflow", "optuna")


def _imported(code: str) -> set[str]:
    """Top-level packages imported by running ``code`` in a fresh interpreter (-X importtime)."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                         capture_output=True, text=True, check=True)
    names = (line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()
             if line.startswith("import time:") and "|" in line)
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("code", [
    "import signaltrust.cli.main",
    "import signaltrust",
    "from signaltrust.cli.main import app; app(['--help'], standalone_mode=False)",
    "from signaltrust.cli.main import app; app(['backtest', '--help'], standalone_mode=False)",
    "import sys; from signaltrust.cli.main import run; sys.argv = ['signaltrust', '--help']; run()",
])
def test_command_line_when_loaded_or_asked_for_help_then_no_heavy_package_is_imported(code):
    heavy = _imported(code) & set(HEAVY)
    assert not heavy, f"{code!r} imported {sorted(heavy)}"


@pytest.mark.parametrize("spec", SignalTrustGroup.LAZY, ids=lambda s: s.name)
def test_lazy_command_when_loaded_then_its_help_starts_with_the_line_the_listing_shows(spec):
    command = spec.load()
    first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
    assert first_paragraph == spec.help
    assert command.name == spec.name


def test_help_when_asked_then_every_lazy_command_is_listed_and_none_is_imported():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for spec in SignalTrustGroup.LAZY:
        assert spec.name in result.output
