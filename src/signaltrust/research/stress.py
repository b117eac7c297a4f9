"""``stress_test``: a strategy re-run under historical and synthetic shocks, one row each.

The strategy trades the whole history once (so its indicators are warmed up and its position
on the first day of a shock is the one it would really have held) and each historical window
of :mod:`signaltrust.risk.stress` reads its equity; the synthetic rows re-run it on bars
stressed by ``gap_down`` and ``volatility_spike`` and compare with the unstressed run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.api import load_bars, run
from signaltrust.core.errors import ValidationError
from signaltrust.risk.stress import (
    gap_down,
    historical_stress,
    timestamp_in,
    volatility_spike,
    window_stats,
)


def _synthetic_row(
    name: str,
    base: Any,
    stressed_bars: pd.DataFrame,
    strategy: Any,
    params: Any,
    first: int,
    last: int,
    options: dict[str, Any],
) -> dict[str, Any]:
    stressed = run(stressed_bars, strategy, params, **options)
    index = stressed_bars.index
    ret, dd, bars = window_stats(stressed.equity, index[first], index[last])
    b_ret, b_dd, _ = window_stats(stressed_bars["close"], index[first], index[last])
    return {
        "scenario": name,
        "kind": "synthetic",
        "start": str(index[first].date()),
        "end": str(index[last].date()),
        "bars": bars,
        "strategy_return": ret,
        "strategy_max_drawdown": dd,
        "benchmark_return": b_ret,
        "benchmark_max_drawdown": b_dd,
        "final_equity_impact": float(stressed.equity.iloc[-1] / base.equity.iloc[-1] - 1.0),
    }


def stress_test(
    data: str | pd.DataFrame = "sp500",
    strategy: Any = "sma_cross",
    params: Mapping[str, Any] | None = None,
    *,
    windows: Mapping[str, tuple[str, str, str]] | None = None,
    gap: float = 0.2,
    shock_at: Any = None,
    vol_k: float = 3.0,
    vol_bars: int = 63,
    after_bars: int = 21,
    **run_options: Any,
) -> pd.DataFrame:
    """Stress a strategy: historical shock windows, a gap down and a volatility spike, one row each.

    ``data``: a bundled dataset name or bars of one asset; the strategy runs once over the
    whole history (``run_options`` go to ``run``: costs, cash...) and each historical window
    reads its equity and the buy-and-hold close between the window's first and last close
    (uncovered windows: ``bars`` 0, NaN). Synthetic rows re-run the strategy on stressed bars:
    a ``gap`` fall at ``shock_at`` (default: the middle bar), measured from the close before
    it over ``after_bars`` bars, and returns scaled by ``vol_k`` for ``vol_bars`` bars from
    ``shock_at``. ``final_equity_impact`` compares the stressed run's final equity with the
    unstressed one's.
    """
    bars = load_bars(data) if isinstance(data, str) else data
    base = run(bars, strategy, params, **run_options)
    table = historical_stress(base.equity, bars["close"], windows)
    table["final_equity_impact"] = np.nan
    index = bars.index
    at = (
        len(index) // 2
        if shock_at is None
        else int(index.searchsorted(timestamp_in(shock_at, index, "shock_at")))
    )
    if at < 1:
        raise ValidationError(
            "the shock needs a bar before it",
            field="shock_at",
            value=shock_at,
            fix=f"pick a date after {index[0].date()}",
        )
    rows = [
        _synthetic_row(
            f"gap_down_{gap:.0%}",
            base,
            gap_down(bars, index[at], gap),
            strategy,
            params,
            at - 1,
            min(at + after_bars, len(index) - 1),
            run_options,
        ),
    ]
    end = min(at + vol_bars - 1, len(index) - 1)
    rows.append(
        _synthetic_row(
            f"volatility_x{vol_k:g}",
            base,
            volatility_spike(bars, index[at], index[end], vol_k),
            strategy,
            params,
            at - 1,
            end,
            run_options,
        )
    )
    table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
    return table[[c for c in table.columns if c != "description"] + ["description"]]
