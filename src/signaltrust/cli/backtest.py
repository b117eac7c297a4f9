"""``signaltrust backtest`` and ``signaltrust sweep``: a strategy on bundled, stored or own data."""

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
    table,
)
from signaltrust.cli.data_options import bars_for, close_series, import_options
from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain

#: statistics shown by ``backtest`` (all of them go to --json)
SHOWN_STATS = (
    "start", "end", "start_equity", "final_equity", "total_return", "annual_return",
    "annual_volatility", "sharpe_ratio", "sortino_ratio", "calmar_ratio", "max_drawdown",
    "trades", "open_trades", "win_rate", "profit_factor", "orders", "fees_paid",
)
SWEEP_COLUMNS = (
    "final_equity", "total_return", "sharpe_ratio", "max_drawdown", "trades", "win_rate",
)
_PERCENT = {"total_return", "annual_return", "annual_volatility", "max_drawdown", "win_rate"}


def parse_params(specs: list[str] | None) -> dict[str, str]:
    """``["fast=10", "slow=30"]`` -> {"fast": "10", "slow": "30"} (the strategy converts types)."""
    out: dict[str, str] = {}
    for spec in specs or []:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValidationError(
                "a parameter is written name=value", field="param", value=spec,
                fix="write e.g. --param fast=10 --param slow=30",
            )
        if name.strip() in out:
            raise ValidationError(
                "a parameter is given twice", field=f"param.{name.strip()}", value=spec,
                fix=f"give --param {name.strip()}=... once",
            )
        out[name.strip()] = value.strip()
    return out


def grid_and_params(grid: list[str] | None, param: list[str] | None, large_grid: bool) -> tuple:
    """The parsed ``--grid`` (size checked against the configured limits unless
    ``--large-grid``) and ``--param`` values; a parameter in both is refused."""
    from signaltrust.backtest.grid import parse_grid
    from signaltrust.core.config import load_settings

    params = parse_params(param)
    if not grid:
        return None, params
    limits = load_settings().backtest
    grid_values = parse_grid(
        grid,
        max_combinations=None if large_grid else limits.max_grid_combinations,
        max_memory_bytes=None if large_grid else limits.max_grid_memory_mb * 2**20,
    )
    both = sorted(set(grid_values) & set(params))
    if both:
        raise ValidationError(
            f"{both[0]} is given both as --grid and as --param", field=f"param.{both[0]}",
            value=both[0], fix=f"sweep {both[0]} with --grid or fix it with --param, not both",
        )
    return grid_values, params


def _format(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return "n/a"
        if name in _PERCENT:
            return f"{value:.2%}"
        if abs(value) >= 1000:
            return f"{value:,.2f}"
        return f"{value:.4g}"
    return str(value)


DATA_OPTION = typer.Option(
    ..., "--data", "-d", help="Bundled dataset, stored series SYMBOL[.VENUE][@TIMEFRAME] or a "
    "CSV/Parquet file (repeat for several assets).",
)
LARGE_GRID_OPTION = typer.Option(
    False, "--large-grid", help="Sweep a grid beyond backtest.max_grid_combinations / "
    "max_grid_memory_mb (its size and memory are estimated first).",
)
STRATEGY_OPTION = typer.Option(
    "sma_cross", "--strategy", "-s",
    help="Built-in strategy name, or your Strategy class as file.py:ClassName or module:Class.",
)
PARAM_OPTION = typer.Option(
    None, "--param", "-p", help="Strategy parameter name=value (repeatable)."
)
ENGINE_OPTION = typer.Option(
    None, "--engine",
    help="vectorized (rule strategies) or event (the trading core; any strategy). "
    "Default: vectorized when the strategy has vectorised signals, else event.",
)
BENCHMARK_OPTION = typer.Option(
    None, "--benchmark", help="Data whose close is the benchmark (a name or a file).")
REPORT_OPTION = typer.Option(None, "--report", help="Write a tearsheet: .html or .png.")
GRID_OPTION = typer.Option(
    None, "--grid", "-g",
    help="name=start:stop[:step] (stop included) or name=v1,v2 (repeatable; "
    "default: the strategy's grid).",
)
TOP_OPTION = typer.Option(10, "--top", min=1, help="Rows to show, best first.")
SORT_OPTION = typer.Option("sharpe_ratio", "--sort-by", help="Statistic that ranks rows.")
HEATMAP_OPTION = typer.Option(
    None, "--heatmap",
    help="Write a heatmap of --sort-by over the first two grid parameters (.html or .png).",
)
CASH_OPTION = typer.Option(None, "--cash", help="Starting cash (default: configuration).")
FEES_OPTION = typer.Option(None, "--fees", help="Fees, fraction of notional (0.001 = 0.1%).")
SLIPPAGE_OPTION = typer.Option(None, "--slippage-bps", help="Slippage in basis points.")
FILL_OPTION = typer.Option(None, "--fill-at", help="next_open (default) or close.")


@handles_errors
@import_options
def backtest(
    data: list[str] = DATA_OPTION,
    strategy: str = STRATEGY_OPTION,
    param: list[str] = PARAM_OPTION,
    cash: float = CASH_OPTION,
    fees: float = FEES_OPTION,
    slippage_bps: float = SLIPPAGE_OPTION,
    fill_at: str = FILL_OPTION,
    engine: str = ENGINE_OPTION,
    benchmark: str = BENCHMARK_OPTION,
    report: Path = REPORT_OPTION,
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Backtest a strategy on bundled data and print its statistics (costs on by default).

    --data also takes a stored series (SYMBOL[.VENUE][@TIMEFRAME]) or your own CSV/Parquet
    file, read with the file import options.

    Strategies: sma_cross, bollinger_rsi, donchian_breakout, ts_momentum, breakout_score.

    Example: signaltrust backtest --data sp500 --strategy sma_cross --param fast=10 --param slow=30
    """
    from signaltrust.backtest.api import run
    from signaltrust.cli.run_options import configured_costs, resolve_strategy

    params = parse_params(param)
    check_writable(report, "--report")
    chosen = resolve_strategy(strategy)
    bars = bars_for(data, import_options)
    reference = close_series(benchmark, import_options) if benchmark is not None else None
    costs = configured_costs(cash, fees, slippage_bps, fill_at)
    with progress("backtesting", total=None, quiet=as_json):
        result = run(bars, chosen, params, engine=engine, benchmark=reference, **costs)
        stats = result.stats
        written = result.report(report) if report is not None else None
    if as_json:
        print_json({"data": list(data), **result.to_dict(), "report": written})
        return
    rows = [[name, _format(name, stats.get(name))] for name in SHOWN_STATS if name in stats]
    title = f"{result.params['strategy']} {result.params['strategy_params']} on {', '.join(data)}"
    console.print(table(title, ["statistic", "value"], rows))
    if written is not None:
        console.print(f"report written to {written}")


@handles_errors
@import_options
def sweep(
    data: list[str] = DATA_OPTION,
    strategy: str = STRATEGY_OPTION,
    grid: list[str] = GRID_OPTION,
    param: list[str] = PARAM_OPTION,
    top: int = TOP_OPTION,
    sort_by: str = SORT_OPTION,
    cash: float = CASH_OPTION,
    fees: float = FEES_OPTION,
    slippage_bps: float = SLIPPAGE_OPTION,
    fill_at: str = FILL_OPTION,
    heatmap: Path = HEATMAP_OPTION,
    large_grid: bool = LARGE_GRID_OPTION,
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Backtest every combination of a parameter grid in one compiled pass; show the best.

    The grid's size and memory are estimated before anything is built; a grid beyond the
    configured limits needs --large-grid.

    Example: signaltrust sweep --data goog --grid fast=5:50 --grid slow=20:200:5
    """
    from signaltrust.backtest.sweep import sweep as run_sweep
    from signaltrust.cli.run_options import configured_costs, resolve_strategy

    grid_values, params = grid_and_params(grid, param, large_grid)
    check_writable(heatmap, "--heatmap")
    chosen = resolve_strategy(strategy)
    bars = bars_for(data, import_options)
    costs = configured_costs(cash, fees, slippage_bps, fill_at)
    with progress("sweeping", total=100, quiet=as_json) as advance:
        done = [0]

        def report_progress(finished: int, total: int) -> None:
            step = int(100 * finished / total) - done[0]
            done[0] += step
            advance(step)

        result = run_sweep(
            bars, chosen, grid_values, params=params, sort_by=sort_by, progress=report_progress,
            **costs,
        )
    written = None
    if heatmap is not None:
        axes = list(grid_values or {}) or [n for n in result.param_names if n in result.table]
        if len(axes) < 2:
            raise ValidationError(
                "a heatmap needs two grid parameters", field="heatmap", value=axes,
                fix="sweep two parameters, e.g. --grid fast=5:50 --grid slow=20:200:5",
            )
        written = result.write_heatmap(heatmap, x=axes[0], y=axes[1], value=sort_by)
    best = result.best(top)
    if as_json:
        headline = {k: v for k, v in to_plain(result).items() if k != "rows"}
        print_json({"data": list(data), **headline, "heatmap": written,
                    "top": best.reset_index(drop=True)})
        return
    shown = [c for c in ("asset", *result.param_names) if c in best.columns]
    shown = [c for c in shown if best[c].nunique() > 1 or c in (grid_values or {})]
    columns = shown + [c for c in SWEEP_COLUMNS if c in best.columns]
    rows = [[_format(c, row[c]) for c in columns] for _, row in best.iterrows()]
    title = (
        f"{result.strategy} on {', '.join(data)}: {len(result):,} combinations in "
        f"{result.elapsed:.2f}s ({result.rate / 1e6:,.1f}M bar-combinations/s), "
        f"best {len(best)} by {sort_by}"
    )
    console.print(table(title, columns, rows))
    if written is not None:
        console.print(f"heatmap written to {written}")


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` and ``sweep`` commands to the ``signaltrust`` app."""
    app.command("backtest")(backtest)
    app.command("sweep")(sweep)
