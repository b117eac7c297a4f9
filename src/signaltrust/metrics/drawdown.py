"""Drawdowns: the fall of an equity path below its running peak, from returns or from equity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signaltrust.metrics._arrays import ReturnsLike, as_returns, per_column
from signaltrust.metrics.nb import max_drawdown_span_nb


def _anchored_path(values: np.ndarray) -> np.ndarray:
    """Equity from 1.0 before the first return (NaN returns count as 0), anchor included."""
    path = np.empty(values.size + 1)
    path[0] = 1.0
    np.cumprod(1.0 + np.where(np.isnan(values), 0.0, values), out=path[1:])
    return path


def drawdown_series(returns: ReturnsLike) -> np.ndarray | pd.Series:
    """Drawdown after each period: equity / running peak - 1, the start counted as a peak."""
    values = as_returns(returns)
    path = _anchored_path(values)
    peak = np.fmax.accumulate(path)
    drawdown = ((path - peak) / peak)[1:]
    if isinstance(returns, pd.Series):
        return pd.Series(drawdown, index=returns.index, name=returns.name)
    return drawdown


@per_column
def max_drawdown(returns: ReturnsLike) -> float:
    """Maximum drawdown: the most negative equity / running peak - 1 (0 when equity never falls)."""
    values = as_returns(returns)
    if values.size == 0:
        return float("nan")
    return float(np.nanmin(drawdown_series(values)))


def equity_drawdown(equity: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """Drawdown of an equity (or price) path: equity / running peak - 1."""
    values = np.asarray(equity, dtype=np.float64)
    peak = np.fmax.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdown = values / peak - 1.0
    if isinstance(equity, pd.Series):
        return pd.Series(drawdown, index=equity.index, name="drawdown")
    return drawdown


def max_drawdown_duration(equity: pd.Series | np.ndarray) -> pd.Timedelta | int:
    """Longest stretch under water: from a peak to the bar that regains it (or the last bar).

    A Timedelta for a time-indexed Series, else a number of bars. Zero when equity never falls.
    """
    values = np.asarray(equity, dtype=np.float64)
    index = equity.index if isinstance(equity, pd.Series) else None
    timed = isinstance(index, pd.DatetimeIndex)
    if values.size == 0:
        return pd.Timedelta(0) if timed else 0
    best_start, best_end = max_drawdown_span_nb(values)
    if isinstance(index, pd.DatetimeIndex):
        return (
            pd.Timedelta(index[best_end] - index[best_start])
            if best_end > best_start
            else pd.Timedelta(0)
        )
    return int(best_end - best_start)
