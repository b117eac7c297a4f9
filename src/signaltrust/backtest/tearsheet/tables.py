"""Tearsheet tables: statistics formatted as percentages, ratios and money; the trades table."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

MISSING = "—"
# the statistics of signaltrust.metrics whose unit their name does not tell
_KINDS = {
    "expectancy": "money",
    "avg_win": "percent",
    "avg_loss": "percent",
    "stability": "ratio",
    "turnover": "ratio",
    "periods_per_year": "count",
}
# statistic name fragments that mark a money amount or a fraction shown in percent
_MONEY = ("equity", "cash", "pnl", "fees", "commission", "capital", "profit", "loss", "value")
_NOT_MONEY = ("profit_factor", "value_at_risk", "ratio", "rate", "count", "streak")
_PERCENT = (
    "return",
    "drawdown",
    "rate",
    "volatility",
    "exposure",
    "value_at_risk",
    "kelly",
    "pct",
    "percent",
    "tracking_error",
    "alpha",
    "best_trade",
    "worst_trade",
    "avg_trade",
    "cagr",
)
_NOT_PERCENT = ("duration", "ratio", "count")
_UPPER = {
    "sqn": "SQN",
    "var": "VaR",
    "cvar": "CVaR",
    "cagr": "CAGR",
    "pnl": "P&L",
    "avg": "Average",
}
_PROPER = {"sharpe", "sortino", "calmar", "omega", "kelly"}


def stat_kind(name: str) -> str:
    """How a statistic reads: ``"money"``, ``"percent"``, ``"count"`` or ``"ratio"``, by name."""
    lowered = name.lower()
    if lowered in _KINDS:
        return _KINDS[lowered]
    if any(t in lowered for t in _MONEY) and not any(t in lowered for t in _NOT_MONEY):
        return "money"
    if any(t in lowered for t in _PERCENT) and not any(t in lowered for t in _NOT_PERCENT):
        return "percent"
    return "ratio"


def stat_label(name: str) -> str:
    """A reader's label for a statistic name: ``sharpe_ratio`` -> ``Sharpe ratio``."""
    words = [
        _UPPER.get(w, w.capitalize() if w in _PROPER else w) for w in str(name).split("_") if w
    ]
    if not words:
        return str(name)
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def _duration(value: pd.Timedelta) -> str:
    if value == value.floor("D"):
        days = value.days
        return f"{days:,} day" + ("" if days == 1 else "s")
    return str(value)


def format_stat(name: str, value: Any) -> str:
    """One statistic as text: ``12.34%`` for returns, ``1,234,567.89`` for money, ``1.234`` else."""
    if value is None or value is pd.NaT:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M")
    if isinstance(value, (pd.Timedelta, dt.timedelta, np.timedelta64)):
        return _duration(pd.Timedelta(value))
    if isinstance(value, str):
        return value
    if not isinstance(value, Real):
        return str(value)
    number = float(value)
    if math.isnan(number):
        return MISSING
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    kind = stat_kind(name)
    if kind == "money":
        return f"{number:,.2f}"
    if isinstance(value, Integral) or kind == "count":
        return f"{number:,.0f}"
    if kind == "percent":
        return f"{number * 100:.2f}%"
    return f"{number:,.3f}"


def stats_rows(stats: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """``(name, label, formatted value)`` for each statistic, in the order the result gives them."""
    return [(str(k), stat_label(str(k)), format_stat(str(k), v)) for k, v in (stats or {}).items()]


def _chunks(rows: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def stats_html(stats: Mapping[str, Any] | None, *, rows_per_column: int = 12) -> str:
    """The metrics as side-by-side HTML tables (label, value), rows tagged by statistic name."""
    rows = stats_rows(stats)
    if not rows:
        return '<p class="empty">No statistics in this result.</p>'
    tables = []
    for chunk in _chunks(rows, rows_per_column):
        body = "".join(
            f'<tr data-stat="{html.escape(name)}"><th>{html.escape(label)}</th>'
            f"<td>{html.escape(text)}</td></tr>"
            for name, label, text in chunk
        )
        tables.append(f'<table class="metrics">{body}</table>')
    return '<div class="metrics-grid">' + "".join(tables) + "</div>"


def _price(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 10 else f"{value:.5g}"


def _time_formatter(column: pd.Series) -> Any:
    stamps = pd.to_datetime(column)
    valid = stamps.dropna()
    daily = bool(len(valid)) and bool((valid == valid.dt.normalize()).all())
    pattern = "%Y-%m-%d" if daily else "%Y-%m-%d %H:%M"
    return stamps.dt.strftime(pattern).fillna("")


_FORMATS = {
    "entry_price": _price,
    "exit_price": _price,
    "size": lambda v: f"{v:,.6g}",
    "pnl": lambda v: f"{v:,.2f}",
    "fees": lambda v: f"{v:,.2f}",
    "return": lambda v: f"{v:.2%}",
}


def format_trades(trades: pd.DataFrame) -> pd.DataFrame:
    """Trades as display strings: dates, prices, sizes, money, percentages; blanks for missing."""
    shown = pd.DataFrame(index=trades.index)
    for column in trades.columns:
        values = trades[column]
        if column in ("entry_time", "exit_time") or pd.api.types.is_datetime64_any_dtype(values):
            shown[column] = _time_formatter(values)
        elif column in _FORMATS:
            fmt = _FORMATS[column]
            shown[column] = [fmt(float(v)) if pd.notna(v) else "" for v in values]
        else:
            shown[column] = [
                "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                for v in values
            ]
    return shown


def trades_html(trades: pd.DataFrame | None, *, limit: int = 10) -> str:
    """The trades table: all if at most ``2 * limit`` trades, else the first and last ``limit``."""
    if trades is None or len(trades) == 0:
        return '<p class="trade-count">No trades.</p>'
    count = len(trades)
    if count <= 2 * limit:
        caption = f"{count:,} trade" + ("" if count == 1 else "s")
        body = format_trades(trades).to_html(index=False, classes="trades", border=0)
        return f'<p class="trade-count">{caption}</p>{body}'
    head = format_trades(trades.iloc[:limit])
    tail = format_trades(trades.iloc[-limit:])
    gap = pd.DataFrame([["…"] * len(head.columns)], columns=head.columns)
    table = pd.concat([head, gap, tail], ignore_index=True).to_html(
        index=False, classes="trades", border=0
    )
    caption = f"Showing the first {limit} and last {limit} of {count:,} trades"
    return f'<p class="trade-count">{caption}</p>{table}'
