"""``signaltrust optimize`` and ``signaltrust walkforward``: parameter search, trust figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from signaltrust.cli.backtest import (
    CASH_OPTION,
    FEES_OPTION,
    LARGE_GRID_OPTION,
    SLIPPAGE_OPTION,
    STRATEGY_OPTION,
    _format,
)
from signaltrust.cli.console import (
    JSON_OPTION,
    check_writable,
    console,
    handles_errors,
    print_json,
    table,
)
from signaltrust.cli.data_options import bars_for, import_options
from signaltrust.cli.run_options import configured_costs, resolve_strategy
from signaltrust.core.serialize import to_plain

ONE_DATA_OPTION = typer.Option(
    ..., "--data", "-d", help="One asset: a bundled dataset, a stored series "
    "SYMBOL[.VENUE][@TIMEFRAME] or a CSV/Parquet file.",
)
SEARCH_GRID_OPTION = typer.Option(
    None, "--grid", "-g",
    help="name=start:stop[:step] (stop included) or name=v1,v2 (repeatable; default: the "
    "strategy's sweep grid).",
)
METHOD_OPTION = typer.Option("grid", "--method", "-m", help="grid, random, tpe, nsga2 or cmaes.")
OBJECTIVE_OPTION = typer.Option(
    None, "--objective", "-o",
    help="sharpe_ratio (default), sortino_ratio, calmar_ratio, return_over_drawdown, "
    "total_return; repeat for several (nsga2).",
)
TRIALS_OPTION = typer.Option(100, "--trials", "-n", min=1, help="Trials (ignored by grid).")
STORAGE_OPTION = typer.Option(
    None, "--storage", help="Where the study lives: 'memory', a journal file (*.journal; "
    "default <home>/optuna.journal) or a database URL to share it (sqlite:///optuna.db, "
    "postgresql+psycopg://user@host/db).")
STUDY_OPTION = typer.Option(None, "--study", help="Study name (reuse it to add trials).")
SEED_OPTION = typer.Option(0, "--seed", help="Sampler seed.")
CONSTRAINT_OPTION = typer.Option(
    None, "--constraint", help="Extra constraint expression, e.g. 'fast * 2 <= slow' (repeatable).")
TOP_OPTION = typer.Option(10, "--top", min=1, help="Trials to show, best first.")
TRAIN_OPTION = typer.Option(756, "--train", min=2, help="Training window in bars.")
TEST_OPTION = typer.Option(252, "--test", min=2, help="Test (out-of-sample) window in bars.")
ANCHORED_OPTION = typer.Option(False, "--anchored", help="Grow the training window from the start.")
REPORT_OPTION = typer.Option(None, "--report", help="Write an HTML report.")
RAY_OPTION = typer.Option(
    False, "--ray", help="Fan out over Ray (local, or SIGNALTRUST_RAY_ADDRESS).")

_TRUST = ("deflated_sharpe", "pbo")


def _objective(values: list[str] | None) -> Any:
    if not values:
        return "sharpe_ratio"
    return values[0] if len(values) == 1 else list(values)


def _space(grid: list[str] | None, large_grid: bool) -> Any:
    """The grid strings, checked first (empty items, repeats, the configured size limits unless
    ``--large-grid``)."""
    from signaltrust.cli.backtest import grid_and_params

    grid_and_params(grid, None, large_grid=large_grid)
    return list(grid) if grid else None


def _counter(total: int | None, label: str, quiet: bool) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from signaltrust.cli.console import err_console

    if quiet:
        return None, None
    bar = Progress(TextColumn(label), BarColumn(), TextColumn("{task.completed:.0f}/{task.total}"),
                   TimeElapsedColumn(), console=err_console, transient=True)
    task = bar.add_task(label, total=total)

    def update(done: int, all_: int) -> None:
        bar.update(task, completed=done, total=all_)

    return bar, update


@handles_errors
@import_options
def optimize_command(
    data: str = ONE_DATA_OPTION,
    strategy: str = STRATEGY_OPTION,
    grid: list[str] = SEARCH_GRID_OPTION,
    method: str = METHOD_OPTION,
    objective: list[str] = OBJECTIVE_OPTION,
    trials: int = TRIALS_OPTION,
    constraint: list[str] = CONSTRAINT_OPTION,
    storage: str = STORAGE_OPTION,
    study: str = STUDY_OPTION,
    seed: int = SEED_OPTION,
    cash: float = CASH_OPTION,
    fees: float = FEES_OPTION,
    slippage_bps: float = SLIPPAGE_OPTION,
    top: int = TOP_OPTION,
    ray: bool = RAY_OPTION,
    large_grid: bool = LARGE_GRID_OPTION,
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Search a strategy's parameters; the best comes with its deflated Sharpe ratio and PBO.

    Grid search runs one compiled sweep pass and records every combination in an Optuna study
    (a journal file under the home by default; --storage postgresql+psycopg://... to share a
    study). The samplers never try a parameter set twice: --trials counts distinct sets, and
    a grid with fewer feasible sets is tried in full (the output says so).

    Example: signaltrust optimize --data goog --grid fast=5:50:5 --grid slow=20:200:20 --method tpe
    """
    from signaltrust.core.config import load_settings
    from signaltrust.optimize.search import optimize
    from signaltrust.optimize.study import default_storage

    if storage is None:  # the boundary decides where a study lives: the data home
        storage = default_storage(load_settings().home)
    space = _space(grid, large_grid)
    bars = bars_for(data, import_options)
    bar, update = _counter(None, f"optimize ({method})", as_json)
    try:
        if bar is not None:
            bar.start()
        found = optimize(
            bars, resolve_strategy(strategy), space=space, method=method,
            objective=_objective(objective), n_trials=trials,
            constraints=list(constraint or []) or None, storage=storage, study_name=study,
            seed=seed, ray=_ray(ray), progress=update,
            **configured_costs(cash, fees, slippage_bps, None),
        )
    finally:
        if bar is not None:
            bar.stop()
    payload = {"data": data, **found.to_dict(top)}
    if as_json:
        print_json(payload)
        return
    head = [[k, _format(k, payload[k]) if not isinstance(payload[k], dict) else payload[k]]
            for k in ("best_params", "best_value", "best_sharpe", *_TRUST, "distinct_trials",
                      "feasible_trials", "trials_deflated", "grid_size", "study_name",
                      "storage")]
    console.print(table(f"{found.strategy} on {data}: {found.method} search of "
                        f"{', '.join(found.objectives)}", ["figure", "value"], head))
    console.print(found.note, highlight=False)
    best = found.best(top)
    columns = [c for c in best.columns if c not in ("state", "feasible", "source",
                                                     "duplicate_of")]
    console.print(table("best trials", columns,
                        [[_format(c, r[c]) for c in columns] for _, r in best.iterrows()]))


@handles_errors
@import_options
def walkforward_command(
    data: str = ONE_DATA_OPTION,
    strategy: str = STRATEGY_OPTION,
    grid: list[str] = SEARCH_GRID_OPTION,
    train: int = TRAIN_OPTION,
    test: int = TEST_OPTION,
    anchored: bool = ANCHORED_OPTION,
    method: str = METHOD_OPTION,
    objective: str = typer.Option("sharpe_ratio", "--objective", "-o",
                                  help="The objective that chooses in each window."),
    trials: int = TRIALS_OPTION,
    seed: int = SEED_OPTION,
    cash: float = CASH_OPTION,
    fees: float = FEES_OPTION,
    slippage_bps: float = SLIPPAGE_OPTION,
    report: Path = REPORT_OPTION,
    ray: bool = RAY_OPTION,
    large_grid: bool = LARGE_GRID_OPTION,
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Walk-forward optimisation: choose in sample, trade out of sample, stitch, judge stability.

    Example: signaltrust walkforward --data sp500 --grid fast=5:50:5 --grid slow=20:200:20
    """
    from signaltrust.optimize.walkforward import walk_forward

    space = _space(grid, large_grid)
    check_writable(report, "--report")
    bars = bars_for(data, import_options)
    bar, update = _counter(None, "walk-forward windows", as_json)
    try:
        if bar is not None:
            bar.start()
        wf = walk_forward(
            bars, resolve_strategy(strategy), space=space, train_bars=train, test_bars=test,
            anchored=anchored, method=method, objective=objective, n_trials=trials, seed=seed,
            ray=_ray(ray), progress=update, **configured_costs(cash, fees, slippage_bps, None),
        )
    finally:
        if bar is not None:
            bar.stop()
    written = wf.report(report) if report is not None else None
    if as_json:
        print_json({"data": data, **to_plain(wf), "report": written})
        return
    summary = wf.summary()
    rows = [[k, _format(k, summary[k])] for k in (
        "oos_sharpe", "is_sharpe", "efficiency", "oos_total_return", "oos_max_drawdown",
        *_TRUST, "probabilistic_sharpe", "windows", "configurations")]
    console.print(table(f"walk-forward {wf.strategy} on {data} "
                        f"({'anchored' if anchored else 'rolling'} {train}/{test} bars)",
                        ["figure", "value"], rows))
    columns = ["window", "test_start", "test_end",
               *[c for c in wf.windows.columns if c.startswith("param_")],
               "is_sharpe", "oos_sharpe", "oos_return"]
    console.print(table("windows", columns, [[_cell(c, r[c]) for c in columns]
                                             for _, r in wf.windows.iterrows()]))
    stab = wf.stability.reset_index(names="param")
    console.print(table("parameter stability", list(stab.columns),
                        [[_format(c, r[c]) for c in stab.columns] for _, r in stab.iterrows()]))
    if written is not None:
        console.print(f"report written to {written}")


def _ray(asked: bool) -> Any:
    """``--ray`` and SIGNALTRUST_RAY_ADDRESS, read here at the boundary, as the ``ray`` option."""
    import os

    from signaltrust.optimize.distributed import ray_option

    return ray_option(asked, os.environ)


def _cell(name: str, value: Any) -> str:
    import pandas as pd

    return str(value.date()) if isinstance(value, pd.Timestamp) else _format(name, value)


def register(app: typer.Typer) -> None:
    """Add ``optimize`` and ``walkforward`` to the main app."""
    app.command("optimize")(optimize_command)
    app.command("walkforward")(walkforward_command)


__all__ = ["optimize_command", "register", "walkforward_command"]
