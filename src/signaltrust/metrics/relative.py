"""Benchmark-relative statistics: alpha, beta, information ratio, tracking error, capture ratios.

Two Series are aligned on the union of their indexes (a period missing from one is a NaN in it
and drops out of every pairwise statistic), as empyrical aligns them; arrays pair by position.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.metrics._arrays import (
    ReturnsLike,
    as_returns,
    dispersion,
    nan_mean,
    quiet_power,
    ratio,
)
from signaltrust.metrics.periods import DAILY, annualization_factor
from signaltrust.metrics.returns import annual_return


def aligned_returns(
    returns: ReturnsLike, factor_returns: ReturnsLike
) -> tuple[np.ndarray, np.ndarray]:
    """The two return series as equal-length float arrays, Series aligned on their index."""
    if isinstance(returns, pd.Series) and isinstance(factor_returns, pd.Series):
        both = pd.concat(
            [returns.astype(np.float64), factor_returns.astype(np.float64)],
            axis=1,
            join="outer",
            sort=True,
        )
        return both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()
    left, right = as_returns(returns), as_returns(factor_returns, "factor_returns")
    if left.size != right.size:
        raise ValidationError(
            "returns and factor_returns differ in length",
            field="factor_returns",
            value=f"{right.size} periods against {left.size}",
            fix="pass Series indexed by time (they are aligned) or arrays of the same periods",
        )
    return left, right


def beta(returns: ReturnsLike, factor_returns: ReturnsLike, risk_free: float = 0.0) -> float:
    """Beta: cov(r, f) / var(f) over the periods where both are present (population moments).

    ``risk_free`` is accepted for empyrical's signature; a constant shift does not change beta.
    """
    r, f = aligned_returns(returns, factor_returns)
    if r.size < 1 or f.size < 2:
        return float("nan")
    both = ~(np.isnan(r) | np.isnan(f))
    if not both.any():
        return float("nan")
    x, y = f[both], r[both]
    residual = x - x.mean()
    variance = float(np.mean(residual * residual))
    if variance < 1.0e-30:
        return float("nan")
    return float(np.mean(residual * y)) / variance


def alpha(
    returns: ReturnsLike,
    factor_returns: ReturnsLike,
    risk_free: float = 0.0,
    period: str = DAILY,
    annualization: float | None = None,
    _beta: float | None = None,
) -> float:
    """Annualised alpha: (1 + mean((r - rf) - beta * (f - rf))) ** periods_per_year - 1."""
    r, f = aligned_returns(returns, factor_returns)
    if r.size < 2:
        return float("nan")
    factor = annualization_factor(period, annualization)
    b = beta(r, f) if _beta is None else _beta
    residual = (r - risk_free) - b * (f - risk_free)
    return quiet_power(1.0 + nan_mean(residual), factor) - 1.0


def alpha_beta(
    returns: ReturnsLike,
    factor_returns: ReturnsLike,
    risk_free: float = 0.0,
    period: str = DAILY,
    annualization: float | None = None,
) -> tuple[float, float]:
    """Annualised alpha and beta against a benchmark, as (alpha, beta)."""
    r, f = aligned_returns(returns, factor_returns)
    b = beta(r, f, risk_free)
    return alpha(r, f, risk_free, period, annualization, _beta=b), b


def _active(returns: ReturnsLike, factor_returns: ReturnsLike) -> np.ndarray:
    r, f = aligned_returns(returns, factor_returns)
    return r - f


def excess_sharpe(returns: ReturnsLike, factor_returns: Any) -> float:
    """Excess Sharpe: mean(r - f) / std(r - f, ddof=1), per period (not annualised)."""
    if np.ndim(factor_returns) == 0:
        factor_returns = np.full(as_returns(returns).size, float(factor_returns))
    active = _active(returns, factor_returns)
    if active.size < 2:
        return float("nan")
    return ratio(nan_mean(active), dispersion(active))


def tracking_error(
    returns: ReturnsLike,
    factor_returns: ReturnsLike,
    period: str = DAILY,
    annualization: float | None = None,
) -> float:
    """Tracking error: std(r - f, ddof=1) * sqrt(periods_per_year); NaN below two periods."""
    active = _active(returns, factor_returns)
    if active.size < 2:
        return float("nan")
    return dispersion(active) * math.sqrt(annualization_factor(period, annualization))


def information_ratio(
    returns: ReturnsLike,
    factor_returns: ReturnsLike,
    period: str = DAILY,
    annualization: float | None = None,
) -> float:
    """Information ratio: mean(r - f) / std(r - f, ddof=1) * sqrt(periods_per_year)."""
    factor = annualization_factor(period, annualization)
    return excess_sharpe(returns, factor_returns) * math.sqrt(factor)


def capture(returns: ReturnsLike, factor_returns: ReturnsLike, period: str = DAILY) -> float:
    """Capture ratio: annual_return(returns) / annual_return(factor_returns)."""
    r, f = aligned_returns(returns, factor_returns)
    return ratio(annual_return(r, period=period), annual_return(f, period=period))


def _capture_where(
    returns: ReturnsLike, factor_returns: ReturnsLike, up: bool, period: str
) -> float:
    r, f = aligned_returns(returns, factor_returns)
    with np.errstate(invalid="ignore"):
        keep = ~(np.isnan(r) | np.isnan(f)) & ((f > 0) if up else (f < 0))
    return capture(r[keep], f[keep], period=period)


def up_capture(returns: ReturnsLike, factor_returns: ReturnsLike, period: str = DAILY) -> float:
    """Up-market capture: capture ratio over the periods when the benchmark rose."""
    return _capture_where(returns, factor_returns, True, period)


def down_capture(returns: ReturnsLike, factor_returns: ReturnsLike, period: str = DAILY) -> float:
    """Down-market capture: capture ratio over the periods when the benchmark fell."""
    return _capture_where(returns, factor_returns, False, period)
