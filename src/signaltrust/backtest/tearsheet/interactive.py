"""Interactive tearsheet figure (Plotly): equity, drawdown, rolling Sharpe, trades, months."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from signaltrust.backtest.tearsheet import series as ts

_ROW_HEIGHTS = (0.30, 0.14, 0.14, 0.22, 0.20)
_COLORS = {
    "equity": "#1f77b4",
    "benchmark": "#7f7f7f",
    "drawdown": "#d62728",
    "sharpe": "#9467bd",
    "price": "#444444",
    "long": "#2ca02c",
    "short": "#d62728",
    "exit": "#1f1f1f",
    "stop": "#ff7f0e",
    "take_profit": "#17becf",
}


def _times(stamps: Any) -> np.ndarray:
    """UTC times as short ISO strings (``2013-03-01`` for daily bars): fast to copy, small."""
    index = pd.DatetimeIndex(stamps)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    values = index.as_unit("ns").to_numpy()
    ns = values.astype("int64")
    day, minute, second = 86_400 * 10**9, 60 * 10**9, 10**9
    unit = "D" if (ns % day == 0).all() else "m" if (ns % minute == 0).all() else "s"
    if not (ns % second == 0).all():
        unit = "ms"
    return np.datetime_as_string(values, unit=unit)


def _line(series: pd.Series, **kwargs: Any) -> go.Scatter:
    shown = ts.thin(series)
    return go.Scatter(x=_times(shown.index), y=shown.to_numpy(), mode="lines", **kwargs)


def exit_kind(reason: Any) -> str:
    """Group an exit reason: ``"stop"`` (stop-loss, trailing), ``"take_profit"`` or ``"signal"``."""
    text = str(reason).lower() if reason is not None and reason == reason else ""
    if "stop" in text or text in ("sl", "tsl"):
        return "stop"
    if "take" in text or "profit" in text or text == "tp":
        return "take_profit"
    return "signal"


def _utc(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values)
    if stamps.dt.tz is None:
        return stamps.dt.tz_localize("UTC")
    return stamps.dt.tz_convert("UTC")


def trade_markers(trades: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Trade marker points per kind: long/short entries; signal, stop and take-profit exits.

    Keys: ``long_entry``, ``short_entry``, ``exit``, ``stop_exit``, ``take_profit_exit``.

    Each frame has ``time``, ``price`` and ``text`` (hover text). Open trades have no exit marker.
    """
    empty = pd.DataFrame({"time": pd.Series(dtype="datetime64[ns, UTC]"), "price": [], "text": []})
    kinds = ("long_entry", "short_entry", "exit", "stop_exit", "take_profit_exit")
    if trades is None or len(trades) == 0:
        return {kind: empty for kind in kinds}
    direction = (
        trades.get("direction", pd.Series("long", index=trades.index)).astype(str).str.lower()
    )
    size = trades.get("size", pd.Series(np.nan, index=trades.index))
    entries = pd.DataFrame(
        {
            "time": _utc(trades["entry_time"]),
            "price": trades["entry_price"].astype(float),
            "text": [f"{d} entry<br>size {s:,.4g}" for d, s in zip(direction, size, strict=True)],
        }
    )
    out = {
        "long_entry": entries[direction.ne("short").to_numpy()],
        "short_entry": entries[direction.eq("short").to_numpy()],
    }
    closed = trades["exit_time"].notna().to_numpy(copy=True)
    if "status" in trades:
        closed &= trades["status"].astype(str).str.lower().ne("open").to_numpy()
    done = trades[closed]
    reasons = done.get("exit_reason", pd.Series("signal", index=done.index))
    pnl = done.get("pnl", pd.Series(np.nan, index=done.index)).astype(float)
    ret = done.get("return", pd.Series(np.nan, index=done.index)).astype(float)
    exits = pd.DataFrame(
        {
            "time": _utc(done["exit_time"]),
            "price": done["exit_price"].astype(float),
            "text": [
                f"exit: {r}<br>P&L {p:,.2f}<br>return {q:.2%}"
                for r, p, q in zip(reasons, pnl, ret, strict=True)
            ],
        }
    )
    kind = np.array([exit_kind(r) for r in reasons], dtype=object)
    out["exit"] = exits[kind == "signal"]
    out["stop_exit"] = exits[kind == "stop"]
    out["take_profit_exit"] = exits[kind == "take_profit"]
    return out


def add_equity_panel(
    fig: go.Figure, equity: pd.Series, benchmark: pd.Series | None, label: str, row: int
) -> None:
    """Equity curve and the benchmark rebased to the starting equity."""
    fig.add_trace(
        _line(
            equity,
            name="Equity",
            line={"color": _COLORS["equity"], "width": 1.6},
        ),
        row=row,
        col=1,
    )
    if benchmark is not None:
        fig.add_trace(
            _line(
                benchmark,
                name=f"Benchmark: {label}",
                line={"color": _COLORS["benchmark"], "width": 1.2, "dash": "dot"},
            ),
            row=row,
            col=1,
        )
    fig.update_yaxes(title_text="equity", tickformat=",.0f", row=row, col=1)


def add_drawdown_panel(fig: go.Figure, equity: pd.Series, row: int) -> None:
    """Underwater curve in percent below the running peak."""
    drawdown = ts.drawdown_series(equity) * 100.0
    fig.add_trace(
        _line(
            drawdown,
            name="Drawdown",
            fill="tozeroy",
            line={"color": _COLORS["drawdown"], "width": 1},
            hovertemplate="%{x}<br>%{y:.2f}%<extra>Drawdown</extra>",
        ),
        row=row,
        col=1,
    )
    fig.update_yaxes(title_text="drawdown %", ticksuffix="%", row=row, col=1)


def add_rolling_sharpe_panel(
    fig: go.Figure, equity: pd.Series, window: int, periods: float | None, row: int
) -> None:
    """Rolling annualised Sharpe ratio with a zero line."""
    sharpe = ts.rolling_sharpe(equity, window, periods=periods)
    fig.add_trace(
        _line(
            sharpe,
            name=f"Rolling Sharpe ({window} bars)",
            line={"color": _COLORS["sharpe"], "width": 1.2},
        ),
        row=row,
        col=1,
    )
    fig.add_hline(y=0.0, line={"color": "#999999", "width": 1}, row=row, col=1)
    fig.update_yaxes(title_text="Sharpe", row=row, col=1)


def add_trades_panel(
    fig: go.Figure,
    closes: dict[str, pd.Series],
    trades: pd.DataFrame | None,
    asset: str | None,
    row: int,
) -> None:
    """Close price of one asset with entry and exit markers of its trades."""
    name = asset if asset is not None else next(iter(closes), None)
    if (
        trades is not None
        and len(trades)
        and name is not None
        and len(closes) > 1
        and "asset" in trades
    ):
        trades = trades[trades["asset"].astype(str) == name]
    if name is not None and name in closes:
        close = closes[name]
        fig.add_trace(
            _line(
                close,
                name=f"Close {name}",
                line={"color": _COLORS["price"], "width": 1},
            ),
            row=row,
            col=1,
        )
    styles = {
        "long_entry": ("Long entry", "triangle-up", _COLORS["long"]),
        "short_entry": ("Short entry", "triangle-down", _COLORS["short"]),
        "exit": ("Exit (signal)", "x", _COLORS["exit"]),
        "stop_exit": ("Exit (stop)", "square", _COLORS["stop"]),
        "take_profit_exit": ("Exit (take profit)", "diamond", _COLORS["take_profit"]),
    }
    for kind, points in trade_markers(trades).items():
        if points.empty:
            continue
        label, symbol, color = styles[kind]
        fig.add_trace(
            go.Scatter(
                x=_times(points["time"]),
                y=points["price"],
                mode="markers",
                name=label,
                text=points["text"],
                hovertemplate="%{x}<br>%{y:,.2f}<br>%{text}<extra></extra>",
                marker={
                    "symbol": symbol,
                    "color": color,
                    "size": 9,
                    "line": {"width": 1, "color": "white"},
                },
            ),
            row=row,
            col=1,
        )
    fig.update_yaxes(title_text=f"{name} price" if name else "price", row=row, col=1)


def add_monthly_panel(fig: go.Figure, equity: pd.Series, row: int) -> None:
    """Heatmap of monthly returns in percent, one row per year, one column per month."""
    table = ts.monthly_returns(equity) * 100.0
    values = table.to_numpy()
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    domain = fig.layout[f"yaxis{row}"].domain
    fig.add_trace(
        go.Heatmap(
            z=values,
            x=list(ts.MONTH_NAMES),
            y=[str(y) for y in table.index],
            name="Monthly returns",
            colorscale="RdYlGn",
            zmid=0.0,
            zmin=-limit,
            zmax=limit,
            texttemplate="%{z:.1f}",
            textfont={"size": 9},
            hovertemplate="%{y} %{x}: %{z:.2f}%<extra>Monthly returns</extra>",
            colorbar={
                "title": {"text": "%"},
                "y": (domain[0] + domain[1]) / 2,
                "len": domain[1] - domain[0],
                "thickness": 12,
            },
        ),
        row=row,
        col=1,
    )
    fig.update_yaxes(autorange="reversed", type="category", row=row, col=1)
    fig.update_xaxes(type="category", row=row, col=1)


def figure(
    result: Any,
    *,
    benchmark: pd.Series | None = None,
    title: str | None = None,
    asset: str | None = None,
    window: int | None = None,
) -> go.Figure:
    """Interactive tearsheet of a backtest: equity vs benchmark, drawdown, Sharpe, trades, months.

    ``result`` needs ``.equity`` (and ``.trades``, ``.close`` or ``.bars`` when it has them).
    ``benchmark`` is a price or equity series, rebased to the starting equity; without it the
    buy-and-hold of the first asset's close is shown when the result carries bars. ``asset``
    picks the asset drawn with its trades; ``window`` the rolling-Sharpe window (one year of bars).
    """
    equity = ts.equity_of(result)
    closes = ts.asset_closes(result)
    label = getattr(benchmark, "name", None) or "benchmark"
    if benchmark is None and (default := ts.default_benchmark(result)) is not None:
        benchmark, label = default
    rebased = ts.rebase(benchmark, equity) if benchmark is not None else None
    periods = getattr(result, "periods_per_year", None)  # the engine's, when it was given one
    size = ts.rolling_window(equity, window, periods)
    fig = make_subplots(
        rows=5,
        cols=1,
        row_heights=list(_ROW_HEIGHTS),
        vertical_spacing=0.05,
        subplot_titles=(
            "Equity vs benchmark",
            "Drawdown (underwater)",
            f"Rolling Sharpe ({size} bars)",
            "Price and trades",
            "Monthly returns (%)",
        ),
    )
    add_equity_panel(fig, equity, rebased, str(label), row=1)
    add_drawdown_panel(fig, equity, row=2)
    add_rolling_sharpe_panel(fig, equity, size, periods, row=3)
    add_trades_panel(fig, closes, getattr(result, "trades", None), asset, row=4)
    add_monthly_panel(fig, equity, row=5)
    for row in (2, 3, 4):  # the time panels zoom together
        fig.update_xaxes(matches="x", row=row, col=1)
    fig.update_layout(
        title={"text": title or "Backtest tearsheet", "x": 0.01},
        height=1400,
        template="plotly_white",
        legend={
            "x": 1.01,
            "y": 1.0,
            "yanchor": "top",
        },  # right of the time panels, above the colorbar
        margin={"l": 70, "r": 40, "t": 70, "b": 40},
    )
    return fig
