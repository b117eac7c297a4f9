"""What each kind of job checks and runs: a backtest, a sweep (every grid point), an
optimisation (a sampler's trials) or a walk-forward; each result with its deflated Sharpe ratio
and PBO beside the headline figures.

The API takes only built-in strategies and stored or bundled data by name: a job never runs
code or reads a file that a caller names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain

KINDS = ("backtest", "sweep", "optimize", "walkforward")
METHODS = ("grid", "random", "tpe", "cmaes")
MAX_GRID = 20_000
MAX_TRIALS = 500
MAX_POINTS = 500
MAX_TRADES = 1000
_FILE_HINTS = ("/", "\\", "..", ".csv", ".parquet", ".gz", ".txt")

Progress = Callable[[int, int | None], None]


def data_name(data: Any) -> str:
    """A bundled dataset or stored series name, refused when it looks like a path."""
    if not isinstance(data, str) or not data.strip() or any(h in data.lower()
                                                           for h in _FILE_HINTS):
        raise ValidationError(
            "data must name a bundled bar dataset or a stored series", field="data",
            value=data, fix="use e.g. sp500, goog, eurusd, btcusd or SYMBOL.VENUE@1d")
    return data.strip()


def check_data(data: Any) -> str:
    """A bundled bar dataset or a stored series by name (never a path), opened to check it."""
    from signaltrust.data.sources import open_bars

    open_bars(data_name(data))  # raises a ValidationError naming what exists
    return data.strip()


def check_strategy(strategy: Any) -> str:
    from signaltrust.strategy import list_strategies

    known = list_strategies()
    if strategy not in known:
        raise ValidationError("unknown strategy", field="strategy", value=strategy,
                              fix=f"use one of {known}")
    return str(strategy)


def _whole(params: Mapping[str, Any], name: str, default: int | None, low: int,
           high: int) -> int | None:
    value = params.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}", field=name,
                              value=value, fix=f"pass e.g. {name}={default or low}")
    return int(value)


def check_params(kind: str, params: Mapping[str, Any],
                 costs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The job's parameters checked and completed with the configured costs (what is stored)."""
    if kind not in KINDS:
        raise ValidationError("unknown kind of job", field="kind", value=kind,
                              fix=f"use one of {list(KINDS)}")
    out: dict[str, Any] = {"data": check_data(params.get("data")),
                           "strategy": check_strategy(params.get("strategy"))}
    strategy_params = params.get("params") or {}
    if not isinstance(strategy_params, Mapping):
        raise ValidationError("params must be an object of parameter values", field="params",
                              value=strategy_params, fix='pass e.g. {"fast": 10, "slow": 30}')
    out["params"] = dict(strategy_params)
    base = dict(costs or {})
    for name in ("cash", "fees", "slippage"):
        value = params.get(name, base.get(name))
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value < 0):
            raise ValidationError(f"{name} must be a number >= 0", field=name, value=value,
                                  fix="leave it out to use the configured value")
        out[name] = value
    out["fill_at"] = params.get("fill_at", base.get("fill_at", "next_open"))
    if kind == "backtest":
        out["trials"] = _whole(params, "trials", 1, 1, 1_000_000)
        from signaltrust.strategy import get_strategy

        get_strategy(out["strategy"]).resolve(out["params"])  # names a bad parameter now
        return out
    grid = params.get("grid")
    if grid is not None and (not isinstance(grid, Mapping) or not grid):
        raise ValidationError("grid must be an object {parameter: values}", field="grid",
                              value=grid, fix='pass e.g. {"fast": "5:50:5", "slow": [50, 100]}')
    from signaltrust.optimize.space import grid_values, is_discrete, parse_space
    from signaltrust.strategy import get_strategy

    space = parse_space(get_strategy(out["strategy"]), dict(grid) if grid else None)
    size = None
    if is_discrete(space):
        size = math.prod(len(v) for v in grid_values(space).values())
        if size > MAX_GRID:
            raise ValidationError(f"the grid has {size:,} points", field="grid", value=size,
                                  fix=f"use at most {MAX_GRID:,} (coarser steps)")
    out["grid"] = dict(grid) if grid else None
    out["method"] = "grid" if kind == "sweep" else params.get("method", "tpe" if kind ==
                                                               "optimize" else "grid")
    if out["method"] not in METHODS:
        raise ValidationError("unknown search method", field="method", value=out["method"],
                              fix=f"use one of {list(METHODS)}")
    out["n_trials"] = _whole(params, "n_trials", 50, 1, MAX_TRIALS)
    if kind == "sweep":  # every point of the grid
        if size is None:
            raise ValidationError("a sweep needs a grid of values, not ranges", field="grid",
                                  value=grid, fix='give steps, e.g. {"fast": "5:50:5"}')
        out["n_trials"] = size
    out["seed"] = _whole(params, "seed", 0, 0, 2**31 - 1)
    if kind == "walkforward":
        out["train_bars"] = _whole(params, "train_bars", None, 20, 1_000_000)
        out["test_bars"] = _whole(params, "test_bars", None, 5, 1_000_000)
        out["anchored"] = bool(params.get("anchored", False))
    return out


def curve(series: Any, points: int = MAX_POINTS) -> list[list[Any]]:
    """``[[time, value], ...]`` of at most ``points`` evenly spaced points (the last kept)."""
    if series is None or len(series) == 0:
        return []
    step = max(1, math.ceil(len(series) / points))
    positions = list(range(0, len(series), step))
    if positions[-1] != len(series) - 1:
        positions.append(len(series) - 1)
    picked = series.iloc[positions]
    return [[to_plain(t), float(v)] for t, v in picked.items()]


def _costs(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in ("cash", "fees", "slippage") if params.get(k) is not None}


def run_kind(kind: str, params: dict[str, Any], folder: Path, report: Progress) -> dict[str, Any]:
    """Run a checked job; its JSON-ready result (headline figures first)."""
    from signaltrust.backtest.api import load_bars

    bars = load_bars(params["data"])
    if kind == "backtest":
        return _backtest(bars, params, folder, report)
    if kind == "walkforward":
        return _walkforward(bars, params, folder, report)
    from signaltrust.optimize.search import optimize

    found = optimize(bars, params["strategy"], space=params["grid"], method=params["method"],
                     n_trials=params["n_trials"], params=params["params"] or None,
                     seed=params["seed"], progress=report, fill_at=params["fill_at"],
                     **_costs(params))
    plain = found.to_dict(MAX_GRID)  # every feasible trial: the dashboard draws the surface
    from signaltrust.strategy import get_strategy

    names = [p.name for p in getattr(get_strategy(params["strategy"]), "parameters", ())]
    plain["parameters"] = [n for n in names if len({str(t.get(n)) for t in plain["top"]}) > 1]
    headline = {k: plain.get(k) for k in ("best_params", "best_value", "best_sharpe",
                                           "deflated_sharpe", "pbo", "distinct_trials",
                                           "trials_deflated", "note")}
    return to_plain({"headline": headline, **plain})


def _backtest(bars: Any, params: dict[str, Any], folder: Path,
              report: Progress) -> dict[str, Any]:
    from signaltrust.backtest.api import run
    from signaltrust.research.ml_eval.trading import deflated_sharpe

    report(0, 2)
    result = run(bars, params["strategy"], params["params"], fill_at=params["fill_at"],
                 **_costs(params))
    report(1, 2)
    stats = result.stats
    dsr, how = deflated_sharpe(result, n_trials=params["trials"])
    result.report(folder / "tearsheet.html", plotly="inline")  # served as one document
    headline = {k: stats.get(k) for k in ("final_equity", "total_return", "annual_return",
                                           "sharpe_ratio", "max_drawdown", "trades")}
    headline.update(deflated_sharpe=dsr, deflated_sharpe_note=how, pbo=None,
                    pbo_note="one configuration: PBO needs several (submit a sweep or an "
                    "optimisation)")
    trades = result.trades.head(MAX_TRADES)
    report(2, 2)
    return to_plain({"headline": headline, "stats": stats, "trades": trades,
                     "trades_total": len(result.trades), "equity": curve(result.equity),
                     "params": result.params.get("strategy_params", {}),
                     "tearsheet": True})


def _walkforward(bars: Any, params: dict[str, Any], folder: Path,
                 report: Progress) -> dict[str, Any]:
    from signaltrust.optimize.walkforward import walk_forward

    wf = walk_forward(bars, params["strategy"], space=params["grid"],
                      train_bars=params["train_bars"], test_bars=params["test_bars"],
                      anchored=params["anchored"], method=params["method"],
                      n_trials=params["n_trials"], params=params["params"] or None,
                      seed=params["seed"], progress=report, fill_at=params["fill_at"],
                      **_costs(params))
    wf.report(folder / "tearsheet.html", plotly="inline")  # served as one document
    plain = to_plain(wf)
    headline = {k: plain.get(k) for k in ("oos_sharpe", "is_sharpe", "efficiency",
                                           "oos_total_return", "oos_max_drawdown",
                                           "deflated_sharpe", "pbo", "windows")}
    return to_plain({"headline": headline, **plain, "equity": curve(wf.equity),
                     "tearsheet": True})


__all__ = ["KINDS", "METHODS", "check_data", "check_params", "check_strategy", "curve", "data_name",
           "run_kind"]
