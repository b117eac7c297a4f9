"""Tearsheets: interactive HTML reports (Plotly) and PNG summaries of backtests and sweeps.

>>> from signaltrust.backtest.tearsheet import figure, write_report
>>> write_report(result, "goog.html")  # doctest: +SKIP

A result is taken duck-typed: ``.equity`` (required), ``.trades``, ``.stats`` and ``.close`` or
``.bars`` when it has them.
"""

from signaltrust.backtest.tearsheet.interactive import figure, trade_markers
from signaltrust.backtest.tearsheet.report import write_report
from signaltrust.backtest.tearsheet.series import (
    annual_returns,
    drawdown_series,
    monthly_returns,
    periods_per_year,
    rebase,
    rolling_sharpe,
)
from signaltrust.backtest.tearsheet.static import summary_figure
from signaltrust.backtest.tearsheet.sweep import heatmap, pivot_sweep, write_heatmap

__all__ = [
    "annual_returns",
    "drawdown_series",
    "figure",
    "heatmap",
    "monthly_returns",
    "periods_per_year",
    "pivot_sweep",
    "rebase",
    "rolling_sharpe",
    "summary_figure",
    "trade_markers",
    "write_heatmap",
    "write_report",
]
