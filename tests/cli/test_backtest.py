"""The ``backtest`` and ``sweep`` commands: tables, JSON that parses, exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from signaltrust.cli.main import app

runner = CliRunner()


def test_backtest_when_json_then_stats_parse_and_match_the_reference():
    result = runner.invoke(app, [
        "backtest", "--data", "goog", "--strategy", "sma_cross", "--param", "fast=10",
        "--param", "slow=30", "--cash", "1000000", "--fees", "0", "--slippage-bps", "0", "--json",
    ])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert round(payload["stats"]["final_equity"], 2) == 5_827_884.66
    assert payload["params"] == {"fast": 10, "slow": 30, "allow_short": False}
    assert payload["settings"]["fees"] == 0.0


def test_backtest_when_costs_not_given_then_configured_costs_apply():
    result = runner.invoke(app, ["backtest", "--data", "goog", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["settings"]["fees"] == 0.001
    assert payload["stats"]["fees_paid"] > 0


def test_backtest_when_config_sets_zero_fees_then_the_command_pays_none(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__FEES", "0")
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__SLIPPAGE_BPS", "0")
    result = runner.invoke(app, ["backtest", "--data", "goog", "--cash", "1000000", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["stats"]["fees_paid"] == 0.0
    assert round(payload["stats"]["final_equity"], 2) == 5_827_884.66


def test_backtest_when_strategy_is_a_class_in_a_file_then_it_runs_in_the_trading_core(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(
        "from signaltrust.strategy import Param, Strategy\n\n"
        "class BuyDips(Strategy):\n"
        "    parameters = (Param('drop', 0.02, 'float', low=0.0, high=1.0),)\n\n"
        "    def on_bar(self, ctx, bar):\n"
        "        closes = ctx.history(bar.symbol, 'close', 2)\n"
        "        if len(closes) == 2 and closes[-1] < closes[-2] * (1 - self.p.drop):\n"
        "            ctx.order_target_weight(bar.symbol, 1.0)\n"
        "        elif ctx.position(bar.symbol) and closes[-1] > closes[-2]:\n"
        "            ctx.close_position(bar.symbol)\n"
    )
    result = runner.invoke(app, [
        "backtest", "--data", "goog", "--strategy", f"{path}:BuyDips", "--param", "drop=0.03",
        "--json",
    ])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["engine"]["engine"] == "event" and payload["stats"]["trades"] > 0
    assert payload["params"]["drop"] == 0.03
    missing = runner.invoke(app, ["backtest", "--data", "goog", "--strategy",
                                  f"{path}:Nope"])
    assert missing.exit_code == 1 and "no Strategy class named 'Nope'" in missing.output


def test_backtest_when_table_then_final_equity_is_printed():
    result = runner.invoke(app, ["backtest", "--data", "sp500", "--strategy", "ts_momentum"])
    assert result.exit_code == 0, result.output
    assert "final_equity" in result.stdout


def test_backtest_when_bad_param_then_exit_1_naming_the_parameter():
    result = runner.invoke(app, ["backtest", "--data", "goog", "--param", "fast=40", "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["field"] == "sma_cross.fast"
    assert "slow" in payload["message"]


def test_backtest_when_param_malformed_then_exit_1():
    result = runner.invoke(app, ["backtest", "--data", "goog", "--param", "fast"])
    assert result.exit_code == 1
    assert "name=value" in result.output


def test_backtest_when_unknown_strategy_then_exit_1_listing_builtins():
    result = runner.invoke(app, ["backtest", "--data", "goog", "--strategy", "nope"])
    assert result.exit_code == 1
    assert "donchian_breakout" in result.output


def test_backtest_when_engine_unknown_then_exit_1_listing_engines():
    result = runner.invoke(app, ["backtest", "--data", "goog", "--engine", "turbo"])
    assert result.exit_code == 1
    assert "vectorized" in result.output


def test_backtest_when_report_asked_then_file_written(tmp_path):
    target = tmp_path / "out.html"
    result = runner.invoke(app, ["backtest", "--data", "goog", "--report", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()


def test_backtest_when_data_missing_then_usage_exit_2():
    result = runner.invoke(app, ["backtest"])
    assert result.exit_code == 2


def test_sweep_when_json_then_top_rows_parse_best_first():
    result = runner.invoke(app, [
        "sweep", "--data", "goog", "--strategy", "sma_cross", "--grid", "fast=5:20:5",
        "--grid", "slow=20:60:20", "--top", "3", "--sort-by", "total_return", "--json",
    ])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # fast 5,10,15,20 x slow 20,40,60 with fast < slow: 3 + 4 + 4
    assert payload["combinations"] == 11
    returns = [row["total_return"] for row in payload["top"]]
    assert len(returns) == 3 and returns == sorted(returns, reverse=True)
    assert all(row["fast"] < row["slow"] for row in payload["top"])


def test_sweep_when_heatmap_asked_then_file_written(tmp_path):
    target = tmp_path / "heat.html"
    result = runner.invoke(app, [
        "sweep", "--data", "goog", "--grid", "fast=5,10", "--grid", "slow=30,50",
        "--heatmap", str(target),
    ])
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert "combinations" in result.stdout


def test_sweep_when_grid_malformed_then_exit_1():
    result = runner.invoke(app, ["sweep", "--data", "goog", "--grid", "fast=9:1", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["field"] == "grid.fast"


def test_help_when_asked_then_ends_with_an_example():
    for command in ("backtest", "sweep"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example: signaltrust " + command in result.stdout
