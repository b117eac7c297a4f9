"""The README's examples work as written: its Python runs, its commands parse, its TOML loads.

Cheap commands of the tour run for real; the others (backtests, sweeps, model training) are
checked to parse: the command and every option they use exist.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
runner = CliRunner()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, flags=re.S)


def _commands() -> list[list[str]]:
    """Every ``signaltrust ...`` line of the README's bash blocks, comments removed."""
    out = []
    for block in _blocks("bash"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("signaltrust "):
                out.append(shlex.split(line)[1:])
    return out


#: tour commands cheap enough to run, with the exit code the README says they end with
RUN = {
    ("data", "list"): 0,
    ("data", "show", "sp500", "--json"): 0,
    ("data", "check", "stocks"): 1,
    ("config", "show"): 0,
}


def test_readme_when_read_then_it_has_python_bash_and_toml_examples():
    assert _blocks("python") and _blocks("toml") and len(_commands()) >= 10


def test_readme_python_when_run_as_written_then_no_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the example writes goog.html beside it
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for index, block in enumerate(_blocks("python")):
        exec(compile(block, f"README.md python block {index}", "exec"), namespace)
    assert (tmp_path / "goog.html").stat().st_size > 10_000


@pytest.mark.parametrize("args", _commands(), ids=" ".join)
def test_readme_command_when_asked_for_help_then_the_command_and_its_options_exist(args):
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.mark.parametrize("args", sorted(RUN), ids=" ".join)
def test_readme_cheap_command_when_run_then_exits_as_the_readme_says(args):
    assert list(args) in _commands()
    result = runner.invoke(app, list(args))
    assert result.exit_code == RUN[args], result.output


def test_readme_data_show_when_run_then_the_quoted_bars_and_dates_hold():
    import json

    shown = json.loads(runner.invoke(app, ["data", "show", "sp500", "--json"]).stdout)
    quoted = re.search(r"data show sp500 --json\s+# (\d+) daily bars, (\S+) \.\. (\S+)", TEXT)
    assert quoted is not None
    assert shown["bars"] == int(quoted.group(1))
    assert str(shown["start"]).startswith(quoted.group(2))
    assert str(shown["end"]).startswith(quoted.group(3))


def test_readme_toml_when_used_as_configuration_then_it_loads_with_the_values_shown(
    isolated_home,
):
    from signaltrust.core.config import load_settings

    (block,) = _blocks("toml")
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(block, encoding="utf-8")
    settings = load_settings()
    assert settings.store.backend == "postgres"
    assert settings.backtest.fees == 0.001 and settings.backtest.slippage_bps == 2.0
