"""Per-bar returns of every combination of a parameter grid: the input of PBO and of the DSR.

A sweep table keeps one row of statistics per combination; overfitting statistics need the
return series behind them. ``trial_returns`` re-runs each combination with ``run`` (same
costs, same engine) and keeps its per-bar returns, one column per combination.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.api import Data, prepare_data, run
from signaltrust.backtest.grid import expand_grid
from signaltrust.core.errors import ValidationError
from signaltrust.strategy import get_strategy


def combination_label(combo: Mapping[str, Any], names: list[str]) -> str:
    """``"fast=10,slow=30"``: the column name of one combination."""
    return ",".join(f"{name}={combo[name]}" for name in names)


def trial_returns(
    data: Data,
    strategy: Any,
    grid: Mapping[str, Any] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    constraint: Callable[[dict[str, Any]], bool] | str | None = None,
    progress: Callable[[int, int], None] | None = None,
    **run_options: Any,
) -> pd.DataFrame:
    """Per-bar returns (rows: bars after the first, columns: combinations) of a parameter grid.

    The grid is expanded as ``sweep`` expands it (the strategy's default grid when None,
    its constraint, e.g. fast < slow); each combination runs through ``run`` with
    ``run_options`` (costs, cash...). Columns are labelled ``"fast=10,slow=30"``; the first
    bar, which has no return, is dropped. One asset only. ``progress(done, total)`` is called
    after each run.
    """
    prepared = prepare_data(data)
    if not prepared.single:
        raise ValidationError(
            "trial_returns takes one asset",
            field="data",
            value=prepared.assets,
            fix="pass one dataset name or one bar DataFrame",
        )
    bars = next(iter(prepared.frames.values()))
    chosen = get_strategy(strategy)
    axes = dict(chosen.default_grid if grid is None else grid)
    combos = expand_grid(chosen, axes, params=params, constraint=constraint)
    varying = [n for n in chosen.param_names() if len({repr(c[n]) for c in combos}) > 1]
    names = varying or [n for n in chosen.param_names() if n in axes]
    columns: dict[str, np.ndarray] = {}
    for done, combo in enumerate(combos, start=1):
        equity = run(bars, chosen, combo, **run_options).equity.to_numpy(dtype=np.float64)
        columns[combination_label(combo, names)] = equity[1:] / equity[:-1] - 1.0
        if progress is not None:
            progress(done, len(combos))
    return pd.DataFrame(columns, index=bars.index[1:])
