"""Tearsheet series: drawdown curve, monthly returns table, rolling Sharpe, rebased benchmark.

These are chart series computed with pandas from a backtest result's equity curve. The headline
statistics themselves come from :mod:`signaltrust.metrics` (via ``result.stats``); the functions
here only draw their time profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.metrics import periods_per_year as metrics_periods_per_year

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def as_utc_series(series: pd.Series, *, field: str) -> pd.Series:
    """``series`` sorted on a UTC DatetimeIndex (a naive index is taken to be UTC)."""
    if not isinstance(series, pd.Series):
        raise ValidationError(
            "expected a pandas Series",
            field=field,
            value=type(series).__name__,
            fix=f"pass {field} as a pd.Series indexed by timestamps",
        )
    if not isinstance(series.index, pd.DatetimeIndex):
        raise ValidationError(
            "expected a DatetimeIndex",
            field=f"{field}.index",
            value=type(series.index).__name__,
            fix=f"index {field} by UTC timestamps",
        )
    index = series.index
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    out = pd.Series(series.to_numpy(dtype=float), index=index.as_unit("ns"), name=series.name)
    return out.sort_index()


def equity_of(result: Any) -> pd.Series:
    """The equity curve of a result, checked: UTC index, at least two bars, positive start."""
    equity = as_utc_series(getattr(result, "equity", None), field="result.equity")
    if len(equity) < 2:
        raise ValidationError(
            "a tearsheet needs an equity curve of at least two bars",
            field="result.equity",
            value=len(equity),
            fix="run the backtest over more bars",
        )
    if not np.isfinite(equity.iloc[0]) or equity.iloc[0] <= 0:
        raise ValidationError(
            "the equity curve must start positive",
            field="result.equity",
            value=equity.iloc[0],
            fix="start the backtest with positive cash",
        )
    return equity


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Bars per year inferred from an index, by :func:`signaltrust.metrics.periods_per_year`."""
    return float(metrics_periods_per_year(pd.DatetimeIndex(index)))


def thin(series: pd.Series, max_points: int = 20_000) -> pd.Series:
    """A long line thinned for display to about ``max_points``, keeping each bucket's low and high.

    Charts of 100,000 bars stay small and fast while every peak and trough (the deepest drawdown)
    is still drawn; series of ``max_points`` or fewer come back unchanged.
    """
    values = series.to_numpy(dtype=float)
    if len(values) <= max_points:
        return series
    bucket = int(np.ceil(len(values) / (max_points // 2)))
    ids = np.arange(len(values)) // bucket
    missing = np.isnan(values)
    low, high = np.where(missing, np.inf, values), np.where(missing, -np.inf, values)
    frame = pd.DataFrame({"id": ids, "low": low, "high": high})
    grouped = frame.groupby("id")
    keep = np.union1d(grouped["low"].idxmin().to_numpy(), grouped["high"].idxmax().to_numpy())
    keep = np.union1d(keep, [0, len(values) - 1])
    return series.iloc[keep]


def bar_returns(equity: pd.Series) -> pd.Series:
    """Simple returns from one bar to the next; the first bar has none and is dropped."""
    return equity.pct_change().iloc[1:]


def drawdown_series(equity: pd.Series) -> pd.Series:
    """Underwater curve: equity over its running peak, minus one (0 at a high, -0.25: 25% below)."""
    peak = equity.cummax()
    return (equity / peak - 1.0).rename("drawdown")


def monthly_returns(equity: pd.Series) -> pd.DataFrame:
    """Compounded return of each calendar month as a year x month table (fractions; NaN: no bars).

    A month's return is its last equity over the previous month's last equity, minus one; the first
    month is measured from the first equity value.
    """
    returns = bar_returns(equity)
    growth = (1.0 + returns).groupby([returns.index.year, returns.index.month]).prod() - 1.0
    growth.index = growth.index.set_names(["year", "month"])
    table = growth.unstack("month").reindex(columns=range(1, 13))
    table.columns.name = "month"
    return table.astype(float)


def annual_returns(equity: pd.Series) -> pd.Series:
    """Compounded return of each calendar year (fractions), indexed by year."""
    returns = bar_returns(equity)
    growth = (1.0 + returns).groupby(returns.index.year).prod() - 1.0
    return growth.rename_axis("year").rename("annual_return")


def rolling_window(
    equity: pd.Series, window: int | None = None, periods: float | None = None
) -> int:
    """The rolling-statistic window: one year of bars, shorter for curves under two years."""
    if window is not None:
        if int(window) < 2:
            raise ValidationError(
                "the rolling window must hold at least two bars",
                field="window",
                value=window,
                fix="pass window >= 2 or None for one year of bars",
            )
        return int(window)
    year = max(2, round(periods_per_year(equity.index) if periods is None else float(periods)))
    return max(2, min(year, len(equity) // 2))


def rolling_sharpe(
    equity: pd.Series, window: int | None = None, *, periods: float | None = None
) -> pd.Series:
    """Rolling annualised Sharpe ratio (zero risk-free rate) over ``window`` bars of returns.

    ``mean / std(ddof=1) * sqrt(periods)`` as in empyrical's ``sharpe_ratio``; ``window``
    defaults to one year of bars and ``periods`` to the bars per year inferred from the index.
    Windows with no variation give NaN rather than an infinite ratio.
    """
    per_year = periods_per_year(equity.index) if periods is None else float(periods)
    size = rolling_window(equity, window, per_year)
    returns = equity.pct_change()
    mean = returns.rolling(size, min_periods=size).mean()
    std = returns.rolling(size, min_periods=size).std(ddof=1)
    sharpe = mean / std.where(std > 1e-15) * np.sqrt(per_year)
    return sharpe.rename("rolling_sharpe")


def rebase(benchmark: pd.Series, equity: pd.Series) -> pd.Series:
    """A benchmark price series on the equity's bars, scaled to equal the equity where it starts."""
    bench = as_utc_series(benchmark, field="benchmark")
    bench = bench[~bench.index.duplicated(keep="last")]
    aligned = bench.reindex(equity.index, method="ffill")
    start = aligned.first_valid_index()
    if start is None or start > equity.index[-1]:
        raise ValidationError(
            "the benchmark does not overlap the backtest period",
            field="benchmark",
            value=f"{bench.index.min()} .. {bench.index.max()}" if len(bench) else "empty",
            fix=f"pass prices covering {equity.index[0]} .. {equity.index[-1]}",
        )
    if aligned[start] <= 0:
        raise ValidationError(
            "the benchmark must be positive where it starts",
            field="benchmark",
            value=aligned[start],
            fix="pass prices or an equity curve, not returns",
        )
    return aligned / aligned[start] * equity[start]


def _close_column(frame: pd.DataFrame) -> pd.Series | None:
    for column in frame.columns:
        if str(column).lower() in ("close", "adj close", "adj_close"):
            return frame[column]
    return None


def asset_closes(result: Any) -> dict[str, pd.Series]:
    """Close prices per asset carried by a result (``.close`` or ``.bars``); empty when it has none.

    Accepted shapes: ``close`` as a Series (one asset) or a DataFrame (one column per asset);
    ``bars`` as an OHLCV DataFrame (one asset), a dict of OHLCV DataFrames per asset, or a
    DataFrame whose columns are (asset, field) pairs.
    """
    close = getattr(result, "close", None)
    bars = getattr(result, "bars", None)
    found: dict[str, pd.Series] = {}
    if isinstance(close, pd.Series):
        found[_single_asset_name(result, close.name)] = close
    elif isinstance(close, pd.DataFrame):
        found = {str(c): close[c] for c in close.columns}
    elif isinstance(bars, Mapping):
        for asset, frame in bars.items():
            series = _close_column(frame) if isinstance(frame, pd.DataFrame) else frame
            if isinstance(series, pd.Series):
                found[str(asset)] = series
    elif isinstance(bars, pd.DataFrame):
        if isinstance(bars.columns, pd.MultiIndex):
            for asset in bars.columns.get_level_values(0).unique():
                series = _close_column(bars[asset])
                if series is not None:
                    found[str(asset)] = series
        else:
            series = _close_column(bars)
            if series is not None:
                found[_single_asset_name(result, None)] = series
    return {name: as_utc_series(s, field=f"close[{name}]") for name, s in found.items()}


def _single_asset_name(result: Any, name: Any) -> str:
    trades = getattr(result, "trades", None)
    if isinstance(trades, pd.DataFrame) and "asset" in trades and trades["asset"].nunique() == 1:
        return str(trades["asset"].iloc[0])
    if name is not None and str(name).lower() != "close":
        return str(name)
    return "asset"


def default_benchmark(result: Any) -> tuple[pd.Series, str] | None:
    """Buy-and-hold of the result's first asset, with its label, or None when it carries no bars."""
    closes = asset_closes(result)
    if not closes:
        return None
    asset, close = next(iter(closes.items()))
    return close, f"Buy & hold {asset}"
