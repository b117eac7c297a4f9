"""The demo, the README's main job: ingest, check, backtest, sweep, tearsheet — and idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.core.config import load_settings
from signaltrust.research.demo import run_demo


@pytest.fixture(scope="module")
def demo_twice(tmp_path_factory):
    """The demo run twice on one fresh home (it takes a while: run it once per module)."""
    home = tmp_path_factory.mktemp("demo_home")
    settings = load_settings(home=home)
    return home, run_demo(settings), run_demo(settings)


def test_run_demo_when_run_twice_then_store_unchanged_and_quirks_reported(demo_twice):
    _, first, second = demo_twice
    assert {r["dataset"] for r in first.ingested} == {"sp500", "goog", "eurusd", "btcusd"}
    assert all(r["inserted"] == r["bars"] for r in first.ingested)
    assert all(r["inserted"] == 0 and r["unchanged"] == r["bars"] for r in second.ingested)
    checks = {r["dataset"]: r for r in first.checks}
    assert checks["stocks"]["errors"] >= 1 and "repeated_bar" in checks["stocks"]["findings"]
    assert "missing_value" in checks["wti"]["findings"]
    assert checks["sp500"]["errors"] == 0


def test_run_demo_when_done_then_backtest_has_costs_and_writes_tearsheets(demo_twice):
    home, report, _ = demo_twice
    backtest = report.extras["backtest"]
    assert backtest["costs"]["fees"] > 0 and backtest["costs"]["slippage"] > 0
    assert backtest["trades"] > 0
    html = Path(backtest["tearsheet_html"])
    assert html.stat().st_size > 100_000 and html.is_relative_to(home)
    assert Path(backtest["tearsheet_png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    sweep = report.extras["sweep"]
    assert sweep["combinations"] == 1590
    sharpes = [row["sharpe_ratio"] for row in sweep["best"]]
    assert sharpes == sorted(sharpes, reverse=True)
    assert 0.0 <= sweep["deflated_sharpe"] <= 1.0 and 0.0 <= sweep["pbo"] <= 1.0


def test_run_demo_when_done_then_an_order_is_denied_by_a_named_limit_and_audited(demo_twice):
    risk = demo_twice[1].extras["risk"]
    assert risk["denials_by_reason"] == {"price_band": 1}
    assert "price_band" in risk["denied"][0]
    assert risk["position_after_retry"] == 10  # the retry at market passed the same checks
    assert risk["audit_verified"] is True
    assert risk["cvar_99_historical"] <= risk["var_99_historical"] < 0
    assert Path(risk["risk_report_html"]).exists()


def test_demo_command_when_json_then_summary_parses():
    result = CliRunner().invoke(app, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["store"] == "duckdb"
    assert payload["backtest"]["strategy"].startswith("sma_cross")


def test_run_demo_when_done_then_ml_is_judged_out_of_sample_against_buy_and_hold(demo_twice):
    ml = demo_twice[1].extras["ml_walkforward"]
    assert ml["folds"] == 5 and ml["oos_start"].year > 1999  # the first years only train
    assert "buy-and-hold" in ml["verdict"]
    assert set(ml["buy_and_hold"]) >= {"total_return", "sharpe_ratio"}
    assert Path(ml["report_html"]).exists()
