"""``sweep``: one row of statistics per parameter combination (and asset), in one compiled pass.

>>> from signaltrust.backtest import sweep
>>> table = sweep("goog", "sma_cross", grid={"fast": range(5, 51), "slow": range(20, 201, 5)})
>>> table.best(5)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.api import Data, check_engine, periods_for, prepare_data, run
from signaltrust.backtest.grid import expand_grid
from signaltrust.backtest.nb.threads import kernel_threads, plan_threads
from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.strategy import RuleStrategy, get_strategy
from signaltrust.strategy.base import bar_arrays

#: statistics that are better when smaller; every other one sorts best-first descending
SMALLER_IS_BETTER = frozenset({"annual_volatility", "fees_paid", "orders"})

Progress = Callable[[int, int], None]


class SweepResult(pd.DataFrame):
    """The sweep table, one row per combination (and asset), with sweep helpers; a DataFrame.

    Columns: the parameters (and ``asset`` when several), then final_equity, total_return,
    sharpe_ratio, max_drawdown, trades, open_trades, win_rate, profit_factor, orders,
    fees_paid, annual_volatility. ``results`` maps a row label to the full BacktestResult
    re-run for the ``keep_best`` best rows; ``elapsed`` is the compiled pass in seconds and
    ``rate`` its bar-combinations per second; ``threads`` the threads it ran on (1 for the
    strategies swept by a Python loop). Operations that derive a new frame (slicing, ``query``,
    ``sort_values``) return plain DataFrames.
    """

    _metadata = ["strategy", "param_names", "sort_by", "results", "elapsed", "bars", "threads"]

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    @classmethod
    def build(
        cls, table: pd.DataFrame, *, strategy: str, param_names: list[str], sort_by: str,
        results: dict[Any, Any] | None = None, elapsed: float = 0.0, bars: int = 0,
        threads: int = 1,
    ) -> SweepResult:
        out = cls(table)
        out.strategy = strategy
        out.param_names = param_names
        out.sort_by = sort_by
        out.results = results or {}
        out.elapsed = elapsed
        out.bars = bars
        out.threads = threads
        return out

    @property
    def table(self) -> pd.DataFrame:
        """The rows as a plain DataFrame."""
        return pd.DataFrame(self)

    @property
    def bar_combinations(self) -> int:
        """Bars simulated in total (bars of each asset times its combinations)."""
        return self.bars

    @property
    def rate(self) -> float:
        """Bar-combinations per second of the pass (compilation and cache loading excluded)."""
        return self.bars / self.elapsed if self.elapsed > 0 else float("nan")

    def best(
        self, n: int = 10, by: str | None = None, ascending: bool | None = None
    ) -> pd.DataFrame:
        """The ``n`` best rows by ``by`` (default the sweep's ``sort_by``), best first."""
        key = by or self.sort_by
        check_stat(key, self)
        if ascending is None:
            ascending = key in SMALLER_IS_BETTER
        return self.table.sort_values(key, ascending=ascending, na_position="last").head(n)

    def heatmap(self, x: str, y: str, value: str | None = None, **kwargs: Any) -> Any:
        """A Plotly heatmap of ``value`` (default ``sort_by``) over parameters ``x`` and ``y``."""
        from signaltrust.backtest.tearsheet import heatmap

        return heatmap(self.table, x=x, y=y, value=value or self.sort_by, **kwargs)

    def write_heatmap(
        self, path: Any, x: str, y: str, value: str | None = None, **kwargs: Any
    ) -> Any:
        """Write the heatmap to ``path`` (.html interactive or .png)."""
        from signaltrust.backtest.tearsheet import write_heatmap

        return write_heatmap(self.table, path, x=x, y=y, value=value or self.sort_by, **kwargs)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __plain__(self) -> dict[str, Any]:
        """What ``--json`` and the API show (``core.serialize.to_plain``): the pass and its rows."""
        return {
            "strategy": self.strategy, "param_names": self.param_names, "sort_by": self.sort_by,
            "combinations": len(self), "bar_combinations": self.bars, "elapsed_s": self.elapsed,
            "bar_combinations_per_s": self.rate, "rows": self.table.reset_index(drop=True),
        }

    def summary(self) -> str:
        """One line: strategy, rows, sort key and speed."""
        return (
            f"SweepResult(strategy={self.strategy!r}, rows={len(self)}, "
            f"sort_by={self.sort_by!r}, rate={self.rate:,.0f} bar-combinations/s)"
        )


def check_stat(name: str, table: pd.DataFrame) -> None:
    if name not in table.columns:
        raise ValidationError(
            "unknown statistic to sort by", field="sort_by", value=name,
            fix=f"use one of: {', '.join(c for c in table.columns if c in STAT_COLUMNS)}",
        )


def _stat_names() -> tuple[str, ...]:
    from signaltrust.backtest.nb.layout import STAT_NAMES

    return tuple(STAT_NAMES)


STAT_COLUMNS = _stat_names()


def sweep(
    data: Data,
    strategy: str | RuleStrategy | type[RuleStrategy],
    grid: Mapping[str, Any] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    constraint: Callable[[dict[str, Any]], bool] | str | None = None,
    keep_best: int = 0,
    sort_by: str = "sharpe_ratio",
    cash: float | None = None,
    fees: float | None = None,
    slippage: float | None = None,
    engine: str = "vectorized",
    progress: Progress | None = None,
    threads: int | None = None,
    **engine_options: Any,
) -> SweepResult:
    """Backtest every combination of a parameter grid (and every asset) in one parallel pass.

    ``grid`` maps parameter names to values (a range, a list, a scalar; default: the strategy's
    declared sweep grid, e.g. fast 5..50 x slow 20..200 step 5 for ``sma_cross``); parameters
    not in the grid take ``params`` or their defaults. ``constraint`` keeps a combination when
    it returns True (a callable on the parameter dict, or an expression like ``"fast < slow"``);
    by default the strategy's own validation decides (``fast < slow``). Costs default to the
    configuration, as in ``run``; each row equals ``run(asset, strategy, combination)``.
    ``keep_best`` re-runs the best rows by ``sort_by`` with full curves (``.results``).
    Several assets (a dict of bars or a list of names) give one row per asset and combination,
    each asset with its own account. Memory grows with bars plus combinations, never with their
    product. ``threads`` runs the pass on that many threads; by default it runs on the CPUs no
    other process is using at the start (at least 1, at most ``numba.get_num_threads()`` of the
    calling thread), and ``.threads`` says how many it used. The rows do not depend on it.
    """
    check_engine(engine)
    if engine != "vectorized":
        raise ValidationError(
            "sweeps run on the vectorized engine only", field="engine", value=engine,
            fix="drop engine=, then check the chosen rows with run(..., engine='event')",
        )
    chosen = get_strategy(strategy)
    prepared = prepare_data(data)
    combos = expand_grid(chosen, grid, params=params, constraint=constraint)
    names = chosen.param_names()
    frame_rows = list(prepared.frames.items())
    options = dict(engine_options)
    used = 1
    if type(chosen).signal_kernel is not None:
        plan = plan_threads(threads)
        used = plan.threads
        stats, elapsed = _compiled(chosen, frame_rows, combos, names, cash, fees, slippage,
                                   options, progress, used)
    else:
        start = time.perf_counter()
        stats = _loop(chosen, frame_rows, combos, cash, fees, slippage, options, progress)
        elapsed = time.perf_counter() - start
    table = _table(combos, names, frame_rows, stats, several=len(frame_rows) > 1)
    check_stat(sort_by, table)
    result = SweepResult.build(
        table, strategy=chosen.name, param_names=list(names), sort_by=sort_by, elapsed=elapsed,
        bars=sum(len(f) for _, f in frame_rows) * len(combos), threads=used,
    )
    if keep_best > 0:
        for label, row in result.best(keep_best).iterrows():
            asset = row["asset"] if "asset" in table.columns else frame_rows[0][0]
            bars = dict(frame_rows)[asset]
            combo = {k: to_plain(row[k]) for k in names}
            result.results[label] = run(bars, chosen, combo, cash=cash, fees=fees,
                                        slippage=slippage, **options)
    return result


def _table(
    combos: list[dict[str, Any]], names: list[str], frames: list[tuple[str, pd.DataFrame]],
    stats: np.ndarray, *, several: bool,
) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    if several:
        columns["asset"] = np.repeat([name for name, _ in frames], len(combos))
    for name in names:
        values = [c[name] for c in combos]
        columns[name] = np.tile(np.asarray(values), len(frames))
    for j, stat in enumerate(STAT_COLUMNS):
        column = stats[:, j]
        columns[stat] = column.astype(np.int64) if stat in _COUNTS else column
    return pd.DataFrame(columns)


_COUNTS = frozenset({"trades", "open_trades", "orders"})


def _engine_settings(
    cash: Any, fees: Any, slippage: Any, options: dict[str, Any]
) -> dict[str, Any]:
    """The engine's numeric settings, resolved and checked as simulate_signals does."""
    from signaltrust.backtest.costs import check_positive, check_stop, resolve_costs
    from signaltrust.backtest.nb import layout

    known = {"fill_at", "fixed_fees", "min_fees", "size", "size_type", "sl_stop", "tp_stop",
             "tsl_stop", "leverage", "allow_short", "periods_per_year"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValidationError(
            "unknown engine option", field=unknown[0], value=options[unknown[0]],
            fix=f"use one of: {', '.join(sorted(known))}",
        )
    costs = resolve_costs(
        cash=cash, fees=fees, fixed_fees=options.get("fixed_fees"),
        min_fees=options.get("min_fees"), slippage=slippage, fill_at=options.get("fill_at"),
    )
    size_type = options.get("size_type", "percent")
    if size_type not in layout.SIZE_TYPES:
        raise ValidationError("unknown size_type", field="size_type", value=size_type,
                              fix=f"use one of {', '.join(layout.SIZE_TYPES)}")
    return {
        "cash0": costs.cash, "fees": costs.fees, "fixed_fees": costs.fixed_fees,
        "min_fees": costs.min_fees, "slippage": costs.slippage,
        "fill_at_close": costs.fill_at == "close",
        "size_type": layout.SIZE_TYPES.index(size_type),
        "size": check_positive("size", options.get("size", 1.0), fix="pass size > 0"),
        "sl_stop": check_stop("sl_stop", options.get("sl_stop")),
        "tp_stop": check_stop("tp_stop", options.get("tp_stop")),
        "tsl_stop": check_stop("tsl_stop", options.get("tsl_stop")),
        "leverage": check_positive(
            "leverage", options.get("leverage", 1.0), fix="pass leverage > 0"
        ),
        # shorts appear only where the strategy's allow_short parameter emits them
        "allow_short": bool(options.get("allow_short", True)),
    }


def _compiled(
    strategy: RuleStrategy, frames: list[tuple[str, pd.DataFrame]], combos: list[dict[str, Any]],
    names: list[str], cash: Any, fees: Any, slippage: Any, options: dict[str, Any],
    progress: Progress | None, threads: int,
) -> tuple[np.ndarray, float]:
    """Stats of every (asset, combination) and the seconds of the compiled pass itself."""
    from signaltrust.backtest.nb.sweep import kernel_argument, sweep_signals_nb

    settings = _engine_settings(cash, fees, slippage, options)
    arrays = [bar_arrays(f) for _, f in frames]
    columns = [np.concatenate([a[i] for a in arrays]) for i in range(5)]
    lengths = np.array([len(f) for _, f in frames], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ppy = options.get("periods_per_year")
    periods = np.array(
        [float(ppy) if ppy is not None else periods_for({n: f}) for n, f in frames],
        dtype=np.float64,
    )
    matrix = np.empty((len(combos), len(names)), dtype=np.float64)
    for j, k in enumerate(names):  # a column at a time: a third of the time of a nested list
        matrix[:, j] = np.fromiter((c[k] for c in combos), np.float64, len(combos))
    kernel = kernel_argument(type(strategy).signal_kernel)
    total = len(combos)
    stops_on = settings["sl_stop"] > 0 or settings["tp_stop"] > 0 or settings["tsl_stop"] > 0
    if kernel == 0 and not stops_on:
        return _sma_cross(columns, offsets, periods, matrix, settings, progress, threads)

    def arguments(
        part: np.ndarray, bars: list[np.ndarray] = columns, spans: np.ndarray = offsets,
        per_year: np.ndarray = periods,
    ) -> tuple[Any, ...]:
        return (
            kernel, *bars, spans, part, settings["cash0"], settings["fees"],
            settings["fixed_fees"], settings["min_fees"], settings["slippage"],
            settings["fill_at_close"], settings["size_type"], settings["size"],
            settings["sl_stop"], settings["tp_stop"], settings["tsl_stop"], settings["leverage"],
            settings["allow_short"], per_year, 4 * threads,  # a few groups of tasks per thread
        )

    with kernel_threads(1):  # compiled or loaded from numba's cache first: see _first_bars
        sweep_signals_nb(*arguments(matrix[:1], *_first_bars(columns, offsets, periods)))
    started = time.perf_counter()
    # one compiled pass, cut into a few batches only to report progress on long sweeps
    # (each call restarts the thread pool, so only sweeps of more than a second or so are cut)
    work = total * int(lengths.sum())
    parts = 1 if progress is None else int(min(50, max(1, work // 200_000_000)))
    batch = max(1, -(-total // parts))
    out = np.empty((total * len(frames), len(STAT_COLUMNS)))
    with kernel_threads(threads):
        for first in range(0, total, batch):
            part = matrix[first:first + batch]
            stats = sweep_signals_nb(*arguments(part))
            for a in range(len(frames)):
                rows = stats[a * len(part):(a + 1) * len(part)]
                out[a * total + first:a * total + first + len(part)] = rows
            if progress is not None:
                progress(min(first + batch, total), total)
    return out, time.perf_counter() - started


def _first_bars(
    columns: list[np.ndarray], offsets: np.ndarray, periods: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The first asset's first two bars, typed as the full input: a kernel called on them
    first is compiled, or loaded from numba's disk cache, before the pass is timed (numba then
    keeps it, so that call costs microseconds). It runs on one thread: on a busy machine,
    starting a second thread for a parallel loop can take milliseconds."""
    bars = min(2, int(offsets[1]))
    return [column[:bars] for column in columns], np.array([0, bars], dtype=np.int64), periods[:1]


def _sma_cross(
    columns: list[np.ndarray], offsets: np.ndarray, periods: np.ndarray, matrix: np.ndarray,
    settings: dict[str, Any], progress: Progress | None, threads: int,
) -> tuple[np.ndarray, float]:
    """``sma_cross`` without stops: the fused pass (signals inside the simulation loop)."""
    from signaltrust.backtest.nb.sweep_cross import block_bars, sweep_cross_nb

    fast = matrix[:, 0].astype(np.int64)  # int(p) as the signal kernel reads it
    slow = matrix[:, 1].astype(np.int64)
    short_on = matrix[:, 2] != 0.0
    n_frames = len(offsets) - 1
    total = len(matrix)
    longest = int(np.diff(offsets).max())

    def arguments(
        rows: slice, bars: list[np.ndarray] = columns, spans: np.ndarray = offsets,
        per_year: np.ndarray = periods,
    ) -> tuple[Any, ...]:
        windows = np.unique(np.concatenate([fast[rows], slow[rows]]))
        return (
            bars[0], bars[3], spans, windows, np.searchsorted(windows, fast[rows]),
            np.searchsorted(windows, slow[rows]), short_on[rows],
            block_bars(len(windows), longest), settings["cash0"], settings["fees"],
            settings["fixed_fees"], settings["min_fees"], settings["slippage"],
            settings["fill_at_close"], settings["size_type"], settings["size"],
            settings["leverage"], settings["allow_short"], per_year,
        )

    with kernel_threads(1):  # compiled or loaded from numba's cache first: see _first_bars
        sweep_cross_nb(*arguments(slice(0, 1), *_first_bars(columns, offsets, periods)))
    started = time.perf_counter()
    # batches only to report progress, each about a second (each recomputes its averages)
    work = total * int(offsets[-1])
    parts = 1 if progress is None else int(min(20, max(1, work // 2_000_000_000)))
    batch = max(1, -(-total // parts))
    out = np.empty((total * n_frames, len(STAT_COLUMNS)))
    with kernel_threads(threads):
        for first in range(0, total, batch):
            rows = slice(first, min(first + batch, total))
            count = rows.stop - rows.start
            stats = sweep_cross_nb(*arguments(rows))
            for a in range(n_frames):
                out[a * total + first:a * total + first + count] = stats[a * count:(a + 1) * count]
            if progress is not None:
                progress(rows.stop, total)
    return out, time.perf_counter() - started


def _loop(
    strategy: RuleStrategy, frames: list[tuple[str, pd.DataFrame]], combos: list[dict[str, Any]],
    cash: Any, fees: Any, slippage: Any, options: dict[str, Any], progress: Progress | None,
) -> np.ndarray:
    """Strategies without a signal kernel: signals in Python, the stats-only engine per row."""
    from signaltrust.backtest.nb import signals_stats_nb

    settings = _engine_settings(cash, fees, slippage, options)
    ppy = options.get("periods_per_year")
    out = np.empty((len(combos) * len(frames), len(STAT_COLUMNS)))
    done = 0
    for a, (name, frame) in enumerate(frames):
        o, h, lo, c, _ = (x.reshape(-1, 1) for x in bar_arrays(frame))
        periods = float(ppy) if ppy is not None else periods_for({name: frame})
        for k, combo in enumerate(combos):
            sig = strategy.compute(frame, strategy.resolve(combo))
            arrays = [np.ascontiguousarray(s.to_numpy(dtype=bool)).reshape(-1, 1)
                      for s in (sig.entries, sig.exits, sig.short_entries, sig.short_exits)]
            out[a * len(combos) + k] = signals_stats_nb(
                o, h, lo, c, *arrays, settings["cash0"], settings["fees"],
                settings["fixed_fees"], settings["min_fees"], settings["slippage"],
                settings["fill_at_close"], settings["size_type"], settings["size"],
                settings["sl_stop"], settings["tp_stop"], settings["tsl_stop"],
                settings["leverage"], settings["allow_short"], periods,
            )
            done += 1
            if progress is not None:
                progress(done, len(combos) * len(frames))
    return out


def product_size(grid: Mapping[str, Iterable[Any]]) -> int:
    """Combinations in a grid before any constraint."""
    return int(np.prod([len(list(v)) for v in grid.values()])) if grid else 1

