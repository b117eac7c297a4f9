"""BacktestResult: equity, cash, positions, trades and orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.nb import layout
from signaltrust.metrics.trades import TRADE_COLUMNS as METRIC_TRADE_COLUMNS

# the trades table's schema is metrics' (what trade statistics read) plus the bar positions
TRADE_COLUMNS = (*METRIC_TRADE_COLUMNS, "entry_bar", "exit_bar")
ORDER_COLUMNS = ("time", "asset", "side", "size", "price", "fees", "reason", "bar")


def trades_frame(
    records: np.ndarray, index: pd.DatetimeIndex, assets: tuple[str, ...]
) -> pd.DataFrame:
    """The trades table from the kernel's trade records (one row per closed or open trade)."""
    asset_codes = records[:, layout.T_ASSET].astype(np.int64)
    entry_bar = records[:, layout.T_EBAR].astype(np.int64)
    exit_bar = records[:, layout.T_XBAR].astype(np.int64)
    is_open = exit_bar < 0
    stamps = index.asi8 if index.unit == "ns" else index.as_unit("ns").asi8
    exit_ns = np.where(is_open, np.iinfo(np.int64).min, stamps[np.where(is_open, 0, exit_bar)])
    size = records[:, layout.T_SIZE]
    entry_price = records[:, layout.T_EPRICE]
    pnl = records[:, layout.T_PNL]
    with np.errstate(divide="ignore", invalid="ignore"):
        ret = pnl / (entry_price * size)
    tz = index.tz
    return pd.DataFrame(
        {
            "asset": np.asarray(assets, dtype=object)[asset_codes]
            if len(records)
            else pd.Series([], dtype=object),
            "direction": np.where(records[:, layout.T_DIR] > 0, "long", "short").astype(object),
            "entry_time": pd.DatetimeIndex(stamps[entry_bar], tz="UTC").tz_convert(tz),
            "exit_time": pd.DatetimeIndex(exit_ns, tz="UTC").tz_convert(tz),
            "entry_price": entry_price,
            "exit_price": records[:, layout.T_XPRICE],
            "size": size,
            "pnl": pnl,
            "return": ret,
            "fees": records[:, layout.T_FEES],
            "exit_reason": np.asarray(layout.EXIT_REASONS, dtype=object)[
                records[:, layout.T_REASON].astype(np.int64)
            ],
            "status": np.where(is_open, "open", "closed").astype(object),
            "entry_bar": entry_bar,
            "exit_bar": exit_bar,
        },
        columns=list(TRADE_COLUMNS),
    )


def orders_frame(
    records: np.ndarray, index: pd.DatetimeIndex, assets: tuple[str, ...]
) -> pd.DataFrame:
    """The orders table from the kernel's order records (one row per fill)."""
    bars = records[:, layout.O_BAR].astype(np.int64)
    return pd.DataFrame(
        {
            "time": index[bars],
            "asset": np.asarray(assets, dtype=object)[records[:, layout.O_ASSET].astype(np.int64)],
            "side": np.where(records[:, layout.O_SIDE] > 0, "buy", "sell").astype(object),
            "size": records[:, layout.O_SIZE],
            "price": records[:, layout.O_PRICE],
            "fees": records[:, layout.O_FEES],
            "reason": np.asarray(layout.EXIT_REASONS, dtype=object)[
                records[:, layout.O_REASON].astype(np.int64)
            ],
            "bar": bars,
        },
        columns=list(ORDER_COLUMNS),
    )


@dataclass
class BacktestResult:
    """The outcome of one backtest.

    ``equity`` and ``cash`` are Series over the bars (equity = cash + positions marked at the
    close), ``positions`` holds signed units per asset, ``trades`` one row per trade (open
    trades are marked at the last close, status "open"), ``orders`` one row per fill. ``stats``
    is computed on first access by ``signaltrust.metrics.performance_summary``.
    """

    equity: pd.Series
    cash: pd.Series
    positions: pd.DataFrame
    trades: pd.DataFrame
    orders: pd.DataFrame
    close: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    periods_per_year: float | None = None
    benchmark: pd.Series | None = None
    bars: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def assets(self) -> list[str]:
        """Asset names, in the column order the engine processed them."""
        return list(self.positions.columns)

    @cached_property
    def stats(self) -> dict[str, Any]:
        """Summary statistics: final_equity, total_return, sharpe_ratio, max_drawdown, trades, ...

        ``total_return`` is measured from the starting cash (``start_equity``), so costs paid
        on the first bar count.
        """
        from signaltrust.metrics import performance_summary

        summary = performance_summary(
            self.equity,
            trades=self.trades,
            positions=self.positions,
            benchmark=self.benchmark,
            periods_per_year=self.periods_per_year,
        )
        start = float(self.settings.get("cash", self.equity.iloc[0]))
        final = float(self.equity.iloc[-1])
        summary["start_equity"] = start
        summary["final_equity"] = final
        summary["total_return"] = final / start - 1.0
        closed = self.trades["status"] == "closed"
        summary.setdefault("trades", int(closed.sum()))
        summary.setdefault("open_trades", int((~closed).sum()))
        summary["orders"] = len(self.orders)
        summary["fees_paid"] = float(self.orders["fees"].sum())
        return summary

    def to_dict(self, *, curves: bool = False) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``); ``curves`` adds equity and cash."""
        from signaltrust.core.serialize import to_plain

        out = self.__plain__()
        if curves:
            out.update(equity=self.equity, cash=self.cash)
        return to_plain(out)

    def __plain__(self) -> dict[str, Any]:
        """What ``--json`` and the API show: strategy, parameters, settings, statistics, trades."""
        engine = {k: v for k, v in self.params.items() if k not in ("strategy", "strategy_params")}
        return {
            "strategy": self.params.get("strategy"),
            "params": self.params.get("strategy_params", {}),
            "engine": engine,
            "assets": self.assets,
            "start": self.equity.index[0] if len(self.equity) else None,
            "end": self.equity.index[-1] if len(self.equity) else None,
            "bars": len(self.equity),
            "settings": self.settings,
            "stats": self.stats,
            "trades": self.trades,
        }

    def plot(self, benchmark: pd.Series | None = None) -> Any:
        """An interactive figure (Plotly): equity, drawdowns, trades; see backtest.tearsheet."""
        from signaltrust.backtest import tearsheet

        return tearsheet.figure(
            self, benchmark=benchmark if benchmark is not None else self.benchmark
        )

    def report(self, path: str | Path, benchmark: pd.Series | None = None,
               plotly: str = "file") -> Path:
        """Write the tearsheet (HTML, or PNG by suffix) to ``path``; see backtest.tearsheet
        (``plotly``: "file", one plotly.js shared by the reports of a folder; "inline")."""
        from signaltrust.backtest import tearsheet

        return tearsheet.write_report(
            self, path, benchmark=benchmark if benchmark is not None else self.benchmark,
            plotly=plotly,
        )

    def __repr__(self) -> str:
        return (
            f"BacktestResult(assets={self.assets}, bars={len(self.equity)}, "
            f"final_equity={float(self.equity.iloc[-1]):,.2f}, trades={len(self.trades)})"
        )
