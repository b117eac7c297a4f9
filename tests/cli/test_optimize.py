"""``signaltrust optimize`` and ``signaltrust walkforward``: JSON with trust figures, exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from signaltrust.cli.main import app

runner = CliRunner()


def test_optimize_when_json_then_best_carries_deflated_sharpe_and_pbo():
    out = runner.invoke(app, ["optimize", "--data", "goog", "--strategy", "sma_cross",
                              "--grid", "fast=5:25:10", "--grid", "slow=40:80:20",
                              "--storage", "memory", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert set(payload["best_params"]) >= {"fast", "slow"}
    assert 0.0 <= payload["deflated_sharpe"] <= 1.0
    assert 0.0 <= payload["pbo"] <= 1.0
    assert payload["trials"] == 9
    assert payload["best_value"] == max(row["sharpe_ratio"] for row in payload["top"])


def test_optimize_when_tpe_with_default_storage_then_study_is_in_home(isolated_home):
    out = runner.invoke(app, ["optimize", "--data", "goog", "--grid", "fast=5:25:5",
                              "--grid", "slow=40:80:20", "--method", "tpe", "--trials", "6",
                              "--study", "cli-study", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["study_name"] == "cli-study"
    assert (isolated_home / "optuna.journal").exists()


def test_optimize_when_tpe_asks_more_trials_than_the_grid_then_json_says_the_grid_has_fewer():
    out = runner.invoke(app, ["optimize", "--data", "goog", "--strategy", "sma_cross",
                              "--grid", "fast=5:25:10", "--grid", "slow=40:80:20",
                              "--method", "tpe", "--trials", "20", "--storage", "memory",
                              "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["distinct_trials"] == payload["grid_size"] == payload["trials"] == 9
    assert payload["trials_deflated"] <= 9
    assert "fewer than the 20 trials asked" in payload["note"]
    assert len({(r["fast"], r["slow"]) for r in payload["top"]}) == len(payload["top"])


def test_optimize_when_bad_method_then_exit_1_naming_it():
    out = runner.invoke(app, ["optimize", "--data", "goog", "--method", "anneal",
                              "--storage", "memory"])
    assert out.exit_code == 1
    assert "method" in out.output


def test_optimize_when_bad_grid_then_exit_1_naming_the_parameter():
    out = runner.invoke(app, ["optimize", "--data", "goog", "--grid", "speed=1:5",
                              "--storage", "memory"])
    assert out.exit_code == 1
    assert "speed" in out.output


def test_walkforward_when_json_and_report_then_trust_figures_and_html(tmp_path):
    report = tmp_path / "wf.html"
    out = runner.invoke(app, ["walkforward", "--data", "goog", "--grid", "fast=5:25:10",
                              "--grid", "slow=40:80:20", "--train", "500", "--test", "500",
                              "--report", str(report), "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    for key in ("oos_sharpe", "is_sharpe", "efficiency", "deflated_sharpe", "pbo"):
        assert key in payload
    assert len(payload["windows_table"]) == payload["windows"]
    assert report.exists() and "deflated_sharpe" in report.read_text()


def test_walkforward_when_help_then_ends_with_an_example():
    out = runner.invoke(app, ["walkforward", "--help"])
    assert out.exit_code == 0
    assert "Example: signaltrust walkforward" in out.output


def test_optimize_when_grid_beyond_the_limit_then_refused_unless_large_grid(monkeypatch):
    from typer.testing import CliRunner

    from signaltrust.cli.main import app

    monkeypatch.setenv("SIGNALTRUST__BACKTEST__MAX_GRID_COMBINATIONS", "10")
    args = ["optimize", "--data", "goog", "--grid", "fast=5:8", "--grid", "slow=20:40:5",
            "--storage", "memory", "--json"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "--large-grid" in refused.output
    allowed = CliRunner().invoke(app, [*args, "--large-grid"])
    assert allowed.exit_code == 0, allowed.output
