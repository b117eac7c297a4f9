"""Stress scenarios: historical shock windows, and synthetic shocks to prices or returns.

Historical windows are measured, not re-run: ``historical_stress`` reads an equity curve (and
a benchmark's) between each window's first and last close. The synthetic shocks (gap down,
volatility spike, correlations going to one) return the stressed series; ``portfolio_stress``
measures a rebalanced portfolio with and without one. Re-running a strategy on stressed bars
is ``signaltrust.research.stress_test``'s job: risk does not run backtests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

#: name -> (first close, last close, what happened); all inside the bundled S&P 500 (1999-2018)
HISTORICAL_SHOCKS: dict[str, tuple[str, str, str]] = {
    "dotcom": ("2000-03-24", "2002-10-09", "dot-com bust: S&P 500 peak to trough"),
    "gfc": ("2007-10-09", "2009-03-09", "global financial crisis: peak to trough"),
    "us_downgrade": ("2011-07-22", "2011-10-03", "US debt ceiling and S&P downgrade"),
    "china_oil": ("2015-08-10", "2016-02-11", "China devaluation and oil collapse"),
    "q4_2018": ("2018-10-01", "2018-12-24", "Q4 2018 rate-hike sell-off"),
}

PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")


def timestamp_in(value: Any, index: pd.DatetimeIndex, field: str) -> pd.Timestamp:
    """``value`` as a timestamp in the index's time zone; an error naming ``field`` if outside."""
    stamp = pd.Timestamp(value)
    if index.tz is not None and stamp.tzinfo is None:
        stamp = stamp.tz_localize(index.tz)
    elif index.tz is None and stamp.tzinfo is not None:
        stamp = stamp.tz_convert(None)
    if stamp < index[0] or stamp > index[-1]:
        raise ValidationError(
            "date outside the data",
            field=field,
            value=str(value),
            fix=f"pick a date between {index[0].date()} and {index[-1].date()}",
        )
    return stamp


def window_stats(equity: pd.Series, start: Any, end: Any) -> tuple[float, float, int]:
    """Return, maximum drawdown and bar count of an equity or price curve between two closes."""
    part = equity.loc[start:end].astype(np.float64)
    if part.size < 2:
        return np.nan, np.nan, int(part.size)
    drawdown = (part / part.cummax() - 1.0).min()
    return float(part.iloc[-1] / part.iloc[0] - 1.0), float(drawdown), int(part.size)


def historical_stress(
    equity: pd.Series,
    benchmark: pd.Series | None = None,
    windows: Mapping[str, tuple[str, str, str]] | None = None,
) -> pd.DataFrame:
    """Return and maximum drawdown of an equity curve (and a benchmark's) over each shock window.

    ``equity`` is measured between the closes at or after the window's first date and at or
    before its last; windows the curve does not cover are reported with ``bars`` 0 and NaN.
    """
    rows = []
    for name, (start, end, what) in (windows or HISTORICAL_SHOCKS).items():
        ret, dd, bars = window_stats(equity, _like(start, equity), _like(end, equity))
        row = {
            "scenario": name,
            "kind": "historical",
            "start": start,
            "end": end,
            "bars": bars,
            "strategy_return": ret,
            "strategy_max_drawdown": dd,
        }
        if benchmark is not None:
            b_ret, b_dd, _ = window_stats(benchmark, _like(start, benchmark), _like(end, benchmark))
            row.update(benchmark_return=b_ret, benchmark_max_drawdown=b_dd)
        row["description"] = what
        rows.append(row)
    return pd.DataFrame(rows)


def _like(value: str, series: pd.Series) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    tz = getattr(series.index, "tz", None)
    return stamp.tz_localize(tz) if tz is not None and stamp.tzinfo is None else stamp


def gap_down(
    series: pd.Series | pd.DataFrame, at: Any, size: float = 0.2, *, returns: bool = False
) -> pd.Series | pd.DataFrame:
    """An instantaneous fall of ``size`` (0.2 = -20%) at bar ``at``, kept for every later bar.

    On prices or bars (``returns=False``): every price column from ``at`` on is multiplied by
    1 - size, so that bar opens at the gapped price (volume is untouched). On returns
    (``returns=True``): the return of bar ``at`` becomes (1 + r)(1 - size) - 1.
    """
    if not 0.0 < size < 1.0:
        raise ValidationError(
            "size must be a fraction between 0 and 1",
            field="size",
            value=size,
            fix="pass e.g. size=0.2 for a 20% gap down",
        )
    stamp = timestamp_in(at, series.index, "at")
    out = series.copy()
    position = int(series.index.searchsorted(stamp))
    if returns:
        out.iloc[position] = (1.0 + series.iloc[position]) * (1.0 - size) - 1.0
        return out
    columns = _price_columns(series)
    factor = np.where(np.arange(len(series)) >= position, 1.0 - size, 1.0)
    if columns is None:
        return out * factor
    for column in columns:
        out[column] = series[column].astype(np.float64) * factor
    return out


def _price_columns(series: pd.Series | pd.DataFrame) -> list[str] | None:
    if isinstance(series, pd.Series):
        return None
    columns = [c for c in PRICE_COLUMNS if c in series.columns]
    if not columns:
        raise ValidationError(
            "bars have no price columns",
            field="series",
            value=list(series.columns),
            fix="pass bars with open/high/low/close, a price Series, or returns=True",
        )
    return columns


def volatility_spike(
    series: pd.Series | pd.DataFrame,
    start: Any,
    end: Any,
    k: float = 3.0,
    *,
    returns: bool = False,
) -> pd.Series | pd.DataFrame:
    """Volatility times ``k`` between ``start`` and ``end``: each return there is scaled by k.

    On returns (``returns=True``) r becomes k * r inside the window (floored at -99%). On
    prices or bars the close-to-close returns are scaled and prices rebuilt; each bar's open,
    high and low move with its close (the intrabar shape is kept) and later bars carry the
    new level.
    """
    if not k > 0:
        raise ValidationError(
            "k must be positive",
            field="k",
            value=k,
            fix="pass e.g. k=3 for three times the volatility",
        )
    first = timestamp_in(start, series.index, "start")
    last = timestamp_in(end, series.index, "end")
    inside = (series.index >= first) & (series.index <= last)
    if returns:
        out = series.copy()
        out.loc[inside] = np.maximum(series.loc[inside] * k, -0.99)
        return out
    close = series if isinstance(series, pd.Series) else series["close"]
    close = close.astype(np.float64)
    ret = close.pct_change().fillna(0.0).to_numpy()
    stressed = np.where(inside, np.maximum(ret * k, -0.99), ret)
    new_close = close.iloc[0] * np.cumprod(1.0 + stressed)
    factor = new_close / close.to_numpy()
    columns = _price_columns(series)
    if columns is None:
        return series * factor
    out = series.copy()
    for column in columns:
        out[column] = series[column].astype(np.float64) * factor
    return out


def correlation_shock(
    returns: pd.DataFrame, start: Any, end: Any, rho: float = 0.95
) -> pd.DataFrame:
    """Correlations going to ``rho`` between ``start`` and ``end``, means and volatilities kept.

    Inside the window the returns are whitened with their own sample covariance and coloured
    with D C D, C the matrix with ones on the diagonal and ``rho`` elsewhere, D the assets'
    window volatilities: the window's sample correlations become exactly ``rho`` while each
    column keeps its window mean and standard deviation. The window needs more bars than
    assets.
    """
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] < 2:
        raise ValidationError(
            "correlation_shock needs returns of at least two assets",
            field="returns",
            value=getattr(returns, "shape", None),
            fix="pass a DataFrame, one column per asset",
        )
    if not -1.0 / (returns.shape[1] - 1) < rho < 1.0:
        raise ValidationError(
            "rho must make a valid correlation matrix",
            field="rho",
            value=rho,
            fix=f"pass a value in ({-1.0 / (returns.shape[1] - 1):.3f}, 1), e.g. 0.95",
        )
    first = timestamp_in(start, returns.index, "start")
    last = timestamp_in(end, returns.index, "end")
    inside = (returns.index >= first) & (returns.index <= last)
    window = returns.loc[inside].to_numpy(dtype=np.float64)
    n, m = window.shape
    if n <= m or np.isnan(window).any():
        raise ValidationError(
            "the window needs more bars than assets and no missing returns",
            field="start",
            value=f"{n} bars, {m} assets",
            fix="widen the window or fill missing returns",
        )
    mean = window.mean(axis=0)
    centred = window - mean
    sample = np.cov(centred, rowvar=False)
    vol = np.sqrt(np.diag(sample))
    target = np.full((m, m), rho)
    np.fill_diagonal(target, 1.0)
    target = target * np.outer(vol, vol)
    white = np.linalg.solve(np.linalg.cholesky(sample), centred.T)  # rows: unit-covariance
    coloured = (np.linalg.cholesky(target) @ white).T + mean
    out = returns.copy()
    out.loc[inside] = coloured
    return out


@dataclass(frozen=True)
class PortfolioStress:
    """A stressed return matrix and what it did to a portfolio over the stress window."""

    stressed: pd.DataFrame
    base_return: float
    stressed_return: float
    base_max_drawdown: float
    stressed_max_drawdown: float

    @property
    def loss(self) -> float:
        """Stressed minus unstressed window return of the portfolio (negative: it hurt)."""
        return self.stressed_return - self.base_return

    def __plain__(self) -> dict[str, float]:
        """The window's figures with and without the shock (the stressed returns left out)."""
        return {"base_return": self.base_return, "stressed_return": self.stressed_return,
                "base_max_drawdown": self.base_max_drawdown,
                "stressed_max_drawdown": self.stressed_max_drawdown, "loss": self.loss}


def portfolio_stress(
    returns: pd.DataFrame,
    stressed: pd.DataFrame,
    start: Any,
    end: Any,
    weights: Sequence[float] | None = None,
) -> PortfolioStress:
    """Window return and drawdown of a portfolio rebalanced to ``weights``, shocked or not."""
    w = (
        np.full(returns.shape[1], 1.0 / returns.shape[1])
        if weights is None
        else np.asarray(weights, dtype=np.float64)
    )
    if w.shape != (returns.shape[1],):
        raise ValidationError(
            "one weight per asset",
            field="weights",
            value=list(w),
            fix=f"pass {returns.shape[1]} weights",
        )
    start = timestamp_in(start, returns.index, "start")
    end = timestamp_in(end, returns.index, "end")
    stats = []
    for frame in (returns, stressed):
        path = (1.0 + frame.fillna(0.0) @ w).cumprod()
        before = path.loc[:start].iloc[:-1]
        base = before.iloc[-1] if len(before) else 1.0
        part = pd.concat([pd.Series([base]), path.loc[start:end].reset_index(drop=True)])
        stats.append((float(part.iloc[-1] / base - 1.0), float((part / part.cummax() - 1).min())))
    return PortfolioStress(stressed, stats[0][0], stats[1][0], stats[0][1], stats[1][1])
