"""``signaltrust risk report`` through the CLI runner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.data import load
from signaltrust.risk.measures import value_at_risk

runner = CliRunner()


def test_risk_report_when_weights_then_json_has_var_exposures_stress():
    result = runner.invoke(app, ["risk", "report", "--data", "stocks", "--weights",
                                 "AAPL=0.5,MSFT=0.5", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    rows = {(r["method"], r["level"]): r for r in payload["var"]}
    assert len(rows) == 8
    prices = load("stocks")[["AAPL", "MSFT"]]
    returns = prices.pct_change(fill_method=None).iloc[1:].dropna() @ pd.Series(
        {"AAPL": 0.5, "MSFT": 0.5})
    assert rows[("historical", 0.95)]["var"] == pytest.approx(value_at_risk(returns, 0.05))
    assert all(r["cvar"] <= r["var"] for r in payload["var"])
    assert payload["concentration"]["effective_number_of_bets"] == pytest.approx(2.0)
    assert {r["scenario"] for r in payload["stress"]} >= {"gfc", "dotcom", "q4_2018"}


def test_risk_report_when_weights_file_and_html_then_report_beside_one_plotly_bundle(tmp_path):
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"IBM": 0.3, "AAPL": 0.7}))
    out = tmp_path / "risk.html"
    result = runner.invoke(app, ["risk", "report", "--data", "stocks", "--weights",
                                 str(weights), "--report", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "plotly" in html and "cornish_fisher" in html
    bundles = list(tmp_path.glob("plotly-*.min.js"))
    assert len(bundles) == 1 and f'src="{bundles[0].name}"' in html


def test_risk_report_when_strategy_then_measures_its_equity():
    result = runner.invoke(app, ["risk", "report", "--data", "sp500", "--strategy", "sma_cross",
                                 "--param", "fast=10", "--param", "slow=30", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["meta"]["strategy"] == "sma_cross"
    gfc = next(r for r in payload["stress"] if r["scenario"] == "gfc")
    assert gfc["benchmark_return"] < -0.5  # the S&P 500 fell by more than half


def test_risk_report_when_csv_of_prices_then_reads_it(tmp_path):
    rng = np.random.default_rng(1)
    index = pd.date_range("2020-01-01", periods=300, freq="D", tz="UTC").as_unit("ns")
    prices = pd.DataFrame(100 * np.cumprod(1 + rng.normal(0, 0.01, (300, 2)), axis=0),
                          index=index, columns=["X", "Y"])
    path = tmp_path / "prices.csv"
    prices.to_csv(path)
    result = runner.invoke(app, ["risk", "report", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["meta"]["weights"] == {"X": 0.5, "Y": 0.5}


@pytest.mark.parametrize(("args", "named"), [
    (["--data", "stocks", "--weights", "NOPE=1"], "NOPE"),
    (["--data", "stocks", "--weights", "AAPL"], "NAME=VALUE"),
    (["--data", "stocks", "--weights", "AAPL=x"], "number"),
    (["--data", "nosuchdataset"], "nosuchdataset"),
    (["--data", "missing.csv"], "missing.csv"),
    (["--data", "stocks", "--strategy", "sma_cross"], "one asset"),
])
def test_risk_report_when_bad_input_then_exit_1_naming_it(args, named):
    result = runner.invoke(app, ["risk", "report", *args])
    assert result.exit_code == 1
    assert named in result.output


def test_risk_report_when_strategy_on_a_bars_file_then_measures_its_equity(tmp_path):
    import json

    from typer.testing import CliRunner

    from signaltrust.cli.main import app
    from signaltrust.data import load

    path = tmp_path / "goog.csv"
    load("goog").to_csv(path)
    result = CliRunner().invoke(app, ["risk", "report", "--data", str(path), "--strategy",
                                      "sma_cross", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["meta"]["kind"] == "strategy equity"
