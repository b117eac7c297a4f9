"""Performance metrics: empyrical-compatible return statistics, trade statistics, benchmark-relative
statistics, periods-per-year inference and the performance summary of a backtest (docs/metrics.md).

Returns are simple per-period returns (a NumPy array or a pandas Series; a DataFrame is computed
column by column where a statistic takes one series). Numba kernels for parameter sweeps live in
:mod:`signaltrust.metrics.nb`.
"""

from signaltrust.metrics.drawdown import (
    drawdown_series,
    equity_drawdown,
    max_drawdown,
    max_drawdown_duration,
)
from signaltrust.metrics.periods import (
    ANNUALIZATION_FACTORS,
    annualization_factor,
    periods_per_year,
)
from signaltrust.metrics.relative import (
    aligned_returns,
    alpha,
    alpha_beta,
    beta,
    capture,
    down_capture,
    excess_sharpe,
    information_ratio,
    tracking_error,
    up_capture,
)
from signaltrust.metrics.returns import (
    aggregate_returns,
    annual_return,
    cagr,
    cum_returns,
    cum_returns_final,
    simple_returns,
    stability_of_timeseries,
)
from signaltrust.metrics.risk import (
    annual_volatility,
    calmar_ratio,
    conditional_value_at_risk,
    downside_risk,
    omega_ratio,
    sharpe_ratio,
    sortino_ratio,
    tail_ratio,
    value_at_risk,
)
from signaltrust.metrics.summary import (
    BENCHMARK_SUMMARY,
    EQUITY_SUMMARY,
    TRADE_SUMMARY,
    performance_summary,
)
from signaltrust.metrics.trades import TRADE_COLUMNS, TRADE_STATS, exposure, trade_stats, turnover

__all__ = [
    "ANNUALIZATION_FACTORS",
    "BENCHMARK_SUMMARY",
    "EQUITY_SUMMARY",
    "TRADE_COLUMNS",
    "TRADE_STATS",
    "TRADE_SUMMARY",
    "aggregate_returns",
    "aligned_returns",
    "alpha",
    "alpha_beta",
    "annual_return",
    "annual_volatility",
    "annualization_factor",
    "beta",
    "cagr",
    "calmar_ratio",
    "capture",
    "conditional_value_at_risk",
    "cum_returns",
    "cum_returns_final",
    "down_capture",
    "downside_risk",
    "drawdown_series",
    "equity_drawdown",
    "excess_sharpe",
    "exposure",
    "information_ratio",
    "max_drawdown",
    "max_drawdown_duration",
    "omega_ratio",
    "performance_summary",
    "periods_per_year",
    "sharpe_ratio",
    "simple_returns",
    "sortino_ratio",
    "stability_of_timeseries",
    "tail_ratio",
    "trade_stats",
    "tracking_error",
    "turnover",
    "up_capture",
    "value_at_risk",
]
