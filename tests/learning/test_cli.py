"""``signaltrust loop`` and ``signaltrust drift`` from the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app

runner = CliRunner()


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow
def test_loop_simulate_when_json_then_decisions_each_have_promoted_and_evidence():
    payload = _json(runner.invoke(app, [
        "loop", "simulate", "--data", "sp500", "--model", "logistic", "--start", "2017-01-01",
        "--end", "2017-03-31", "--train-rows", "300", "--eval-rows", "60", "--json"]))
    assert len(payload["decisions"]) == 3
    assert all("promoted" in d and "evidence" in d for d in payload["decisions"])
    assert set(payload["results"]) == {"gated", "always_promote", "never_retrain"}


def test_loop_simulate_when_model_unknown_then_clear_error_and_nonzero_exit():
    result = runner.invoke(app, ["loop", "simulate", "--model", "oracle", "--start",
                                 "2017-01-01", "--end", "2017-02-28"])
    assert result.exit_code != 0
    assert "oracle" in result.output and "Traceback" not in result.output


def test_drift_report_when_json_then_every_feature_has_psi_and_ks():
    payload = _json(runner.invoke(app, ["drift", "report", "--data", "sp500", "--json"]))
    assert payload["current_rows"] == 126 and payload["reference_rows"] == 756
    assert payload["columns"] and {"psi", "ks_statistic", "ks_pvalue", "drifted"} <= set(
        payload["columns"][0])


def test_drift_report_when_windows_exceed_data_then_error_names_the_option():
    result = runner.invoke(app, ["drift", "report", "--data", "sp500", "--reference",
                                 "100000"])
    assert result.exit_code != 0 and "--reference" in result.output


def test_loop_run_once_then_status_shows_the_firing_and_the_report_is_written(isolated_home):
    ran = _json(runner.invoke(app, ["loop", "run", "--once", "report", "--json"]))
    assert ran == {"job": "report", "ran": True}
    assert list((isolated_home / "reports").glob("loop_status_*.json"))
    status = _json(runner.invoke(app, ["loop", "status", "--json"]))
    assert status["recent_runs"][0]["job"] == "report"
    assert status["recent_runs"][0]["status"] == "done"
    assert {j["name"] for j in status["jobs"]} == {"retrain", "evaluate", "report"}


def test_loop_run_when_job_spec_malformed_then_error_names_the_option():
    result = runner.invoke(app, ["loop", "run", "--once", "report", "--job", "backup"])
    assert result.exit_code != 0 and "--job" in result.output


def test_loop_run_once_evaluate_then_logged_signals_get_outcomes_from_the_bar_store(
        isolated_home):
    from signaltrust.backtest.api import load_bars
    from signaltrust.cli.paper import open_app_database
    from signaltrust.core.config import load_settings
    from signaltrust.data.store import open_store
    from signaltrust.research.learning.signal_log import SignalLog

    bars = load_bars("sp500").loc["2018-01-01":"2018-03-31"]
    store = open_store(load_settings())
    store.write(bars, symbol="SPX", timeframe="1d")
    store.close()
    database = open_app_database()
    log = SignalLog(database)
    for t in bars.index[:5].append(bars.index[-2:]):
        log.log_prediction(symbol="SPX", ts=t, model="m", model_version=1, feature_hash="h",
                           score=0.6, decision="long")
    ran = _json(runner.invoke(app, ["loop", "run", "--once", "evaluate", "--json"]))
    assert ran["ran"]
    frame = SignalLog(database).frame()
    assert frame["outcome"].notna().tolist() == [True] * 5 + [False] * 2  # last two not matured
    status = _json(runner.invoke(app, ["loop", "status", "--json"]))
    assert status["recent_runs"][0]["status"] == "done", status["recent_runs"][0]
    assert status["signals"] == {"m": {"logged": 7, "matured": 5}}
