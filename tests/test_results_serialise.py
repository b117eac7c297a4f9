"""Every public result type serialises to JSON through core.serialize.to_plain, headline intact.

The same plain data feeds every ``--json`` and the API, so a result that cannot be turned into
it, or that loses its headline figures on the way, is a bug a user would meet.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

import signaltrust
from signaltrust.core.serialize import to_plain


def _json(obj: Any) -> Any:
    """What a program reading ``--json`` gets back."""
    return json.loads(json.dumps(to_plain(obj), allow_nan=False))


@pytest.fixture(scope="module")
def goog() -> pd.DataFrame:
    return signaltrust.data.load("goog")


@pytest.fixture(scope="module")
def backtest(goog):
    return signaltrust.backtest.run(goog, "sma_cross", {"fast": 10, "slow": 30})


def _backtest(backtest, goog):
    return backtest, lambda d: (d["stats"]["final_equity"], d["stats"]["sharpe_ratio"],
                                len(d["trades"]), d["params"]["fast"]), (
        backtest.stats["final_equity"], backtest.stats["sharpe_ratio"], len(backtest.trades), 10)


def _event_backtest(backtest, goog):
    result = signaltrust.backtest.run(goog, "sma_cross", {"fast": 10, "slow": 30}, engine="event")
    return result, lambda d: d["stats"]["final_equity"], result.stats["final_equity"]


def _sweep(backtest, goog):
    table = signaltrust.backtest.sweep(goog, "sma_cross", {"fast": [5, 10], "slow": [30, 50]})
    best = table.best(1).iloc[0]
    return table, lambda d: (d["combinations"], max(r["sharpe_ratio"] for r in d["rows"])), (
        4, best["sharpe_ratio"])


def _optimization(backtest, goog):
    found = signaltrust.optimize.optimize(goog, "sma_cross", space={"fast": [5, 10],
                                                                    "slow": [30, 50]},
                                          method="grid", storage="memory", seed=0)
    return found, lambda d: (d["best_value"], d["best_params"], d["trials"]), (
        found.best_value, found.best_params, found.n_trials)


def _walk_forward(backtest, goog):
    wf = signaltrust.optimize.walk_forward(goog, "sma_cross",
                                           space={"fast": [5, 10], "slow": [30, 50]},
                                           train_bars=700, test_bars=400, seed=0)
    return wf, lambda d: (d["oos_sharpe"], d["windows"], len(d["windows_table"])), (
        wf.oos_sharpe, len(wf.windows), len(wf.windows))


def _lookahead(backtest, goog):
    from signaltrust.optimize.lookahead import detect_lookahead

    def leaky(bars: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"tomorrow": bars["close"].shift(-1)})

    report = detect_lookahead(leaky, goog.iloc[:300], n_points=3, seed=1)
    return report, lambda d: (d["clean"], d["leaking_columns"], d["findings_total"]), (
        False, ["tomorrow"], len(report.findings))


def _evaluation(backtest, goog):
    from signaltrust.research import walk_forward_evaluation

    result = walk_forward_evaluation(signaltrust.data.load("sp500").iloc[-1200:], "logistic",
                                     n_splits=2, explain_last=0, seed=1)
    return result, lambda d: (d["ic"], d["deflated_sharpe"], d["strategy"]["final_equity"]), (
        result.metrics["ic"], result.deflated_sharpe, result.strategy.stats["final_equity"])


def _risk_report(backtest, goog):
    from signaltrust.research import risk_report

    report = risk_report("stocks", "AAPL=0.5,MSFT=0.5", n_sims=2_000)
    first = report.var.iloc[0]
    return report, lambda d: (d["var"][0]["var"], d["concentration"]["herfindahl"]), (
        first["var"], report.concentration["herfindahl"])


def _stress_table(backtest, goog):
    from signaltrust.risk.stress import historical_stress

    table = historical_stress(backtest.equity)
    return table, lambda d: [r["bars"] for r in d], table["bars"].tolist()


def _portfolio_stress(backtest, goog):
    from signaltrust.risk.stress import gap_down, portfolio_stress

    returns = goog[["open", "close"]].pct_change().dropna()
    at, end = returns.index[100], returns.index[150]
    stressed = returns.copy()
    stressed["close"] = gap_down(returns["close"], at, 0.3, returns=True)
    outcome = portfolio_stress(returns, stressed, at, end)
    return outcome, lambda d: (d["loss"], d["stressed_return"]), (outcome.loss,
                                                                    outcome.stressed_return)


def _quality(backtest, goog):
    from signaltrust.data.quality import check_dataset

    report = check_dataset("stocks")
    return report, lambda d: (d["ok"], d["errors"], len(d["issues"])), (
        report.ok, len(report.errors), len(report.issues))


def _bootstrap(backtest, goog):
    from signaltrust.optimize import bootstrap_sharpe_ci

    interval = bootstrap_sharpe_ci(backtest.equity.pct_change().dropna(), n_boot=200, seed=0)
    return interval, lambda d: (d["estimate"], d["lower"], d["upper"], d["seed"]), (
        interval.estimate, interval.lower, interval.upper, 0)


def _monte_carlo(backtest, goog):
    from signaltrust.optimize import bootstrap_returns

    result = bootstrap_returns(backtest.equity.pct_change().dropna(), n_paths=200, seed=0)
    median = result.summary().loc["q50", "final_equity"]
    summary = {row["quantile"]: row for row in _json(result)["summary"]}
    return result, lambda d: (d["n_paths"], summary["q50"]["final_equity"]), (200, median)


def _pbo(backtest, goog):
    from signaltrust.optimize import probability_of_backtest_overfitting

    rng = np.random.default_rng(0)
    result = probability_of_backtest_overfitting(rng.normal(0, 0.01, (400, 6)), n_partitions=8)
    return result, lambda d: (d["pbo"], d["configurations"]), (result.pbo, 6)


def _demo(backtest, goog):
    from signaltrust.research import DemoReport

    report = DemoReport(home="/tmp/home", store="duckdb", ingested=[{"dataset": "goog",
                                                                    "bars": 2148}],
                        extras={"backtest": {"sharpe_ratio": np.float64(0.99)}})
    return report, lambda d: (d["ingested"][0]["bars"], d["backtest"]["sharpe_ratio"]), (
        2148, 0.99)


def _model_version(backtest, goog):
    from signaltrust.ml.registry import ModelVersion

    version = ModelVersion(name="sp500_lgbm", version=3, run_id="r", aliases=["production"],
                           data_hash="h", features=["rsi_14"], params={"horizon": 5},
                           seeds={"model": 0}, metrics={"ic": 0.04}, model_class="x.Y",
                           created=datetime(2024, 1, 2, tzinfo=UTC), source="s")
    return version, lambda d: (d["version"], d["metrics"]["ic"], d["created"]), (
        3, 0.04, "2024-01-02T00:00:00+00:00")


def _costs(backtest, goog):
    from signaltrust.backtest.costs import Costs

    costs = Costs()
    return costs, lambda d: (d["fees"], d["fill_at"]), (costs.fees, costs.fill_at)


def _error(backtest, goog):
    from signaltrust.core.errors import ValidationError

    error = ValidationError("fast must be below slow", field="fast", value=50, fix="lower it")
    return error, lambda d: (d["error"], d["field"], d["value"]), ("ValidationError", "fast",
                                                                    "50")


def _audit_record(backtest, goog):
    from signaltrust.risk import AuditLog

    record = AuditLog().append("denial", {"limit": Decimal("1.5"), "price": np.float64(2.5)},
                               time="2024-01-02")
    return record, lambda d: (d["payload"], d["hash"]), ({"limit": "1.5", "price": 2.5},
                                                         record.hash)


BUILDERS: dict[str, Callable[..., Any]] = {
    "BacktestResult": _backtest,
    "EventBacktestResult": _event_backtest,
    "SweepResult": _sweep,
    "OptimizationResult": _optimization,
    "WalkForwardResult": _walk_forward,
    "LookaheadReport": _lookahead,
    "EvaluationResult": _evaluation,
    "RiskReport": _risk_report,
    "historical stress table": _stress_table,
    "PortfolioStress": _portfolio_stress,
    "QualityReport": _quality,
    "BootstrapInterval": _bootstrap,
    "MonteCarloResult": _monte_carlo,
    "PBOResult": _pbo,
    "DemoReport": _demo,
    "ModelVersion": _model_version,
    "Costs": _costs,
    "ValidationError": _error,
    "AuditRecord": _audit_record,
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_result_when_serialised_then_json_holds_its_headline_numbers(name, backtest, goog):
    obj, read, expected = BUILDERS[name](backtest, goog)
    got = read(_json(obj))
    assert got == pytest.approx(expected) if _numeric(expected) else got == expected


def _numeric(value: Any) -> bool:
    items = value if isinstance(value, tuple) else (value,)
    return all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in items)


RESULT_SUFFIXES = ("Result", "Report", "Interval", "Stress", "Record", "Version")


def _public_result_types() -> list[type]:
    found: dict[str, type] = {}
    for package in signaltrust.SUBPACKAGES:
        if package == "cli":
            continue
        module = importlib.import_module(f"signaltrust.{package}")
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if isinstance(value, type) and name.endswith(RESULT_SUFFIXES):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[k] for k in sorted(found)]


@pytest.mark.parametrize("kind", _public_result_types(), ids=lambda t: t.__qualname__)
def test_public_result_type_when_listed_then_it_declares_its_serialisation(kind):
    declared = (hasattr(kind, "__plain__") or dataclasses.is_dataclass(kind)
                or hasattr(kind, "model_fields"))
    assert declared, f"{kind.__qualname__} needs a __plain__() method (see core.serialize)"
