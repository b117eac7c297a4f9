"""Shared input handling of the return statistics: 1-D float arrays, NaN-aware moments, columns."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

ReturnsLike = np.ndarray | pd.Series | list


def as_returns(returns: Any, field: str = "returns") -> np.ndarray:
    """A 1-D float64 view of simple per-period returns (a Series' values, an array, a list)."""
    values = (
        returns.to_numpy(dtype=np.float64, na_value=np.nan)
        if isinstance(returns, pd.Series)
        else returns
    )
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValidationError(
            "expected one series of returns",
            field=field,
            value=f"array of shape {array.shape}",
            fix="pass a 1-D array or a pandas Series (a DataFrame is computed column by column)",
        )
    return array


def nan_mean(values: np.ndarray) -> float:
    """Mean of the present values; NaN when none is present."""
    present = values[~np.isnan(values)]
    return float(present.mean()) if present.size else float("nan")


def nan_std(values: np.ndarray, ddof: int = 1) -> float:
    """Standard deviation of the present values with ``ddof``; NaN when too few are present."""
    present = values[~np.isnan(values)]
    if present.size <= ddof:
        return float("nan")
    return float(present.std(ddof=ddof))


def dispersion(values: np.ndarray, ddof: int = 1) -> float:
    """Sample standard deviation, exactly 0 when every present value is equal.

    The floating-point mean of identical values may differ from them in the last bit; without
    this, a constant series would get a deviation of ~1e-18 and a ratio of ~1e15 instead of inf.
    """
    present = values[~np.isnan(values)]
    if present.size <= ddof:
        return float("nan")
    if present.min() == present.max():
        return 0.0
    return float(present.std(ddof=ddof))


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` with IEEE semantics (x/0 = +-inf, 0/0 = NaN), quietly."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.divide(np.float64(numerator), np.float64(denominator)))


def per_column(func: Callable[..., Any]) -> Callable[..., Any]:
    """Let a statistic of one series take a DataFrame and return one value per column."""

    @functools.wraps(func)
    def wrapper(returns: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(returns, pd.DataFrame):
            return pd.Series(
                {name: func(returns[name], *args, **kwargs) for name in returns.columns}
            )
        return func(returns, *args, **kwargs)

    return wrapper


def quiet_power(base: float, exponent: float) -> float:
    """``base ** exponent`` as NumPy computes it: NaN (not a complex number) for a negative base."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.power(np.float64(base), np.float64(exponent)))
