"""``signaltrust check``: research-integrity checks; ``check lookahead`` finds look-ahead bias."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from signaltrust.cli.backtest import parse_params
from signaltrust.cli.console import (
    JSON_OPTION,
    console,
    err_console,
    handles_errors,
    print_json,
    progress,
    table,
)
from signaltrust.cli.data_options import import_options
from signaltrust.core.errors import DatasetNotFoundError, ValidationError

app = typer.Typer(
    help="Research-integrity checks.\n\n"
    "Example: signaltrust check lookahead --data goog --strategy sma_cross",
    no_args_is_help=True,
)


def load_data(data: str, options: Any = None) -> pd.DataFrame:
    """The frame of a bundled dataset, a stored series or a CSV/Parquet file (any kind)."""
    from signaltrust.cli.data_options import open_source

    return open_source(data, options).frame


def load_function(spec: str) -> Callable[[pd.DataFrame], Any]:
    """``path/to/file.py:function`` or ``package.module:function`` -> the function."""
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name.isidentifier():
        raise ValidationError(
            "a module is written path.py:function", field="module", value=spec,
            fix="write e.g. --module my_features.py:features",
        )
    path = Path(target).expanduser()
    try:
        if path.suffix == ".py" or path.exists():
            if not path.exists():
                raise DatasetNotFoundError("no such Python file", field="module", value=target,
                                           fix="pass the path of an existing .py file")
            module_spec = importlib.util.spec_from_file_location(f"_lookahead_{path.stem}", path)
            if module_spec is None or module_spec.loader is None:
                raise ValidationError("cannot import this file", field="module", value=target,
                                      fix="pass a Python source file ending in .py")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[module_spec.name] = module
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except (ImportError, SyntaxError) as exc:
        raise ValidationError(f"cannot import {target}: {exc}", field="module", value=spec,
                              fix="fix the module so that `python path.py` runs") from None
    func = getattr(module, name, None)
    if not callable(func):
        raise ValidationError(f"{target} has no function {name}", field="module", value=spec,
                              fix="name a function f(bars) -> DataFrame defined in the module")
    return func


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "NaN" if value != value else repr(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return str(value)


DATA_OPTION = typer.Option(
    ..., "--data", "-d", help="A bundled dataset, a stored series SYMBOL[.VENUE][@TIMEFRAME] or a "
    "CSV/Parquet file.",
)
STRATEGY_OPTION = typer.Option(
    None, "--strategy", "-s",
    help="Strategy to check: a built-in name, or file.py:ClassName / module:ClassName.",
)
PARAM_OPTION = typer.Option(None, "--param", "-p", help="Strategy parameter name=value.")
FEATURES_OPTION = typer.Option(
    None, "--features", "-f", help="Feature set to check: technical, alpha158, macro, cross_asset."
)
MODULE_OPTION = typer.Option(
    None, "--module", "-m", help="Your own function f(bars) -> DataFrame: path.py:function."
)
POINTS_OPTION = typer.Option(20, "--points", min=1, help="Cut points to sample.")
SEED_OPTION = typer.Option(0, "--seed", help="Seed of the sampled cut points.")
HISTORY_OPTION = typer.Option(None, "--min-history", min=0, help="Bars kept at the first cut.")
TOLERANCE_OPTION = typer.Option(
    0.0, "--tolerance", min=0.0, help="Relative float tolerance (0: exact, NaN equals NaN)."
)
MODE_OPTION = typer.Option(
    "truncate", "--mode", help="truncate (remove the future), extend (alter it) or both."
)
ROWS_OPTION = typer.Option(20, "--rows", min=1, help="Changed values to list in the table.")


@app.command("lookahead")
@handles_errors
@import_options
def lookahead(
    data: str = DATA_OPTION,
    strategy: str = STRATEGY_OPTION,
    param: list[str] = PARAM_OPTION,
    features: str = FEATURES_OPTION,
    module: str = MODULE_OPTION,
    points: int = POINTS_OPTION,
    seed: int = SEED_OPTION,
    min_history: int = HISTORY_OPTION,
    tolerance: float = TOLERANCE_OPTION,
    mode: str = MODE_OPTION,
    rows: int = ROWS_OPTION,
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Re-run a strategy, feature set or your function on truncated data; report look-ahead.

    Every value at bar t that changes when the bars after t are removed is listed with its
    column and timestamp. Exit 0 when clean, 1 when a value changed (or the input is bad).

    Example: signaltrust check lookahead --data goog --strategy sma_cross --param fast=10
    """
    from signaltrust.optimize.lookahead import check_features, check_strategy, detect_lookahead

    chosen = [n for n, v in (("--strategy", strategy), ("--features", features),
                             ("--module", module)) if v is not None]
    if len(chosen) != 1:
        raise typer.BadParameter(
            "give exactly one of --strategy, --features or --module"
            + (f" (got {', '.join(chosen)})" if chosen else ""),
        )
    bars = load_data(data, import_options)
    options: dict[str, Any] = {"n_points": points, "seed": seed, "tolerance": tolerance,
                               "mode": mode}
    if min_history is not None:
        options["min_history"] = min_history
    total = points * (2 if mode == "both" else 1) + 1
    with progress("checking for look-ahead", total=total, quiet=as_json) as advance:
        options["progress"] = lambda done, _total: advance(1)
        if strategy is not None:
            target = f"strategy {strategy}"
            from signaltrust.cli.run_options import resolve_strategy

            report = check_strategy(bars, resolve_strategy(strategy), parse_params(param),
                                    **options)
        elif features is not None:
            target = f"features {features}"
            report = check_features(bars, features, **options)
        else:
            target = f"function {module}"
            report = detect_lookahead(load_function(module), bars, **options)
    payload = {"data": data, "target": target, **report.to_dict()}
    if as_json:
        print_json(payload)
    else:
        _print_report(report, target, data, rows)
    if not report.clean:
        raise typer.Exit(code=1)


def _print_report(report: Any, target: str, data: str, rows: int) -> None:
    where = f"{target} on {data}: {len(report.points)} cut points of {report.n_bars} bars"
    if report.errors:
        cuts = ", ".join(str(c) for c in list(report.errors)[:5])
        err_console.print(
            f"[yellow]warning:[/] the pipeline failed at {len(report.errors)} cut point(s) "
            f"({cuts}); first error: {next(iter(report.errors.values()))}. Those cuts were not "
            "checked: raise --min-history or try --mode extend.", highlight=False, soft_wrap=True,
        )
    if report.clean:
        console.print(f"[green]no look-ahead found[/]: {where}, "
                      f"{len(report.columns)} columns checked", highlight=False)
        return
    summary = report.summary()
    console.print(table(
        f"look-ahead found: {where}", ["column", "changed values", "cut points", "first", "last"],
        [[r.column, r.values, r.cuts, _show(r.first), _show(r.last)]
         for r in summary.itertuples(index=False)],
    ))
    shown = report.findings.head(rows)
    console.print(table(
        f"changed values (first {len(shown)} of {len(report.findings)})",
        ["column", "timestamp", "full value", "truncated value", "cut at"],
        [[r.column, _show(r.timestamp), _show(r.full_value), _show(r.truncated_value),
          _show(r.cut_time)] for r in shown.itertuples(index=False)],
    ))
