"""The demo pipeline: the main job on the embedded defaults (bundled data, DuckDB over Parquet).

Each step is a function that returns plain data, so the CLI only renders and tests only assert.
Later waves add steps (backtest, sweep, models, risk) to :func:`run_demo`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from signaltrust.core.config import Settings


@dataclass
class DemoReport:
    """What the demo did: one entry per step, each a list of rows of plain values."""

    home: str
    store: str
    ingested: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``): what ``demo --json`` prints."""
        from signaltrust.core.serialize import to_plain

        return to_plain(self)

    def __plain__(self) -> dict[str, Any]:
        """Every step's rows, the extras (backtest, sweep, ML, risk) at the top level."""
        return {
            "home": self.home,
            "store": self.store,
            "ingested": self.ingested,
            "checks": self.checks,
            **self.extras,
        }


def ingest_bundled(
    settings: Settings, advance: Callable[[int], None] = lambda n=1: None
) -> list[dict]:
    """Write every bundled bar dataset into the configured store (idempotent)."""
    from signaltrust.data.catalog import list_datasets, load
    from signaltrust.data.store import open_store

    store = open_store(settings)
    rows = []
    for spec in list_datasets():
        if spec.kind != "bars":
            continue
        bars = load(spec.name)
        result = store.write(
            bars[[c for c in ("open", "high", "low", "close", "volume") if c in bars.columns]],
            symbol=spec.instrument.symbol,
            venue=spec.instrument.venue,
            timeframe=str(spec.timeframe),
        )
        rows.append(
            {
                "dataset": spec.name,
                "symbol": spec.instrument.symbol,
                "timeframe": str(spec.timeframe),
                "bars": len(bars),
                "inserted": result.inserted,
                "unchanged": result.unchanged,
                "conflicts": result.conflicts,
            }
        )
        advance(1)
    return rows


def check_bundled(
    settings: Settings, advance: Callable[[int], None] = lambda n=1: None
) -> list[dict]:
    """Run the data-quality checks on every bundled dataset (the thresholds of ``settings``)
    and count what they find."""
    from signaltrust.data.catalog import list_datasets
    from signaltrust.data.quality import check_dataset

    rows = []
    for spec in list_datasets():
        thresholds = settings.data
        report = check_dataset(spec.name, outlier_sigma=thresholds.outlier_sigma,
                               stale_run=thresholds.stale_run,
                               max_gap_report=thresholds.max_gap_report)
        by_check = report.summary()
        rows.append(
            {
                "dataset": spec.name,
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "findings": ", ".join(f"{k}: {v}" for k, v in sorted(by_check.items())) or "clean",
            }
        )
        advance(1)
    return rows


HEADLINE = (
    "final_equity",
    "total_return",
    "annual_return",
    "sharpe_ratio",
    "max_drawdown",
    "trades",
)


def run_costs(settings: Settings) -> dict[str, float]:
    """The starting cash, fees and slippage of ``settings.backtest``, as ``run`` takes them."""
    config = settings.backtest
    return {"cash": config.cash, "fees": config.fees, "slippage": config.slippage_bps / 10_000.0}


def backtest_with_tearsheet(settings: Settings) -> dict[str, Any]:
    """SMA(10)/SMA(30) on the S&P 500 with the configured costs, with HTML and PNG tearsheets."""
    from signaltrust.backtest import run

    result = run("sp500", "sma_cross", params={"fast": 10, "slow": 30}, **run_costs(settings))
    reports = settings.home / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    html = result.report(reports / "sp500_sma_cross.html")
    png = result.report(reports / "sp500_sma_cross.png")
    stats = result.stats
    return {
        "data": "sp500",
        "strategy": "sma_cross(fast=10, slow=30)",
        "costs": dict(result.settings),
        **{key: stats.get(key) for key in HEADLINE},
        "tearsheet_html": str(html),
        "tearsheet_png": str(png),
    }


def sweep_top(settings: Settings, top: int = 5) -> dict[str, Any]:
    """The 1,590-combination SMA-crossover sweep on GOOG (costs on), its best rows, and how far
    to trust the best: the deflated Sharpe ratio given 1,590 trials and the PBO by CSCV."""
    from signaltrust.backtest import sweep
    from signaltrust.optimize import optimize

    costs = run_costs(settings)
    grid = {"fast": range(5, 51), "slow": range(20, 201, 5)}
    table = sweep("goog", "sma_cross", grid=grid, **costs)
    best = table.best(top, by="sharpe_ratio")
    columns = ["fast", "slow", "sharpe_ratio", "total_return", "max_drawdown", "trades"]
    trust = optimize("goog", "sma_cross", space=grid, method="grid", storage="memory",
                     **costs).summary()
    return {
        "data": "goog",
        "combinations": len(table),
        "seconds": getattr(table, "elapsed", None),
        "best": [{c: row[c] for c in columns} for _, row in best.iterrows()],
        "deflated_sharpe": trust["deflated_sharpe"],
        "pbo": trust["pbo"],
    }


ML_HEADLINE = (
    "ic",
    "ic_mean",
    "hit_rate",
    "precision_at_top_decile",
    "base_rate",
    "deflated_sharpe",
)


def ml_walkforward(settings: Settings) -> dict[str, Any]:
    """LightGBM on the S&P 500's technical features: 5 walk-forward folds, costs on, a report."""
    from signaltrust.research.ml_eval import walk_forward_evaluation
    from signaltrust.research.ml_eval.trading import headline

    costs = run_costs(settings)
    result = walk_forward_evaluation(
        "sp500", "lgbm", features="technical", label="triple_barrier", n_splits=5, seed=0,
        fees=costs["fees"], slippage=costs["slippage"],
    )
    reports = settings.home / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    html = result.report(reports / "sp500_lgbm_walkforward.html")
    figures = {**result.metrics, "deflated_sharpe": result.deflated_sharpe}
    return {
        "data": "sp500",
        "model": "lgbm",
        "label": "triple_barrier",
        "features": "technical",
        "folds": len(result.folds),
        "oos_start": result.predictions.index[0],
        "oos_end": result.predictions.index[-1],
        **{key: figures[key] for key in ML_HEADLINE},
        "strategy": headline(result.strategy),
        "buy_and_hold": result.buy_and_hold,
        "verdict": result.verdict(),
        "seed": result.seed,
        "data_hash": result.data_hash,
        "report_html": str(html),
    }


def run_demo(
    settings: Settings, advance: Callable[[int], None] = lambda n=1: None
) -> DemoReport:
    """Ingest and check the bundled data, backtest, sweep, evaluate a model; return a summary.

    ``settings`` (the store, the data home, the costs) come from the caller: the command line
    reads the configuration and passes it.
    """
    report = DemoReport(home=str(settings.home), store=settings.store.backend)
    report.ingested = ingest_bundled(settings, advance)
    report.checks = check_bundled(settings, advance)
    report.extras["backtest"] = backtest_with_tearsheet(settings)
    advance(1)
    report.extras["sweep"] = sweep_top(settings)
    advance(1)
    report.extras["ml_walkforward"] = ml_walkforward(settings)
    advance(1)
    report.extras["risk"] = risk_step(settings)
    advance(1)
    return report


def risk_step(settings: Settings) -> dict[str, Any]:
    """A risk report of the demo's backtest and an order denied by a pre-trade limit."""
    from signaltrust.research.risk import risk_report
    from signaltrust.research.risk_demo import fat_finger_denied

    measured = risk_report("sp500", strategy="sma_cross", params={"fast": 10, "slow": 30},
                           run_options=run_costs(settings))
    reports = settings.home / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    html = measured.to_html(reports / "sp500_sma_cross_risk.html")
    var = measured.var
    historical = var[(var["method"] == "historical") & (var["level"] == 0.99)].iloc[0]
    row = measured.stress.sort_values("strategy_return").iloc[0]
    worst = {k: row[k] for k in ("scenario", "strategy_return", "benchmark_return")}
    return {
        **fat_finger_denied(),
        "var_99_historical": float(historical["var"]),
        "cvar_99_historical": float(historical["cvar"]),
        "worst_stress": worst,
        "risk_report_html": str(html),
    }
