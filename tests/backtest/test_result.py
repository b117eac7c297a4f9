"""BacktestResult: the trades and orders tables, the statistics, and the tearsheet delegation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import BacktestResult, simulate_signals
from signaltrust.backtest.result import TRADE_COLUMNS


def small_result(**kwargs) -> BacktestResult:
    index = pd.date_range("2023-01-02", periods=8, freq="B", tz="UTC").as_unit("ns")
    close = np.array([10, 11, 12, 11, 10, 12, 13, 14], dtype=float)
    bars = pd.DataFrame(
        {"open": close - 0.5, "high": close + 1, "low": close - 1, "close": close}, index=index
    )
    entries = pd.Series([True, False, False, False, True, False, False, False], index=index)
    exits = pd.Series([False, False, True, False, False, False, False, False], index=index)
    return simulate_signals(bars, entries, exits, cash=1_000, **kwargs)


def test_result_when_backtest_ran_then_trades_table_has_the_documented_columns_and_types():
    trades = small_result().trades
    assert tuple(trades.columns) == TRADE_COLUMNS
    assert list(trades["status"]) == ["closed", "open"]
    assert list(trades["direction"]) == ["long", "long"]
    assert str(trades["entry_time"].dt.tz) == "UTC"
    assert trades["exit_time"].iloc[0] == trades["entry_time"].iloc[0] + pd.offsets.BDay(2)
    assert trades["return"].iloc[0] == pytest.approx(
        trades["pnl"].iloc[0] / (trades["entry_price"].iloc[0] * trades["size"].iloc[0])
    )


def test_result_when_stats_read_then_headline_keys_are_present_and_consistent():
    result = small_result(fees=0.001, slippage=0.0002)
    stats = result.stats
    for key in (
        "final_equity",
        "total_return",
        "sharpe_ratio",
        "max_drawdown",
        "trades",
        "win_rate",
    ):
        assert key in stats
    assert stats["final_equity"] == result.equity.iloc[-1]
    assert stats["total_return"] == pytest.approx(result.equity.iloc[-1] / 1_000 - 1)
    assert stats["trades"] == 1 and stats["open_trades"] == 1
    assert stats["fees_paid"] == pytest.approx(result.orders["fees"].sum())
    assert len(result.orders) == 3


def test_result_when_created_then_params_and_costs_are_recorded():
    result = small_result(fees=0.0, slippage=0.0, sl_stop=0.2)
    assert result.settings["fees"] == 0.0 and result.settings["fill_at"] == "next_open"
    assert result.params["sl_stop"] == 0.2 and result.params["size_type"] == "percent"


def test_result_when_report_written_then_the_tearsheet_file_exists(tmp_path):
    pytest.importorskip("signaltrust.backtest.tearsheet")
    from signaltrust.backtest import tearsheet

    if not hasattr(tearsheet, "write_report"):
        pytest.skip("the tearsheet module is not complete yet")
    path = small_result().report(tmp_path / "report.html")
    assert path.exists() and path.stat().st_size > 0
