"""Static tearsheet (matplotlib, Agg): a one-page PNG for terminals and docs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from signaltrust.backtest.tearsheet import series as ts
from signaltrust.backtest.tearsheet.tables import stats_rows

# shown first, in this order, when the result has them
HEADLINE_STATS = (
    "final_equity",
    "total_return",
    "annual_return",
    "annual_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "calmar_ratio",
    "trades",
    "win_rate",
    "profit_factor",
    "expectancy",
    "exposure",
)
_MAX_TEXT_ROWS = 16


def headline_rows(stats: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """The key statistics for the summary: headline ones first, then others up to a page's worth."""
    rows = stats_rows(stats)
    by_name = {row[0]: row for row in rows}
    ordered = [by_name[name] for name in HEADLINE_STATS if name in by_name]
    ordered += [row for row in rows if row[0] not in HEADLINE_STATS]
    return ordered[:_MAX_TEXT_ROWS]


def blank_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_equity(ax: Axes, equity: pd.Series, benchmark: pd.Series | None, label: str) -> None:
    """Equity and the rebased benchmark."""
    equity = ts.thin(equity)
    ax.plot(equity.index, equity.to_numpy(), color="#1f77b4", linewidth=1.2, label="Equity")
    if benchmark is not None:
        benchmark = ts.thin(benchmark)
        ax.plot(
            benchmark.index,
            benchmark.to_numpy(),
            color="#7f7f7f",
            linewidth=1.0,
            linestyle=":",
            label=label,
        )
    ax.set_title("Equity vs benchmark", loc="left", fontsize=10)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)


def plot_drawdown(ax: Axes, equity: pd.Series) -> None:
    """Underwater curve in percent."""
    drawdown = ts.thin(ts.drawdown_series(equity) * 100.0)
    ax.fill_between(
        drawdown.index, drawdown.to_numpy(), 0.0, color="#d62728", alpha=0.35, linewidth=0
    )
    ax.plot(drawdown.index, drawdown.to_numpy(), color="#d62728", linewidth=0.8)
    ax.set_title("Drawdown (%)", loc="left", fontsize=10)
    ax.grid(alpha=0.3)


def plot_monthly(ax: Axes, equity: pd.Series) -> None:
    """Year x month heatmap of monthly returns in percent, values written in the cells."""
    table = ts.monthly_returns(equity) * 100.0
    values = table.to_numpy()
    finite = np.isfinite(values)
    limit = float(np.nanmax(np.abs(values))) if finite.any() else 1.0
    image = ax.imshow(
        np.ma.masked_invalid(values), cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto"
    )
    ax.set_xticks(range(12), ts.MONTH_NAMES, fontsize=8)
    ax.set_yticks(range(len(table.index)), [str(y) for y in table.index], fontsize=8)
    if values.size <= 12 * 30:
        for (row, col), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(col, row, f"{value:.1f}", ha="center", va="center", fontsize=6.5)
    ax.set_title("Monthly returns (%)", loc="left", fontsize=10)
    ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.01)


def plot_stats(ax: Axes, stats: Mapping[str, Any] | None) -> None:
    """The key statistics as a two-column text block."""
    ax.axis("off")
    ax.set_title("Statistics", loc="left", fontsize=10)
    rows = headline_rows(stats)
    if not rows:
        ax.text(0.0, 1.0, "no statistics", va="top", fontsize=9, transform=ax.transAxes)
    for i, (_name, label, text) in enumerate(rows):
        y = 1.0 - i / max(len(rows), 12)
        ax.text(0.0, y, label, va="top", fontsize=9, transform=ax.transAxes)
        ax.text(
            1.0,
            y,
            text,
            va="top",
            ha="right",
            fontsize=9,
            family="monospace",
            transform=ax.transAxes,
        )


def summary_figure(
    result: Any, *, benchmark: pd.Series | None = None, title: str | None = None
) -> Figure:
    """One-page matplotlib summary: equity vs benchmark, drawdown, months, key statistics."""
    equity = ts.equity_of(result)
    label = str(getattr(benchmark, "name", None) or "Benchmark")
    if benchmark is None and (default := ts.default_benchmark(result)) is not None:
        benchmark, label = default
    rebased = ts.rebase(benchmark, equity) if benchmark is not None else None
    years = len(ts.monthly_returns(equity).index)
    fig = blank_figure(11.0, 6.0 + min(years, 30) * 0.18)
    grid = fig.add_gridspec(3, 3, height_ratios=[2.2, 1.0, max(1.2, years * 0.16)])
    equity_ax = fig.add_subplot(grid[0, :2])
    drawdown_ax = fig.add_subplot(grid[1, :2], sharex=equity_ax)
    plot_equity(equity_ax, equity, rebased, label)
    plot_drawdown(drawdown_ax, equity)
    plot_stats(fig.add_subplot(grid[0:2, 2]), getattr(result, "stats", None))
    plot_monthly(fig.add_subplot(grid[2, :]), equity)
    fig.suptitle(title or "Backtest tearsheet", fontsize=13, x=0.01, ha="left")
    return fig


def save_png(fig: Figure, path: Path) -> Path:
    """Write a matplotlib figure as PNG and return the path."""
    fig.savefig(path, format="png", dpi=100)
    return path
