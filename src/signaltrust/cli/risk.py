"""``signaltrust risk report``: VaR/CVaR, exposures, concentration and stress of a portfolio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from signaltrust.cli.console import (
    JSON_OPTION,
    check_writable,
    console,
    handles_errors,
    print_json,
    progress,
)
from signaltrust.cli.data_options import bars_for, import_options, prices_for

app = typer.Typer(help="Risk: VaR/CVaR, exposures and stress tests.", no_args_is_help=True)

DATA_OPTION = typer.Option(
    ..., "--data", "-d", help="A bundled dataset, a stored series or a CSV/Parquet file: OHLCV "
    "bars are one instrument, a table of prices (one column each) is a panel.",
)
WEIGHTS_OPTION = typer.Option(
    None, "--weights", "-w", help="AAPL=0.5,MSFT=0.5 or a JSON file (default: equal weights)."
)
STRATEGY_OPTION = typer.Option(
    None, "--strategy", "-s", help="Measure a built-in strategy's equity instead of weights."
)
PARAM_OPTION = typer.Option(None, "--param", "-p", help="Strategy parameter name=value.")
REPORT_OPTION = typer.Option(None, "--report", help="Write a self-contained HTML report.")
SEED_OPTION = typer.Option(0, "--seed", help="Seed of the Monte Carlo draws.")


@app.command("report")
@handles_errors
@import_options
def report(
    data: str = DATA_OPTION,
    weights: str = WEIGHTS_OPTION,
    strategy: str = STRATEGY_OPTION,
    param: list[str] = PARAM_OPTION,
    report_path: Path = REPORT_OPTION,
    seed: int = SEED_OPTION,
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """VaR/CVaR (historical, Gaussian, Cornish-Fisher, Monte Carlo), exposures and stress.

    Example: signaltrust risk report --data stocks --weights AAPL=0.5,MSFT=0.5 --report r.html
    """
    from signaltrust.cli.backtest import parse_params
    from signaltrust.cli.run_options import configured_costs, resolve_strategy
    from signaltrust.data.catalog import list_datasets
    from signaltrust.research.risk import risk_report

    params = parse_params(param) if strategy is not None else None
    check_writable(report_path, "--report")
    bundled = data.strip().lower() in {s.name for s in list_datasets()}
    run_options = None
    if strategy is not None:
        run_options = configured_costs(None, None, None, None)
        strategy = resolve_strategy(strategy)
    if strategy is not None and not bundled:
        bars = bars_for(data, import_options)  # one instrument's bars (a file or a series)
        if isinstance(bars, dict):
            bars = next(iter(bars.values()))
        prices, seen, name = bars, f"{data}: one instrument's bars", data
    else:
        prices, seen, name = (data, None, data) if bundled else prices_for(data, import_options)
    with progress("measuring risk", total=None, quiet=as_json):
        result = risk_report(prices, weights, strategy=strategy, params=params, seed=seed,
                             run_options=run_options)
        result.meta["data"] = name
        if seen is not None:
            result.meta["read_as"] = seen
        written = result.to_html(report_path) if report_path is not None else None
    if as_json:
        payload = result.to_dict()
        payload["report"] = str(written) if written is not None else None
        print_json(payload)
        return
    if seen is not None:
        console.print(f"read {seen}", highlight=False)
    from rich.table import Table

    console.print(f"[bold]{result.meta['kind']}[/] on {result.meta['data']} "
                  f"({result.meta['start']} to {result.meta['end']}, "
                  f"{result.meta['periods']} periods)")
    table = Table(title="VaR / CVaR per period (negative = loss)")
    for col in ("method", "level", "VaR", "CVaR"):
        table.add_column(col, justify="right")
    for row in result.var.itertuples():
        table.add_row(row.method, f"{row.level:.0%}", f"{row.var:.4%}", f"{row.cvar:.4%}")
    console.print(table)
    if not result.exposures.empty:
        console.print(result.exposures.round(4).to_string())
    console.print(", ".join(f"{k} {v:.4g}" for k, v in result.concentration.items()))
    shown = [c for c in ("scenario", "start", "end", "bars", "strategy_return",
                         "strategy_max_drawdown") if c in result.stress]
    console.print(f"stress: {result.meta['stress']}")
    console.print(result.stress[shown].to_string(index=False))
    if written is not None:
        console.print(f"report written to {written}")
