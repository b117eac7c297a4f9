"""Trade statistics from a trades table: win rate, profit factor, SQN, Kelly, exposure, turnover.

The trades table has one row per trade with the columns asset, direction ("long"/"short"),
entry_time, exit_time (NaT while open), entry_price, exit_price, size (positive units), pnl (net
of fees), return (pnl / entry notional), fees, exit_reason and status ("closed"/"open").
Only closed trades enter the per-trade statistics; open trades count in ``open_count`` and,
through their entry, in ``turnover``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.metrics._arrays import dispersion, ratio
from signaltrust.metrics.periods import periods_per_year as infer_periods_per_year

TRADE_COLUMNS = (
    "asset",
    "direction",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "size",
    "pnl",
    "return",
    "fees",
    "exit_reason",
    "status",
)
_NEEDED = ("entry_time", "exit_time", "pnl", "return")

#: the keys trade_stats returns, in order
TRADE_STATS = (
    "count",
    "open_count",
    "win_rate",
    "profit_factor",
    "expectancy",
    "avg_trade",
    "best_trade",
    "worst_trade",
    "avg_win",
    "avg_loss",
    "avg_holding_time",
    "sqn",
    "kelly_fraction",
    "exposure",
    "turnover",
)

NAN = float("nan")


def _closed_mask(trades: pd.DataFrame) -> np.ndarray:
    if "status" in trades.columns:
        status = trades["status"].to_numpy(dtype=object)
        closed = status == "closed"
        if (closed | (status == "open")).all():  # the engines' own spelling: no string ops
            return closed
        return (trades["status"].astype(str).str.lower() == "closed").to_numpy()
    return trades["exit_time"].notna().to_numpy()


def _check_columns(trades: pd.DataFrame) -> None:
    if not isinstance(trades, pd.DataFrame):
        raise ValidationError(
            "trades must be a DataFrame",
            field="trades",
            value=type(trades).__name__,
            fix=f"pass a DataFrame with the columns {', '.join(TRADE_COLUMNS)}",
        )
    missing = [column for column in _NEEDED if column not in trades.columns]
    if missing:
        raise ValidationError(
            "the trades table lacks columns",
            field="trades",
            value=missing,
            fix=f"add {', '.join(missing)} (the trades table has {', '.join(TRADE_COLUMNS)})",
        )


def exposure(positions: pd.Series | pd.DataFrame | np.ndarray) -> float:
    """Fraction of bars holding a non-zero position in any asset (NaN counts as flat)."""
    values = np.asarray(positions, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.shape[0] == 0:
        return NAN
    held = (values != 0.0) & (values == values)  # NaN counts as flat
    held = held[:, 0] if held.shape[1] == 1 else held.any(axis=1)
    return float(np.count_nonzero(held) / len(held))


def turnover(
    trades: pd.DataFrame, equity: pd.Series | np.ndarray, *, periods_per_year: float | None = None
) -> float:
    """Traded notional (entries and exits, both sides) / average equity, per year.

    Years are the equity's bars / periods per year (inferred from its index when not given).
    """
    values = np.asarray(equity, dtype=np.float64)
    if values.size == 0 or not {"size", "entry_price"} <= set(trades.columns):
        return NAN
    if periods_per_year is None:
        periods_per_year = infer_periods_per_year(
            equity if isinstance(equity, pd.Series) else pd.Index([])
        )
    size = trades["size"].abs().to_numpy(dtype=np.float64)
    notional = float(np.nansum(size * trades["entry_price"].to_numpy(dtype=np.float64)))
    if "exit_price" in trades.columns:
        closed = _closed_mask(trades)
        exits = size[closed] * trades["exit_price"].to_numpy(dtype=np.float64)[closed]
        notional += float(np.nansum(exits))
    years = values.size / periods_per_year
    return ratio(notional / float(np.nanmean(values)), years)


def _holding_time(closed: pd.DataFrame) -> Any:
    held = closed["exit_time"] - closed["entry_time"]
    if pd.api.types.is_timedelta64_dtype(held):
        return held.mean() if len(held) else pd.NaT
    return float(held.mean()) if len(held) else NAN


def trade_stats(
    trades: pd.DataFrame,
    *,
    equity: pd.Series | None = None,
    positions: pd.Series | pd.DataFrame | None = None,
    periods_per_year: float | None = None,
) -> dict[str, Any]:
    """Trade statistics of the closed trades (count, win rate, profit factor, SQN, Kelly, ...).

    ``exposure`` needs ``positions`` and ``turnover`` needs ``equity``; they are NaN without them.
    Money figures (expectancy) are in the account currency; avg_trade, best_trade, worst_trade,
    avg_win and avg_loss are trade returns (pnl / entry notional).
    """
    _check_columns(trades)
    closed_mask = _closed_mask(trades)
    closed = trades.loc[closed_mask]
    pnl = closed["pnl"].to_numpy(dtype=np.float64)
    rets = closed["return"].to_numpy(dtype=np.float64)
    count = int(pnl.size)
    stats: dict[str, Any] = dict.fromkeys(TRADE_STATS, NAN)
    stats["count"] = count
    stats["open_count"] = int((~closed_mask).sum())
    stats["avg_holding_time"] = _holding_time(closed)
    stats["exposure"] = exposure(positions) if positions is not None else NAN
    stats["turnover"] = (
        turnover(trades, equity, periods_per_year=periods_per_year) if equity is not None else NAN
    )
    if count == 0:
        return stats
    wins, losses = pnl > 0, pnl < 0
    gross_profit, gross_loss = float(pnl[wins].sum()), abs(float(pnl[losses].sum()))
    win_rate = float(wins.mean())
    avg_win = float(rets[wins].mean()) if wins.any() else NAN
    avg_loss = float(rets[losses].mean()) if losses.any() else NAN
    stats.update(
        win_rate=win_rate,
        profit_factor=ratio(gross_profit, gross_loss),
        expectancy=float(pnl.mean()),
        avg_trade=float(rets.mean()),
        best_trade=float(rets.max()),
        worst_trade=float(rets.min()),
        avg_win=avg_win,
        avg_loss=avg_loss,
        sqn=ratio(math.sqrt(count) * float(rets.mean()), dispersion(rets)) if count >= 2 else NAN,
        kelly_fraction=_kelly(win_rate, avg_win, avg_loss, wins.any(), losses.any()),
    )
    return stats


def _kelly(
    win_rate: float, avg_win: float, avg_loss: float, any_win: bool, any_loss: bool
) -> float:
    """Kelly fraction W - (1 - W) / R with R = avg_win / |avg_loss|.

    W itself without losses (nothing to lose), NaN without wins (R = 0).
    """
    if not any_win:
        return NAN
    if not any_loss:
        return win_rate
    payoff = avg_win / abs(avg_loss)
    return win_rate - (1.0 - win_rate) / payoff
