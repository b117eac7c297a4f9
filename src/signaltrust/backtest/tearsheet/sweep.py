"""Sweep heatmaps: any statistic of a parameter sweep over two of its parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from signaltrust.backtest.tearsheet.report import html_page, output_path
from signaltrust.backtest.tearsheet.static import blank_figure, save_png
from signaltrust.core.errors import ValidationError

_AGGREGATES = ("max", "min", "mean", "median")
_MAX_ANNOTATED_CELLS = 400


def pivot_sweep(
    table: pd.DataFrame, *, x: str, y: str, value: str, agg: str | None = None
) -> pd.DataFrame:
    """A sweep table pivoted to a grid: a row per ``y``, a column per ``x``, ``value`` in the cells.

    Combinations absent from the sweep are NaN. When the table has several rows per (x, y) pair
    (a third parameter, several assets) pass ``agg`` ("max", "min", "mean", "median") to reduce
    them.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValidationError(
            "a sweep table must be a DataFrame",
            field="table",
            value=type(table).__name__,
            fix="pass the DataFrame returned by signaltrust.backtest.sweep",
        )
    for field, column in (("x", x), ("y", y), ("value", value)):
        if column not in table.columns:
            raise ValidationError(
                "column not in the sweep table",
                field=field,
                value=column,
                fix=f"use one of {', '.join(map(str, table.columns))}",
            )
    if agg is not None and agg not in _AGGREGATES:
        raise ValidationError(
            "unknown aggregate", field="agg", value=agg, fix=f"use one of {', '.join(_AGGREGATES)}"
        )
    if agg is None and table.duplicated([x, y]).any():
        raise ValidationError(
            "several rows share the same (x, y) parameters",
            field="table",
            value=f"{int(table.duplicated([x, y]).sum())} repeated ({x}, {y}) pairs",
            fix="filter the table to one value of the other parameters, or pass agg='max' "
            "(or min, mean, median)",
        )
    grid = table.pivot_table(index=y, columns=x, values=value, aggfunc=agg or "first", dropna=False)
    return grid.sort_index().sort_index(axis=1).astype(float)


def _best_cell(grid: pd.DataFrame) -> tuple[object, object] | None:
    values = grid.to_numpy()
    if not np.isfinite(values).any():
        return None
    row, col = np.unravel_index(np.nanargmax(values), values.shape)
    return grid.columns[col], grid.index[row]


def heatmap(
    table: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    agg: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """Heatmap of a sweep statistic over two parameters (e.g. Sharpe by fast x slow)."""
    grid = pivot_sweep(table, x=x, y=y, value=value, agg=agg)
    show_text = grid.size <= _MAX_ANNOTATED_CELLS
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            name=value,
            colorscale="Viridis",
            colorbar={"title": {"text": value}},
            texttemplate="%{z:.3g}" if show_text else None,
            hovertemplate=f"{x}=%{{x}}<br>{y}=%{{y}}<br>{value}=%{{z:.4g}}<extra></extra>",
        )
    )
    best = _best_cell(grid)
    if best is not None:
        fig.add_trace(
            go.Scatter(
                x=[best[0]],
                y=[best[1]],
                mode="markers",
                name=f"best {value}",
                marker={
                    "symbol": "star",
                    "size": 14,
                    "color": "white",
                    "line": {"width": 1, "color": "black"},
                },
            )
        )
    fig.update_layout(
        title={"text": title or f"{value} by {x} and {y}"},
        xaxis_title=x,
        yaxis_title=y,
        template="plotly_white",
        showlegend=False,
    )
    return fig


def _heatmap_png(
    grid: pd.DataFrame, path: Path, *, x: str, y: str, value: str, title: str | None
) -> Path:
    fig = blank_figure(min(4.0 + 0.35 * grid.shape[1], 16.0), min(3.0 + 0.3 * grid.shape[0], 14.0))
    ax = fig.add_subplot()
    values = grid.to_numpy()
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", aspect="auto", origin="lower")
    step_x = max(1, grid.shape[1] // 20)
    step_y = max(1, grid.shape[0] // 20)
    ax.set_xticks(
        range(0, grid.shape[1], step_x), [str(v) for v in grid.columns[::step_x]], fontsize=8
    )
    ax.set_yticks(
        range(0, grid.shape[0], step_y), [str(v) for v in grid.index[::step_y]], fontsize=8
    )
    if values.size <= _MAX_ANNOTATED_CELLS:
        for (row, col), cell in np.ndenumerate(values):
            if np.isfinite(cell):
                ax.text(
                    col, row, f"{cell:.3g}", ha="center", va="center", fontsize=7, color="white"
                )
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"{value} by {x} and {y}", loc="left", fontsize=11)
    fig.colorbar(image, ax=ax, label=value)
    return save_png(fig, path)


def write_heatmap(
    table: pd.DataFrame,
    path: str | Path,
    *,
    x: str,
    y: str,
    value: str,
    agg: str | None = None,
    title: str | None = None,
    plotly: str = "file",
) -> Path:
    """Write a sweep heatmap: ``.html`` interactive or ``.png`` (matplotlib); ``plotly`` as in
    :func:`~signaltrust.backtest.tearsheet.report.write_report` (one shared bundle per folder)."""
    from signaltrust.backtest.tearsheet.plotlyjs import include_plotlyjs

    target = output_path(path)
    if target.suffix.lower() == ".html":
        fig = heatmap(table, x=x, y=y, value=value, agg=agg, title=title)
        chart = fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs(target, plotly),
                            config={"displaylogo": False})
        target.write_text(html_page(title or f"{value} by {x} and {y}", chart), encoding="utf-8")
        return target
    grid = pivot_sweep(table, x=x, y=y, value=value, agg=agg)
    return _heatmap_png(grid, target, x=x, y=y, value=value, title=title)
