"""Risk and risk-adjusted return statistics of simple per-period returns (as empyrical)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.metrics._arrays import (
    ReturnsLike,
    as_returns,
    dispersion,
    nan_mean,
    per_column,
    quiet_power,
    ratio,
)
from signaltrust.metrics.drawdown import max_drawdown
from signaltrust.metrics.periods import DAILY, annualization_factor
from signaltrust.metrics.returns import annual_return


def adjust_returns(returns: ReturnsLike, adjustment: Any) -> np.ndarray:
    """Returns minus a constant or a per-period series (two Series are aligned on their index)."""
    if isinstance(adjustment, (int, float)) and adjustment == 0:
        return as_returns(returns)
    if isinstance(returns, pd.Series) and isinstance(adjustment, pd.Series):
        return as_returns(returns.astype(np.float64) - adjustment.astype(np.float64))
    return as_returns(returns) - np.asarray(adjustment, dtype=np.float64)


@per_column
def annual_volatility(
    returns: ReturnsLike,
    period: str = DAILY,
    alpha: float = 2.0,
    annualization: float | None = None,
) -> float:
    """Annual volatility: std(r, ddof=1) * periods_per_year ** (1 / alpha); NaN below two periods.

    Exactly 0 for constant returns (empyrical leaves a rounding residue of ~1e-17 there).
    """
    values = as_returns(returns)
    if values.size < 2:
        return float("nan")
    factor = annualization_factor(period, annualization)
    return dispersion(values, ddof=1) * factor ** (1.0 / alpha)


@per_column
def sharpe_ratio(
    returns: ReturnsLike,
    risk_free: Any = 0,
    period: str = DAILY,
    annualization: float | None = None,
) -> float:
    """Sharpe ratio: mean(r - rf) / std(r - rf, ddof=1) * sqrt(periods_per_year); rf per period."""
    values = as_returns(returns)
    if values.size < 2:
        return float("nan")
    excess = adjust_returns(returns, risk_free)
    factor = annualization_factor(period, annualization)
    return ratio(nan_mean(excess), dispersion(excess)) * math.sqrt(factor)


@per_column
def downside_risk(
    returns: ReturnsLike,
    required_return: Any = 0,
    period: str = DAILY,
    annualization: float | None = None,
) -> float:
    """Downside deviation: sqrt(mean(min(r - required_return, 0) ** 2)) * sqrt(periods_per_year)."""
    values = as_returns(returns)
    if values.size < 1:
        return float("nan")
    factor = annualization_factor(period, annualization)
    shortfall = np.minimum(adjust_returns(returns, required_return), 0.0)
    return math.sqrt(nan_mean(shortfall * shortfall)) * math.sqrt(factor)


@per_column
def sortino_ratio(
    returns: ReturnsLike,
    required_return: Any = 0,
    period: str = DAILY,
    annualization: float | None = None,
) -> float:
    """Sortino ratio: mean(r - required_return) * periods_per_year / downside_risk."""
    values = as_returns(returns)
    if values.size < 2:
        return float("nan")
    factor = annualization_factor(period, annualization)
    mean_excess = nan_mean(adjust_returns(returns, required_return)) * factor
    return ratio(mean_excess, downside_risk(returns, required_return, period, annualization))


@per_column
def calmar_ratio(
    returns: ReturnsLike, period: str = DAILY, annualization: float | None = None
) -> float:
    """Calmar ratio: annual_return / |max_drawdown|; NaN when there is no drawdown."""
    return calmar_from(annual_return(returns, period, annualization), max_drawdown(returns))


def calmar_from(annual: float, worst: float) -> float:
    """:func:`calmar_ratio` from an annual return and a max drawdown already computed."""
    if not worst < 0:
        return float("nan")
    value = annual / abs(worst)
    return float("nan") if math.isinf(value) else value


@per_column
def omega_ratio(
    returns: ReturnsLike,
    risk_free: float = 0.0,
    required_return: float = 0.0,
    annualization: float = 252,
) -> float:
    """Omega ratio: sum of gains over the threshold / sum of losses under it.

    The threshold per period is (1 + required_return) ** (1 / annualization) - 1 (required_return
    is annual; annualization=1 takes it as per period), plus ``risk_free`` (per period).
    """
    values = as_returns(returns)
    if values.size < 2:
        return float("nan")
    if annualization == 1:
        threshold = required_return
    elif required_return <= -1:
        return float("nan")
    else:
        threshold = quiet_power(1.0 + required_return, 1.0 / annualization) - 1.0
    excess = values - risk_free - threshold
    gains = float(np.sum(excess[excess > 0.0]))
    losses = -float(np.sum(excess[excess < 0.0]))
    return gains / losses if losses > 0.0 else float("nan")


@per_column
def tail_ratio(returns: ReturnsLike) -> float:
    """Tail ratio: |95th percentile| / |5th percentile| of the returns (NaNs dropped)."""
    return tail_statistics(returns)[0]


def tail_statistics(returns: ReturnsLike) -> tuple[float, float]:
    """:func:`tail_ratio` and the 5 % :func:`value_at_risk` of one series, from one percentile
    pass over the returns (what the performance summary reports)."""
    values = as_returns(returns)
    present = values[~np.isnan(values)]
    if present.size < 1:
        return float("nan"), float("nan")
    high, low = np.percentile(present, [95, 5])
    return ratio(abs(high), abs(low)), float(low)


@per_column
def value_at_risk(returns: ReturnsLike, cutoff: float = 0.05) -> float:
    """Historical value at risk: the ``cutoff`` percentile of the returns (linear interpolation).

    NaNs are dropped (empyrical returns NaN when any return is NaN; the values agree otherwise).
    """
    values = as_returns(returns)
    present = values[~np.isnan(values)]
    if present.size < 1:
        return float("nan")
    return float(np.percentile(present, 100 * cutoff))


@per_column
def conditional_value_at_risk(returns: ReturnsLike, cutoff: float = 0.05) -> float:
    """Conditional VaR (expected shortfall): mean of the k + 1 lowest returns.

    k = floor((n - 1) * cutoff), NaNs dropped."""
    values = as_returns(returns)
    present = values[~np.isnan(values)]
    if present.size == 0:
        return float("nan")
    k = int((present.size - 1) * cutoff)
    return float(np.mean(np.partition(present, k)[: k + 1]))
