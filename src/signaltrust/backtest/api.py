"""``run``: backtest a strategy on a bundled dataset or your own bars in one call.

>>> from signaltrust.backtest import run
>>> result = run("goog", "sma_cross", params={"fast": 10, "slow": 30})
>>> result.stats["final_equity"], result.stats["sharpe_ratio"]
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.costs import Costs
from signaltrust.backtest.result import BacktestResult
from signaltrust.core.bars import validate_bars
from signaltrust.core.errors import ValidationError
from signaltrust.strategy import RuleStrategy, Signals, Strategy, get_strategy

ENGINES = ("vectorized", "event")

Data = str | pd.DataFrame | Mapping[str, Any] | Sequence[str]


@dataclass(frozen=True)
class Prepared:
    """Canonical bars per asset (in the caller's order) and the name given to each."""

    frames: dict[str, pd.DataFrame]
    single: bool

    @property
    def assets(self) -> list[str]:
        return list(self.frames)


def load_bars(name: str) -> pd.DataFrame:
    """The bars of bundled dataset ``name`` or of a CSV/Parquet file at that path.

    Data that is not bars (a panel, a macro series) raises ValidationError; a name that is
    neither raises DatasetNotFoundError saying what was tried. Files are read as
    :func:`signaltrust.data.open_bars` reads them (dates never guessed: see ImportOptions).
    """
    from signaltrust.data.sources import open_bars

    frame, _ = open_bars(name)
    return frame


def prepare_data(data: Data) -> Prepared:
    """Bars from a dataset name, a bar DataFrame, a dict of either, or a list of dataset names."""
    if isinstance(data, str):
        frame = validate_bars(load_bars(data))
        found = str(frame.attrs.get("dataset") or data)  # a file's name without its folder
        name = data if found.lower() == data.strip().lower() else found
        frame.attrs["dataset"] = name  # the engine names the asset after it
        return Prepared({name: frame}, single=True)
    if isinstance(data, pd.DataFrame):
        return Prepared({"asset": validate_bars(data)}, single=True)
    if isinstance(data, Mapping):
        items = list(data.items())
    elif isinstance(data, Sequence) and all(isinstance(d, str) for d in data):
        items = [(d, d) for d in data]
    else:
        raise ValidationError(
            "data must be a dataset name, a bar DataFrame, a dict of them or a list of names",
            field="data", value=type(data).__name__,
            fix="pass e.g. 'goog', a DataFrame with open/high/low/close, or {'a': df_a, 'b': df_b}",
        )
    if not items:
        raise ValidationError("no data given", field="data", value=data,
                              fix="pass at least one dataset name or bar DataFrame")
    frames = {}
    for name, value in items:
        frame = load_bars(value) if isinstance(value, str) else value
        frames[str(name)] = validate_bars(frame)
    return Prepared(frames, single=False)


def check_engine(engine: str) -> None:
    """Refuse an unknown engine, with the ones that exist."""
    if engine not in ENGINES:
        raise ValidationError(
            "unknown engine", field="engine", value=engine,
            fix="use engine='vectorized' (rule strategies) or engine='event' (any Strategy)",
        )


def strategy_signals(
    strategy: RuleStrategy, prepared: Prepared, params: dict[str, Any]
) -> dict[str, Signals]:
    """The validated strategy's signals on every asset."""
    return {name: strategy.compute(frame, params) for name, frame in prepared.frames.items()}


def _stack(signals: dict[str, Signals], field: str, single: bool) -> pd.Series | pd.DataFrame:
    if single:
        return getattr(next(iter(signals.values())), field)
    # assets may trade on different bars: the engine uses the union, and no signal where an
    # asset has no bar
    frame = pd.concat({name: getattr(s, field) for name, s in signals.items()}, axis=1, sort=True)
    return frame.fillna(False).astype(bool)


def periods_for(frames: Mapping[str, pd.DataFrame]) -> float:
    """Bars per year of the first asset's index (as the metrics infer them)."""
    from signaltrust.metrics.periods import periods_per_year

    return float(periods_per_year(next(iter(frames.values())).index))


def run(
    data: Data,
    strategy: str | Strategy | type[Strategy],
    params: Mapping[str, Any] | None = None,
    *,
    cash: float | None = None,
    costs: Costs | None = None,
    fees: float | None = None,
    slippage: float | None = None,
    engine: str | None = None,
    benchmark: pd.Series | str | None = None,
    **engine_options: Any,
) -> BacktestResult:
    """Backtest a strategy on bars and return a BacktestResult (.stats, .equity, .trades, .plot()).

    ``data``: a bundled dataset name (``"goog"``), a bar DataFrame, ``{asset: DataFrame or
    name}`` or a list of names (several assets share one cash balance). ``strategy``: a
    built-in name (see ``signaltrust.strategy.list_strategies()``) or any Strategy object;
    ``params`` override its defaults and are validated. ``costs`` (default
    :class:`~signaltrust.backtest.costs.Costs`: 0.1 % fees, 2 bps slippage, next-open fills)
    is on unless set to zero; ``fees`` (fraction of notional) and ``slippage`` (fraction of
    price) replace single fields of it; ``cash`` defaults to 100,000.

    ``engine``: "vectorized" (rule strategies: their vectorised signals), "event" (the trading
    core, any Strategy) or None: vectorized when the strategy has vectorised signals, else
    event. ``engine_options`` go to the engine: both take ``fill_at``, ``size``,
    ``size_type``, ``sl_stop``, ``tp_stop``, ``tsl_stop``, ``leverage``, ``fixed_fees``,
    ``min_fees``, ``periods_per_year``; the vectorized engine also the rest of
    ``simulate_signals``' options, the event engine ``venue``, ``check`` (the pre-trade risk
    check), ``ticks``, ``listeners``, ``settings`` (docs/strategies.md).
    ``benchmark`` is a price Series or a dataset name (its close).
    """
    from signaltrust.backtest.vectorized import simulate_signals

    chosen = get_strategy(strategy)
    engine = engine if engine is not None else (
        "vectorized" if isinstance(chosen, RuleStrategy) else "event")
    check_engine(engine)
    if engine == "event":
        return _run_event(data, chosen, params, cash=cash, costs=costs, fees=fees,
                          slippage=slippage, benchmark=benchmark, **engine_options)
    if not isinstance(chosen, RuleStrategy):
        raise ValidationError(
            "this strategy has no vectorised form", field="engine", value=engine,
            fix="use engine='event' (or leave engine unset) for an event-driven Strategy",
        )
    full = chosen.resolve(params)
    prepared = prepare_data(data)
    signals = strategy_signals(chosen, prepared, full)
    bars: Any = next(iter(prepared.frames.values())) if prepared.single else prepared.frames
    options = dict(engine_options)
    options.setdefault("allow_short", bool(full.get("allow_short", False)))
    options.setdefault("periods_per_year", periods_for(prepared.frames))
    if costs is not None:
        for name in ("fixed_fees", "min_fees", "fill_at"):
            options.setdefault(name, getattr(costs, name))
        fees = costs.fees if fees is None else fees
        slippage = costs.slippage if slippage is None else slippage
    result = simulate_signals(
        bars,
        _stack(signals, "entries", prepared.single),
        _stack(signals, "exits", prepared.single),
        _stack(signals, "short_entries", prepared.single) if options["allow_short"] else None,
        _stack(signals, "short_exits", prepared.single) if options["allow_short"] else None,
        cash=cash, fees=fees, slippage=slippage, benchmark=_benchmark(benchmark), **options,
    )
    result.params.update({"strategy": chosen.name, "strategy_params": full})
    return result


_EXECUTION = ("size", "size_type", "sl_stop", "tp_stop", "tsl_stop")


def _run_event(data: Data, chosen: Strategy, params: Mapping[str, Any] | None, *,
               cash: float | None, costs: Costs | None, fees: float | None,
               slippage: float | None, benchmark: pd.Series | str | None,
               periods_per_year: float | None = None, allow_short: bool | None = None,
               **options: Any) -> BacktestResult:
    """``run(..., engine="event")``: any Strategy through the trading core."""
    from signaltrust.backtest.replay import run_strategy

    execution = {k: options.pop(k) for k in _EXECUTION if k in options}
    execution = {k: v for k, v in execution.items() if v is not None}
    if execution:
        if not isinstance(chosen, RuleStrategy):
            raise ValidationError(
                "size and stop options are for rule strategies", field=next(iter(execution)),
                value=execution, fix="size orders and place stops in your strategy's code",
            )
        chosen = copy.copy(chosen).trading(**execution)
    run_params = dict(params or {})
    if allow_short is not None and "allow_short" in chosen.param_names():
        run_params.setdefault("allow_short", allow_short)
    full = chosen.resolve(run_params)
    prepared = prepare_data(data)
    frames = dict(prepared.frames)
    if prepared.single:
        frame = next(iter(frames.values()))
        frames = {str(frame.attrs.get("dataset", "asset")): frame}
    result = run_strategy(
        frames, chosen, full, cash=cash, costs=costs, fees=fees, slippage=slippage,
        periods_per_year=periods_per_year or periods_for(prepared.frames),
        benchmark=_benchmark(benchmark), **options,
    )
    result.params.update({"strategy": chosen.label, "strategy_params": full})
    return result


def _benchmark(benchmark: pd.Series | str | None) -> pd.Series | None:
    if benchmark is None or isinstance(benchmark, pd.Series):
        return benchmark
    if isinstance(benchmark, str):
        return load_bars(benchmark)["close"].rename(benchmark)
    raise ValidationError(
        "benchmark must be a price Series or a dataset name", field="benchmark",
        value=type(benchmark).__name__, fix="pass e.g. benchmark='sp500' or a Series of prices",
    )


def as_float_array(values: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64))
