"""``signaltrust ml walkforward`` through the Typer app: JSON, report, bad input, help."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from signaltrust.cli.main import app

FAST = ["ml", "walkforward", "--data", "sp500", "--model", "logistic", "--label", "sign",
        "--splits", "2", "--horizon", "5", "--explain", "0"]


def test_ml_walkforward_when_json_then_headline_keys_and_reproducibility_record(tmp_path):
    report = tmp_path / "wf.html"
    result = CliRunner().invoke(app, [*FAST, "--seed", "3", "--json", "--report", str(report)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    for key in ("ic", "hit_rate", "precision_at_top_decile", "deflated_sharpe", "seed",
                "data_hash", "base_rate", "ic_per_fold", "verdict"):
        assert key in payload, key
    for side in ("strategy", "buy_and_hold"):
        assert {"final_equity", "total_return", "sharpe_ratio", "max_drawdown"} <= set(
            payload[side])
    assert payload["seed"] == 3 and payload["model"] == "logistic"
    assert len(payload["ic_per_fold"]) == 2
    assert payload["report"] == str(report) and "id=\"verdict\"" in report.read_text()


def test_ml_walkforward_when_text_then_tables_and_verdict():
    result = CliRunner().invoke(app, FAST)
    assert result.exit_code == 0, result.output
    assert "buy-and-hold" in result.stdout and "IC per fold" in result.stdout
    assert "Out of sample" in result.stdout


def test_ml_walkforward_when_model_unknown_then_exit_1_naming_it():
    result = CliRunner().invoke(app, [*FAST[:4], "--model", "forest", "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error["value"] == "forest" and "lgbm" in error["fix"]


def test_ml_walkforward_when_label_unknown_then_exit_1_naming_the_field():
    result = CliRunner().invoke(app, [*FAST[:6], "--label", "vibes"])
    assert result.exit_code == 1
    assert "label" in result.output and "vibes" in result.output


def test_ml_walkforward_when_dataset_unknown_then_exit_1():
    result = CliRunner().invoke(app, ["ml", "walkforward", "--data", "nope", "--json"])
    assert result.exit_code == 1
    assert "nope" in result.stdout


def test_ml_walkforward_help_when_asked_then_ends_with_an_example():
    result = CliRunner().invoke(app, ["ml", "walkforward", "--help"])
    assert result.exit_code == 0
    assert "Example: signaltrust ml walkforward" in result.stdout
    group = CliRunner().invoke(app, ["ml", "--help"])
    assert "walkforward" in group.stdout and "Example:" in group.stdout
