"""Cumulative, aggregated and annual returns from simple per-period returns (as empyrical)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.metrics._arrays import ReturnsLike, as_returns, per_column, quiet_power
from signaltrust.metrics.periods import (
    DAILY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    annualization_factor,
)


def simple_returns(
    prices: pd.Series | pd.DataFrame | np.ndarray,
) -> pd.Series | pd.DataFrame | np.ndarray:
    """Simple returns p[t] / p[t-1] - 1 of a price or equity series (one row fewer)."""
    if isinstance(prices, (pd.Series, pd.DataFrame)):
        return prices.pct_change(fill_method=None).iloc[1:]
    values = np.asarray(prices, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return values[1:] / values[:-1] - 1.0


def cum_returns(
    returns: ReturnsLike | pd.DataFrame, starting_value: float = 0
) -> np.ndarray | pd.Series | pd.DataFrame:
    """Cumulative returns: prod(1 + r) - 1, or the path from a non-zero ``starting_value``.

    NaN returns count as 0 (no change), as in empyrical.
    """
    if isinstance(returns, pd.DataFrame):
        return returns.apply(lambda column: cum_returns(column, starting_value))
    values = as_returns(returns)
    if values.size == 0:
        return returns.copy() if hasattr(returns, "copy") else values.copy()
    growth = np.cumprod(1.0 + np.where(np.isnan(values), 0.0, values))
    path = growth - 1.0 if starting_value == 0 else growth * starting_value
    if isinstance(returns, pd.Series):
        return pd.Series(path, index=returns.index, name=returns.name)
    return path


@per_column
def cum_returns_final(returns: ReturnsLike, starting_value: float = 0) -> float:
    """Total compounded return prod(1 + r) - 1 (NaNs skipped), or the final value."""
    values = as_returns(returns)
    if values.size == 0:
        return float("nan")
    growth = float(np.nanprod(values + 1.0))
    return growth - 1.0 if starting_value == 0 else growth * starting_value


def aggregate_returns(returns: pd.Series, convert_to: str) -> pd.Series:
    """Compound daily returns into weekly (ISO year, week), monthly, quarterly or yearly returns."""
    if not isinstance(returns, pd.Series) or not isinstance(returns.index, pd.DatetimeIndex):
        raise ValidationError(
            "aggregate_returns needs a Series indexed by timestamps",
            field="returns",
            value=type(returns).__name__,
            fix="pass a pandas Series with a DatetimeIndex",
        )
    index = returns.index
    if convert_to == WEEKLY:
        iso = index.isocalendar()
        keys = [iso["year"].to_numpy(dtype=np.int64), iso["week"].to_numpy(dtype=np.int64)]
    elif convert_to == MONTHLY:
        keys = [index.year.to_numpy(), index.month.to_numpy()]
    elif convert_to == QUARTERLY:
        keys = [index.year.to_numpy(), np.array([math.ceil(m / 3.0) for m in index.month])]
    elif convert_to == YEARLY:
        keys = [index.year.to_numpy()]
    else:
        raise ValidationError(
            "unknown aggregation period",
            field="convert_to",
            value=convert_to,
            fix=f"use one of {WEEKLY}, {MONTHLY}, {QUARTERLY}, {YEARLY}",
        )
    growth = (1.0 + returns.astype(np.float64).fillna(0.0)).groupby(keys).prod()
    return growth - 1.0


@per_column
def annual_return(
    returns: ReturnsLike, period: str = DAILY, annualization: float | None = None
) -> float:
    """Compound annual growth rate: prod(1 + r) ** (periods_per_year / n) - 1, n counting NaNs."""
    values = as_returns(returns)
    if values.size == 0:
        return float("nan")
    factor = annualization_factor(period, annualization)
    growth = float(np.nanprod(values + 1.0))
    return quiet_power(growth, factor / values.size) - 1.0


def cagr(returns: ReturnsLike, period: str = DAILY, annualization: float | None = None) -> float:
    """Compound annual growth rate; the same as :func:`annual_return`."""
    return annual_return(returns, period, annualization)


@per_column
def stability_of_timeseries(returns: ReturnsLike) -> float:
    """R-squared of a straight line fitted to the cumulative log returns (NaNs dropped)."""
    values = as_returns(returns)
    if values.size < 2:
        return float("nan")
    present = values[~np.isnan(values)]
    if present.size < 2:
        return float("nan")
    cum_log = np.cumsum(np.log1p(present))
    steps = np.arange(present.size, dtype=np.float64)
    dx = steps - steps.mean()
    dy = cum_log - cum_log.mean()
    sxx, syy, sxy = float(dx @ dx), float(dy @ dy), float(dx @ dy)
    if sxx == 0.0 or syy == 0.0:  # a flat line fits nothing: undefined, as scipy's linregress says
        return float("nan")
    r = min(1.0, max(-1.0, sxy / math.sqrt(sxx * syy)))
    return r * r
