"""``signaltrust data download --source fred SERIES``: vintages saved where features find them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.features.macro_fred import FredMacroFeatures, macro_features
from tests.data.test_fred import PATH, ROWS, _page
from tests.live.adapters.loopback import Answer
from tests.options.served import ServedLoopback

runner = CliRunner()


def test_download_fred_when_served_then_vintages_land_under_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALTRUST_HOME", str(tmp_path))
    monkeypatch.setenv("FRED_API_KEY", "k")
    with ServedLoopback() as server:
        server.on("GET", PATH, Answer(200, _page(ROWS, 0, len(ROWS))))
        monkeypatch.setenv("FRED_API_URL", server.url)
        result = runner.invoke(app, ["data", "download", "--source", "fred", "CPILFESL",
                                     "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["series"] == "CPILFESL" and payload["rows"] == 4
    assert payload["observations"] == 3 and payload["releases"] == 3
    chosen = macro_features(tmp_path / "fred", {"cpi": "CPILFESL:level"})
    assert isinstance(chosen, FredMacroFeatures)


def test_download_fred_when_no_key_then_error_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALTRUST_HOME", str(tmp_path))
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    result = runner.invoke(app, ["data", "download", "--source", "fred", "UNRATE"])
    assert result.exit_code == 1 and "FRED_API_KEY" in result.output


def test_download_bars_when_start_is_missing_then_error_names_the_option(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALTRUST_HOME", str(tmp_path))
    result = runner.invoke(app, ["data", "download", "--source", "yahoo", "SPY", "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["field"] == "--start"
