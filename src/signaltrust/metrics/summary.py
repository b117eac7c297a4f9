"""The headline statistics of a backtest: one dict from an equity curve, trades and a benchmark."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.metrics.drawdown import max_drawdown, max_drawdown_duration
from signaltrust.metrics.periods import periods_per_year as infer_periods_per_year
from signaltrust.metrics.relative import alpha_beta, information_ratio, tracking_error
from signaltrust.metrics.returns import annual_return, simple_returns, stability_of_timeseries
from signaltrust.metrics.risk import (
    annual_volatility,
    calmar_from,
    conditional_value_at_risk,
    omega_ratio,
    sharpe_ratio,
    sortino_ratio,
    tail_statistics,
)
from signaltrust.metrics.trades import TRADE_STATS, trade_stats

#: the keys performance_summary always returns, in order
EQUITY_SUMMARY = (
    "start",
    "end",
    "duration",
    "periods_per_year",
    "start_equity",
    "final_equity",
    "total_return",
    "annual_return",
    "annual_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "calmar_ratio",
    "max_drawdown",
    "max_drawdown_duration",
    "omega_ratio",
    "tail_ratio",
    "value_at_risk",
    "conditional_value_at_risk",
    "stability",
)
#: keys added when trades are given (trade_stats' count and open_count renamed)
TRADE_SUMMARY = tuple(
    {"count": "trades", "open_count": "open_trades"}.get(k, k) for k in TRADE_STATS
)
#: keys added when a benchmark is given
BENCHMARK_SUMMARY = ("benchmark_return", "alpha", "beta", "information_ratio", "tracking_error")


def _equity_series(equity: pd.Series | np.ndarray) -> pd.Series:
    series = (
        equity if isinstance(equity, pd.Series) else pd.Series(np.asarray(equity, dtype=np.float64))
    )
    series = series.astype(np.float64).dropna()
    if series.empty:
        raise ValidationError(
            "the equity curve is empty",
            field="equity",
            value=len(equity),
            fix="pass at least one equity value (two for any return statistic)",
        )
    return series


def _periods_per_year(equity: pd.Series, given: float | None) -> float:
    if given is not None:
        return float(given)
    if isinstance(equity.index, pd.DatetimeIndex) and len(equity) >= 2:
        return infer_periods_per_year(equity.index)
    if len(equity) < 2:
        return 252.0  # no return to annualise; the value is never used
    raise ValidationError(
        "cannot infer periods per year from an equity curve without timestamps",
        field="periods_per_year",
        value=None,
        fix="index the equity by time or pass periods_per_year= (252 daily, 365 crypto, ...)",
    )


def _benchmark_stats(
    returns: pd.Series,
    benchmark: pd.Series | np.ndarray,
    equity: pd.Series,
    ppy: float,
    risk_free: float,
) -> dict[str, float]:
    if not isinstance(benchmark, pd.Series):
        benchmark = pd.Series(np.asarray(benchmark, dtype=np.float64), index=equity.index)
    levels = benchmark.astype(np.float64).dropna().loc[equity.index[0] : equity.index[-1]]
    bench_returns = simple_returns(levels)
    alpha, beta = alpha_beta(returns, bench_returns, risk_free, annualization=ppy)
    return {
        "benchmark_return": float(levels.iloc[-1] / levels.iloc[0] - 1.0)
        if len(levels)
        else float("nan"),
        "alpha": alpha,
        "beta": beta,
        "information_ratio": information_ratio(returns, bench_returns, annualization=ppy),
        "tracking_error": tracking_error(returns, bench_returns, annualization=ppy),
    }


def performance_summary(
    equity: pd.Series | np.ndarray,
    *,
    trades: pd.DataFrame | None = None,
    positions: pd.Series | pd.DataFrame | None = None,
    benchmark: pd.Series | np.ndarray | None = None,
    periods_per_year: float | None = None,
    risk_free: float = 0.0,
) -> dict[str, Any]:
    """Performance summary of an equity curve: returns, risk, drawdowns, trades and benchmark stats.

    ``benchmark`` holds price (or equity) levels, not returns, and is aligned on the equity's
    index; ``risk_free`` is a per-period return (as in empyrical) used by Sharpe, Sortino (as the
    required return), omega and alpha. Periods per year are inferred from the index when not given.
    """
    curve = _equity_series(equity)
    ppy = _periods_per_year(curve, periods_per_year)
    returns = simple_returns(curve)
    index = curve.index
    timed = isinstance(index, pd.DatetimeIndex)
    annual = annual_return(returns, annualization=ppy)
    worst = max_drawdown(returns) if len(returns) else float("nan")
    tail, var = tail_statistics(returns)
    stats: dict[str, Any] = {
        "start": index[0],
        "end": index[-1],
        "duration": (index[-1] - index[0]) if timed else len(curve) - 1,
        "periods_per_year": ppy,
        "start_equity": float(curve.iloc[0]),
        "final_equity": float(curve.iloc[-1]),
        "total_return": float(curve.iloc[-1] / curve.iloc[0] - 1.0),
        "annual_return": annual,
        "annual_volatility": annual_volatility(returns, annualization=ppy),
        "sharpe_ratio": sharpe_ratio(returns, risk_free, annualization=ppy),
        "sortino_ratio": sortino_ratio(returns, risk_free, annualization=ppy),
        "calmar_ratio": calmar_from(annual, worst),
        "max_drawdown": worst if len(returns) else 0.0,
        "max_drawdown_duration": max_drawdown_duration(curve),
        "omega_ratio": omega_ratio(returns, risk_free=risk_free, annualization=ppy),
        "tail_ratio": tail,
        "value_at_risk": var,
        "conditional_value_at_risk": conditional_value_at_risk(returns),
        "stability": stability_of_timeseries(returns),
    }
    if trades is not None:
        found = trade_stats(trades, equity=curve, positions=positions, periods_per_year=ppy)
        stats.update(zip(TRADE_SUMMARY, (found[key] for key in TRADE_STATS), strict=True))
    if benchmark is not None:
        stats.update(_benchmark_stats(returns, benchmark, curve, ppy, risk_free))
    return stats
