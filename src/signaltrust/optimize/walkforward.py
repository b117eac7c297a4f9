"""Walk-forward optimisation: optimise in sample, trade out of sample, stitch, judge stability.

>>> from signaltrust.optimize import walk_forward
>>> wf = walk_forward("sp500", "sma_cross", space=["fast=5:50:5", "slow=20:200:20"],
...                   train_bars=756, test_bars=252)
>>> wf.summary()["oos_sharpe"], wf.efficiency, wf.deflated_sharpe, wf.pbo

Windows: the first test window starts after ``train_bars`` bars; each test window holds
``test_bars`` bars (the last may be shorter) and follows its training window directly:
rolling (the ``train_bars`` bars before it) or anchored (every bar before it). Test windows
never overlap and their union is every bar from the first test bar to the end. In each window
the space is searched on the training bars only (``optimize`` on those bars); the chosen
parameters then trade the test bars from flat, with signals computed on every bar before the
end of the test window (indicators warm up on the history, nothing after the window is seen;
see ``optimize.evaluate``). The out-of-sample returns are chained into one equity curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.optimize.evaluate import Evaluator, Outcome, single_asset
from signaltrust.optimize.objectives import resolve_objectives


@dataclass(frozen=True)
class Window:
    """One walk-forward step in bar positions: train [train_start, train_stop), test after."""

    number: int
    train_start: int
    train_stop: int
    test_start: int
    test_stop: int


def make_windows(index: pd.DatetimeIndex, *, train_bars: int | None = None,
                 test_bars: int | None = None, train_period: Any = None,
                 test_period: Any = None, anchored: bool = False) -> list[Window]:
    """The walk-forward windows over ``index`` by bar counts or by calendar periods ("3YE")."""
    n = len(index)
    if train_period is not None or test_period is not None:
        if train_period is None or test_period is None:
            raise ValidationError("give both train_period and test_period", field="test_period",
                                  value=(train_period, test_period), fix="e.g. '3YS' and '1YS'")
        train_off = pd.tseries.frequencies.to_offset(train_period)
        test_off = pd.tseries.frequencies.to_offset(test_period)
        starts = []
        start_time = index[0] + train_off
        while start_time <= index[-1]:
            starts.append(start_time)
            start_time = start_time + test_off
        edges = [int(index.searchsorted(t)) for t in starts] + [n]
        lookback = [int(index.searchsorted(t - train_off)) for t in starts]
    else:
        if not train_bars or not test_bars or train_bars < 2 or test_bars < 2:
            raise ValidationError("train_bars and test_bars must be at least 2",
                                  field="train_bars", value=(train_bars, test_bars),
                                  fix="pass e.g. train_bars=756, test_bars=252")
        edges = list(range(int(train_bars), n, int(test_bars))) + [n]
        lookback = [e - int(train_bars) for e in edges[:-1]]
    windows = []
    for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        if b - a < 2:
            continue
        first = 0 if anchored else lookback[k]
        windows.append(Window(len(windows), first, a, a, b))
    if not windows:
        raise ValidationError(
            "the data is too short for one training and one test window", field="train_bars",
            value=train_bars or train_period, fix=f"use a training window below {n - 2} bars",
        )
    return windows


@dataclass
class WalkForwardResult:
    """Per-window choices and IS/OOS metrics, the stitched OOS equity and its trust figures."""

    windows: pd.DataFrame
    equity: pd.Series
    returns: pd.Series
    oos_summary: dict[str, Any]
    stability: pd.DataFrame
    is_sharpe: float
    oos_sharpe: float
    efficiency: float
    deflated_sharpe: float
    probabilistic_sharpe: float
    pbo: float
    n_configurations: int
    anchored: bool
    strategy: str
    objective: str
    pbo_result: Any = field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        """Headline figures (JSON-ready), each beside deflated_sharpe and pbo."""
        s = self.oos_summary
        return {
            "strategy": self.strategy, "objective": self.objective, "anchored": self.anchored,
            "windows": len(self.windows), "oos_start": s.get("start"), "oos_end": s.get("end"),
            "oos_sharpe": self.oos_sharpe, "is_sharpe": self.is_sharpe,
            "efficiency": self.efficiency, "oos_total_return": s.get("total_return"),
            "oos_annual_return": s.get("annual_return"),
            "oos_max_drawdown": s.get("max_drawdown"),
            "deflated_sharpe": self.deflated_sharpe,
            "probabilistic_sharpe": self.probabilistic_sharpe, "pbo": self.pbo,
            "configurations": self.n_configurations,
        }

    def __plain__(self) -> dict[str, Any]:
        """What ``--json`` and the API show: the summary, the windows, stability, OOS statistics."""
        return {**self.summary(), "windows_table": self.windows,
                "stability": self.stability.reset_index(names="param"),
                "oos_summary": self.oos_summary}

    def report(self, path: str | Path, plotly: str = "file") -> Path:
        """Write an HTML report: headline figures, OOS equity, windows and stability tables
        (``plotly``: "file", one plotly.js shared by the reports of the folder; "inline")."""
        import plotly.graph_objects as go

        from signaltrust.backtest.tearsheet.plotlyjs import include_plotlyjs

        out = Path(path)
        fig = go.Figure(go.Scatter(x=self.equity.index, y=self.equity.values,
                                   name="out-of-sample equity"))
        fig.update_layout(title="Walk-forward out-of-sample equity (stitched)", height=420)
        head = pd.DataFrame([self.summary()]).T.rename(columns={0: "value"})
        html = ["<html><head><meta charset='utf-8'><title>Walk-forward</title></head><body>",
                f"<h1>Walk-forward: {self.strategy}</h1>",
                "<p>Every headline figure sits beside its deflated Sharpe ratio and PBO.</p>",
                head.to_html(),
                fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs(out, plotly)),
                "<h2>Windows</h2>", self.windows.to_html(index=False),
                "<h2>Parameter stability</h2>", self.stability.to_html(), "</body></html>"]
        out.write_text("\n".join(html), encoding="utf-8")
        return out


def _window_task(window: Window, *, evaluator: Evaluator, space: Any, options: dict[str, Any]
                 ) -> tuple[dict[str, Any], Outcome]:
    from signaltrust.optimize.search import optimize

    seed = options.get("seed")
    found = optimize(
        evaluator.bars.iloc[window.train_start:window.train_stop], evaluator.strategy,
        space=space, storage="memory", statistics=False, ray=False, cash=evaluator.cash,
        fees=evaluator.fees, slippage=evaluator.slippage,
        **{**options, "seed": None if seed is None else seed + window.number},
        **evaluator.options,
    )
    if not found.best_params:
        raise ValidationError("no feasible trial in a training window", field="window",
                              value=window.number, fix="widen the space or the training window")
    objectives = resolve_objectives(options.get("objective", "sharpe_ratio"))
    oos = evaluator.evaluate(found.best_params, objectives, (window.test_start, window.test_stop))
    best = found.best(1).iloc[0]
    index = evaluator.bars.index
    record = {
        "window": window.number, "train_start": index[window.train_start],
        "train_end": index[window.train_stop - 1], "test_start": index[window.test_start],
        "test_end": index[window.test_stop - 1],
        **{f"param_{k}": v for k, v in found.best_params.items()},
        "is_objective": found.best_value, "is_sharpe": float(best["sharpe_ratio"]),
        "oos_objective": oos.values[0], "oos_sharpe": oos.stats["sharpe_ratio"],
        "oos_return": oos.stats["total_return"], "trials": found.n_trials,
    }
    return record, oos


def walk_forward(
    data: Any,
    strategy: Any,
    *,
    space: Any = None,
    grid: Any = None,
    train_bars: int | None = None,
    test_bars: int | None = None,
    train_period: Any = None,
    test_period: Any = None,
    anchored: bool = False,
    method: str = "grid",
    objective: Any = "sharpe_ratio",
    n_trials: int = 50,
    constraints: Any = None,
    params: Mapping[str, Any] | None = None,
    seed: int | None = 0,
    cash: float | None = None,
    fees: float | None = None,
    slippage: float | None = None,
    ray: bool | str | None = None,
    pbo_partitions: int = 16,
    max_pbo_configurations: int = 200,
    progress: Any = None,
    **engine_options: Any,
) -> WalkForwardResult:
    """Walk-forward optimisation: rolling or anchored windows, stitched out-of-sample equity.

    ``space`` (or its alias ``grid``) as in ``optimize`` (default: the strategy's sweep grid);
    ``train_bars``/``test_bars`` or ``train_period``/``test_period`` (pandas offsets such as
    "3YS"/"1YS"); ``anchored`` grows the training window from the first bar. Each window is
    searched with ``method``/``objective``/``n_trials`` (seed + window number) and traded out of
    sample from flat. Windows fan out over Ray when ``ray`` is True or an address.
    The result holds per-window choices with IS and OOS metrics, the OOS ``performance_summary``,
    parameter ``stability``, ``efficiency`` (OOS Sharpe / mean IS Sharpe of the chosen), and the
    stitched result's deflated Sharpe ratio and PBO (see docs/validation.md).
    """
    from signaltrust.metrics import performance_summary
    from signaltrust.optimize.distributed import fan_out
    from signaltrust.strategy import get_strategy

    if space is not None and grid is not None:
        raise ValidationError("give space or grid, not both", field="grid", value=grid,
                              fix="pass the search space once, as space=")
    space = grid if space is None else space
    chosen = get_strategy(strategy)
    bars = single_asset(data)
    objectives = resolve_objectives(objective)
    if len(objectives) > 1:
        raise ValidationError("walk-forward chooses by one objective", field="objective",
                              value=[o.name for o in objectives], fix="pass one objective")
    windows = make_windows(bars.index, train_bars=train_bars, test_bars=test_bars,
                           train_period=train_period, test_period=test_period,
                           anchored=anchored)
    evaluator = Evaluator(bars, chosen, cash, fees, slippage, dict(engine_options))
    options = {"method": method, "objective": objective, "n_trials": n_trials,
               "constraints": constraints, "params": params, "seed": seed}
    pairs = fan_out(_window_task, windows, shared={"evaluator": evaluator, "space": space,
                                                   "options": options}, ray=ray,
                    progress=progress)
    table = pd.DataFrame([p[0] for p in pairs])
    returns = pd.concat([p[1].returns for p in pairs])
    start_cash = evaluator_cash(evaluator)
    equity = (start_cash * (1.0 + returns).cumprod()).rename("equity")
    summary = performance_summary(equity, periods_per_year=evaluator.periods_per_year)
    oos_sharpe = float(summary["sharpe_ratio"])
    is_sharpe = float(table["is_sharpe"].mean())
    stats = _trust(evaluator, chosen, space, constraints, params, returns, objectives, seed,
                   pbo_partitions, max_pbo_configurations, ray)
    return WalkForwardResult(
        windows=table, equity=equity, returns=returns, oos_summary=summary,
        stability=stability(table, chosen.param_names()), is_sharpe=is_sharpe,
        oos_sharpe=oos_sharpe,
        efficiency=oos_sharpe / is_sharpe if is_sharpe and np.isfinite(is_sharpe) else np.nan,
        anchored=anchored, strategy=chosen.label, objective=objectives[0].name, **stats,
    )


def evaluator_cash(evaluator: Evaluator) -> float:
    from signaltrust.backtest.costs import resolve_costs

    opts = evaluator.options
    return float(resolve_costs(
        cash=evaluator.cash, fees=evaluator.fees, slippage=evaluator.slippage,
        fixed_fees=opts.get("fixed_fees"), min_fees=opts.get("min_fees"),
        fill_at=opts.get("fill_at")).cash)


def stability(table: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Per parameter: modal value and its share of windows, distinct values, mean, std, CV."""
    rows = {}
    for name in names:
        column = table.get(f"param_{name}")
        if column is None:
            continue
        counts = column.value_counts()
        row: dict[str, Any] = {"modal": counts.index[0],
                               "modal_share": counts.iloc[0] / len(column),
                               "distinct": int(counts.size)}
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            values = column.astype(float)
            mean, std = float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0
            row.update({"mean": mean, "std": std, "cv": std / abs(mean) if mean else np.nan,
                        "min": float(values.min()), "max": float(values.max())})
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def _trust(evaluator: Evaluator, strategy: Any, space: Any, constraints: Any, params: Any,
           returns: pd.Series, objectives: Any, seed: int | None, partitions: int, limit: int,
           ray: Any) -> dict[str, Any]:
    """DSR (deflated by the space's configurations), PSR and PBO of the walk-forward."""
    from signaltrust.optimize.overfitting import probabilistic_sharpe_ratio, sharpe_moments
    from signaltrust.optimize.result import _pick, deflated_sharpe_of, pbo_of
    from signaltrust.optimize.runs import run_items
    from signaltrust.optimize.search import _base
    from signaltrust.optimize.space import constraint_checker, grid_combinations, parse_space

    dims = parse_space(strategy, space)
    try:
        combos = grid_combinations(strategy, dims, _base(strategy, params, dims),
                                   constraint_checker(strategy, constraints))
    except ValidationError:
        combos = []  # a continuous space: no configuration set to deflate by
    picked = _pick(list(range(len(combos))), 0, limit, seed) if combos else []
    outcomes = run_items([combos[i] for i in picked], [None], evaluator, objectives, ray, None)
    try:
        sr, n, skew, kurt = sharpe_moments(returns)
        psr = float(probabilistic_sharpe_ratio(sr, n, skew, kurt))
    except ValidationError:
        psr = float("nan")
    dsr = (deflated_sharpe_of(returns, [o.sharpe_ratio for o in outcomes],
                              evaluator.periods_per_year, n_trials=len(combos))
           if len(outcomes) >= 2 else psr)
    pbo = pbo_of(outcomes, partitions, evaluator.periods_per_year)
    return {"deflated_sharpe": dsr, "probabilistic_sharpe": psr,
            "pbo": float(pbo.pbo) if pbo is not None else float("nan"),
            "n_configurations": len(combos), "pbo_result": pbo}
