"""The demo, the README's main job: ingest, check, backtest, sweep, tearsheet — and idempotent."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.research.demo import run_demo


def test_run_demo_when_run_twice_then_store_unchanged_and_quirks_reported(isolated_home):
    first = run_demo()
    second = run_demo()
    assert {r["dataset"] for r in first.ingested} == {"sp500", "goog", "eurusd", "btcusd"}
    assert all(r["inserted"] == r["bars"] for r in first.ingested)
    assert all(r["inserted"] == 0 and r["unchanged"] == r["bars"] for r in second.ingested)
    checks = {r["dataset"]: r for r in first.checks}
    assert checks["stocks"]["errors"] >= 1 and "repeated_bar" in checks["stocks"]["findings"]
    assert "missing_value" in checks["wti"]["findings"]
    assert checks["sp500"]["errors"] == 0


def test_run_demo_when_done_then_backtest_has_costs_and_writes_tearsheets(isolated_home):
    report = run_demo()
    backtest = report.extras["backtest"]
    assert backtest["costs"]["fees"] > 0 and backtest["costs"]["slippage"] > 0
    assert backtest["trades"] > 0
    html = Path(backtest["tearsheet_html"])
    assert html.stat().st_size > 100_000 and html.is_relative_to(isolated_home)
    assert Path(backtest["tearsheet_png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    sweep = report.extras["sweep"]
    assert sweep["combinations"] == 1590
    sharpes = [row["sharpe_ratio"] for row in sweep["best"]]
    assert sharpes == sorted(sharpes, reverse=True)


def test_demo_command_when_json_then_summary_parses():
    result = CliRunner().invoke(app, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["store"] == "duckdb"
    assert payload["backtest"]["strategy"].startswith("sma_cross")
