"""``signaltrust data list`` and ``signaltrust data show`` through Typer's test runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.data import list_datasets

runner = CliRunner()


def test_data_list_when_json_then_every_bundled_dataset_with_its_fields():
    result = runner.invoke(app, ["data", "list", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [item["name"] for item in payload] == [spec.name for spec in list_datasets()]
    assert len(payload) == 11
    for item in payload:
        assert {"name", "kind", "timeframe", "start", "end", "bars", "columns", "source"} <= set(
            item
        )
        assert item["bars"] > 0


def test_data_list_when_table_then_names_shown():
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 0
    for spec in list_datasets():
        assert spec.name in result.stdout


def test_data_show_when_sp500_json_then_5031_bars_and_dates():
    result = runner.invoke(app, ["data", "show", "sp500", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["bars"] == 5031
    assert info["start"].startswith("1999-01-04")
    assert info["end"].startswith("2018-12-31")
    assert info["frequency"] == "daily"
    assert "close" in info["columns"]


def test_data_show_when_table_then_range_source_and_edge_rows():
    result = runner.invoke(app, ["data", "show", "goog"])
    assert result.exit_code == 0
    out = result.stdout
    assert "2148" in out and "2004-08-19" in out and "2013-03-01" in out and "Yahoo" in out


def test_data_show_when_unknown_name_then_exit_1_with_valid_names():
    result = runner.invoke(app, ["data", "show", "nope"])
    assert result.exit_code == 1
    assert "sp500" in result.output and "fama_french" in result.output


def test_data_show_when_unknown_name_json_then_error_object():
    result = runner.invoke(app, ["data", "show", "nope", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"] == "DatasetNotFoundError"


def test_data_commands_when_help_then_end_with_an_example():
    for command in ("list", "show"):
        result = runner.invoke(app, ["data", command, "--help"])
        assert result.exit_code == 0
        assert "Example: signaltrust data" in result.stdout
