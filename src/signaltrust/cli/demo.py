"""``signaltrust demo``: the main job on the embedded defaults."""

from __future__ import annotations

from signaltrust.cli.console import (
    JSON_OPTION,
    console,
    handles_errors,
    print_json,
    progress,
    table,
)
from signaltrust.core.config import load_settings
from signaltrust.research.demo import HEADLINE, ML_HEADLINE, run_demo


@handles_errors
def demo(as_json: bool = JSON_OPTION) -> None:
    """Run the main job: ingest the bundled real data into the store, check it, summarise.

    Runs on the embedded defaults (DuckDB over a Parquet lake in the data home); running it twice
    changes nothing in the store.

    Example: SIGNALTRUST_HOME=/tmp/st signaltrust demo
    """
    settings = load_settings()
    with progress("demo", total=None, quiet=as_json) as advance:
        report = run_demo(settings, advance)
    if as_json:
        print_json(report.to_dict())
        return
    console.print(f"[bold]SignalTrust demo[/] — home {report.home}, store {report.store}")
    console.print(
        table(
            "Ingested into the bar store",
            ["dataset", "symbol", "timeframe", "bars", "inserted", "unchanged", "conflicts"],
            [list(r.values()) for r in report.ingested],
        )
    )
    console.print(
        table(
            "Data-quality checks (report only, nothing fixed)",
            ["dataset", "errors", "warnings", "findings"],
            [list(r.values()) for r in report.checks],
        )
    )
    _print_backtest(report.extras.get("backtest"))
    _print_sweep(report.extras.get("sweep"))
    _print_ml(report.extras.get("ml_walkforward"))
    _print_risk(report.extras.get("risk"))


def _fmt(value: object) -> str:
    return f"{value:,.4f}" if isinstance(value, float) else str(value)


def _print_backtest(backtest: dict | None) -> None:
    if not backtest:
        return
    costs = backtest["costs"]
    console.print(
        table(
            f"Backtest: {backtest['strategy']} on {backtest['data']} "
            f"(fees {costs['fees']:.2%}, slippage {costs['slippage'] * 1e4:.1f} bps, "
            "next-open fills)",
            ["statistic", "value"],
            [[k, _fmt(backtest[k])] for k in HEADLINE],
        )
    )
    console.print(f"tearsheet: {backtest['tearsheet_html']}  (PNG: {backtest['tearsheet_png']})")


def _print_sweep(sweep: dict | None) -> None:
    if not sweep:
        return
    rows = [[_fmt(v) for v in row.values()] for row in sweep["best"]]
    title = (
        f"Sweep: sma_cross on {sweep['data']}, {sweep['combinations']} combinations, best by Sharpe"
    )
    console.print(table(title, list(sweep["best"][0]), rows))
    console.print(
        f"How far to trust the best: deflated Sharpe ratio {sweep['deflated_sharpe']:.3f} "
        f"(probability its true Sharpe beats the best of {sweep['combinations']} lucky trials), "
        f"probability of backtest overfitting {sweep['pbo']:.2f}.",
        highlight=False,
    )


def _print_ml(ml: dict | None) -> None:
    if not ml:
        return
    pnl = ("total_return", "sharpe_ratio", "max_drawdown")
    rows = [[k, _fmt(ml[k])] for k in ML_HEADLINE]
    rows += [
        [
            f"{k} (strategy / buy-and-hold)",
            f"{_fmt(ml['strategy'][k])} / {_fmt(ml['buy_and_hold'][k])}",
        ]
        for k in pnl
    ]
    title = (
        f"Walk-forward ML: {ml['model']} on {ml['data']} ({ml['label']}, {ml['features']}),"
        f" {ml['folds']} folds, out of sample {ml['oos_start'].date()} to "
        f"{ml['oos_end'].date()}"
    )
    console.print(table(title, ["statistic", "value"], rows))
    console.print(ml["verdict"], highlight=False)
    console.print(f"report: {ml['report_html']}")


def _print_risk(risk: dict | None) -> None:
    if not risk:
        return
    worst = risk["worst_stress"]
    console.print(
        f"[bold]Risk report[/] of that backtest: 1-day 99% VaR {risk['var_99_historical']:.2%}, "
        f"CVaR {risk['cvar_99_historical']:.2%} (historical); worst stress window "
        f"{worst['scenario']}: strategy {worst['strategy_return']:.1%} vs S&P 500 "
        f"{worst['benchmark_return']:.1%}. Report: {risk['risk_report_html']}",
        highlight=False,
    )
    console.print(
        f"[bold]Pre-trade risk[/] ({risk['limit']}): a fat-finger limit order 20% above "
        "the market was denied before reaching the venue:"
    )
    for line in risk["denied"]:
        console.print(f"  DENIED {line}", highlight=False)
    console.print(
        f"  the strategy retried at market: position {risk['position_after_retry']:g}; "
        f"audit log {risk['audit_records']} record(s), chain verified: "
        f"{risk['audit_verified']}",
        highlight=False,
    )
