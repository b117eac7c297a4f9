"""``signaltrust check lookahead``: exit 0 when clean, 1 with the leaking column when not."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.data import load

runner = CliRunner()

LEAKY_MODULE = '''
import pandas as pd

def features(bars):
    close = bars["close"]
    return pd.DataFrame({"ret_1": close.pct_change(), "tomorrow_close": close.shift(-1)})
'''


def test_lookahead_when_builtin_strategy_then_exit_0_and_clean():
    result = runner.invoke(app, [
        "check", "lookahead", "--data", "goog", "--strategy", "sma_cross", "--param", "fast=5",
        "--points", "8",
    ])
    assert result.exit_code == 0, result.output
    assert "no look-ahead found" in result.stdout


def test_lookahead_when_json_then_report_parses_with_points_and_seed():
    result = runner.invoke(app, [
        "check", "lookahead", "-d", "sp500", "--features", "alpha158", "--points", "4",
        "--seed", "3", "--json",
    ])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["clean"] is True and payload["seed"] == 3
    assert len(payload["points"]) == 4 and payload["target"] == "features alpha158"


def test_lookahead_when_user_function_leaks_then_exit_1_naming_the_column(tmp_path):
    module = tmp_path / "my_features.py"
    module.write_text(LEAKY_MODULE)
    result = runner.invoke(app, [
        "check", "lookahead", "--data", "goog", "--module", f"{module}:features", "--points", "5",
    ])
    assert result.exit_code == 1, result.output
    assert "tomorrow_close" in result.stdout
    assert "ret_1" not in result.stdout  # the causal column is not reported


def test_lookahead_when_leak_and_json_then_findings_carry_column_and_timestamp(tmp_path):
    module = tmp_path / "my_features.py"
    module.write_text(LEAKY_MODULE)
    result = runner.invoke(app, [
        "check", "lookahead", "--data", "goog", "--module", f"{module}:features", "--points", "3",
        "--json",
    ])
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    bars = load("goog")
    assert payload["leaking_columns"] == ["tomorrow_close"]
    stamps = {f["timestamp"] for f in payload["findings"]}
    assert stamps == {bars.index[p].isoformat() for p in payload["points"]}


def test_lookahead_when_csv_path_then_it_is_read_and_checked(tmp_path):
    bars = load("goog").iloc[:600]
    path = tmp_path / "bars.csv"
    bars.rename_axis("timestamp").to_csv(path)
    result = runner.invoke(app, [
        "check", "lookahead", "--data", str(path), "--strategy", "donchian_breakout",
        "--points", "5", "--json",
    ])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_bars"] == 600


def test_lookahead_when_no_target_given_then_usage_error_exit_2():
    result = runner.invoke(app, ["check", "lookahead", "--data", "goog"])
    assert result.exit_code == 2
    assert "--strategy" in result.output


def test_lookahead_when_module_missing_function_then_exit_1_naming_module(tmp_path):
    module = tmp_path / "empty.py"
    module.write_text("x = 1\n")
    result = runner.invoke(app, [
        "check", "lookahead", "--data", "goog", "--module", f"{module}:features",
    ])
    assert result.exit_code == 1
    assert "module" in result.output


def test_lookahead_help_when_asked_then_ends_with_an_example():
    result = runner.invoke(app, ["check", "lookahead", "--help"])
    assert result.exit_code == 0
    assert "Example: signaltrust check lookahead" in result.output
