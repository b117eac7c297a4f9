"""Trade statistics of a hand-built trades table: closed trades only, documented edge values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.metrics import TRADE_COLUMNS, TRADE_STATS, exposure, trade_stats, turnover

T = pd.Timestamp


def _trade(direction, entry, exit_, entry_price, exit_price, size, fees, status="closed"):
    sign = 1.0 if direction == "long" else -1.0
    mark = exit_price if exit_price is not None else entry_price
    pnl = sign * (mark - entry_price) * size - fees
    return {
        "asset": "X",
        "direction": direction,
        "entry_time": T(entry, tz="UTC"),
        "exit_time": T(exit_, tz="UTC") if exit_ else pd.NaT,
        "entry_price": entry_price,
        "exit_price": exit_price if exit_price is not None else np.nan,
        "size": size,
        "pnl": pnl,
        "return": pnl / (entry_price * size),
        "fees": fees,
        "exit_reason": "signal" if exit_ else None,
        "status": status,
    }


@pytest.fixture
def trades() -> pd.DataFrame:
    rows = [
        _trade("long", "2020-01-02", "2020-01-06", 100.0, 110.0, 10.0, 1.0),  # +99, 4 days
        _trade("short", "2020-01-07", "2020-01-09", 50.0, 55.0, 20.0, 1.0),  # -101, 2 days
        _trade("long", "2020-01-10", "2020-01-15", 20.0, 22.0, 100.0, 2.0),  # +198, 5 days
        _trade("long", "2020-01-20", None, 30.0, None, 10.0, 0.5, status="open"),
    ]
    return pd.DataFrame(rows, columns=list(TRADE_COLUMNS))


def test_trade_stats_when_closed_and_open_trades_then_counts_closed_only(trades):
    stats = trade_stats(trades)
    assert list(stats) == list(TRADE_STATS)
    assert stats["count"] == 3 and stats["open_count"] == 1


def test_trade_stats_when_two_wins_one_loss_then_hand_computed_values(trades):
    stats = trade_stats(trades)
    pnl = [99.0, -101.0, 198.0]
    rets = [0.099, -0.101, 0.099]
    assert stats["win_rate"] == pytest.approx(2 / 3)
    assert stats["profit_factor"] == pytest.approx((99 + 198) / 101)
    assert stats["expectancy"] == pytest.approx(sum(pnl) / 3)
    assert stats["avg_trade"] == pytest.approx(sum(rets) / 3)
    assert stats["best_trade"] == pytest.approx(0.099) and stats["worst_trade"] == pytest.approx(
        -0.101
    )
    assert stats["avg_win"] == pytest.approx(0.099) and stats["avg_loss"] == pytest.approx(-0.101)
    assert stats["avg_holding_time"] == pd.Timedelta(days=11) / 3
    assert stats["sqn"] == pytest.approx(math.sqrt(3) * np.mean(rets) / np.std(rets, ddof=1))
    assert stats["kelly_fraction"] == pytest.approx(2 / 3 - (1 / 3) / (0.099 / 0.101))


def test_trade_stats_when_equity_and_positions_given_then_turnover_and_exposure(trades):
    index = pd.bdate_range("2020-01-01", periods=252, tz="UTC").as_unit("ns")
    equity = pd.Series(10_000.0, index=index)
    positions = pd.Series(0.0, index=index)
    positions.iloc[1:4] = 10.0
    positions.iloc[10:20] = -20.0
    stats = trade_stats(trades, equity=equity, positions=positions)
    # entries 1000 + 1000 + 2000 + 300 and exits 1100 + 1100 + 2200, over one year of 10,000 equity
    assert stats["turnover"] == pytest.approx(8700.0 / 10_000.0)
    assert stats["exposure"] == pytest.approx(13 / 252)
    assert turnover(trades, equity.iloc[:126]) == pytest.approx(8700.0 / 10_000.0 * 2)


def test_exposure_when_several_assets_then_any_non_zero_position_counts():
    positions = pd.DataFrame({"a": [0, 1, 0, 0, np.nan], "b": [0, 0, -2, 0, 0]})
    assert exposure(positions) == pytest.approx(2 / 5)


def test_trade_stats_when_no_trades_then_count_zero_and_nan_elsewhere():
    stats = trade_stats(pd.DataFrame(columns=list(TRADE_COLUMNS)))
    assert stats["count"] == 0 and stats["open_count"] == 0
    for key in TRADE_STATS:
        if key not in ("count", "open_count", "avg_holding_time"):
            assert math.isnan(stats[key]), key


def test_trade_stats_when_no_losses_then_profit_factor_infinite_and_kelly_the_win_rate(trades):
    winners = trades.iloc[[0, 2]]
    stats = trade_stats(winners)
    assert stats["profit_factor"] == math.inf
    assert stats["kelly_fraction"] == 1.0
    assert math.isnan(stats["avg_loss"])


def test_trade_stats_when_no_wins_then_profit_factor_zero_and_kelly_nan(trades):
    stats = trade_stats(trades.iloc[[1]])
    assert stats["profit_factor"] == 0.0
    assert math.isnan(stats["kelly_fraction"]) and math.isnan(stats["sqn"])


def test_trade_stats_when_status_column_absent_then_open_means_no_exit_time(trades):
    stats = trade_stats(trades.drop(columns=["status"]))
    assert stats["count"] == 3 and stats["open_count"] == 1


def test_trade_stats_when_columns_missing_then_error_names_them(trades):
    with pytest.raises(ValidationError, match="pnl"):
        trade_stats(trades.drop(columns=["pnl"]))


def test_turnover_when_equity_has_no_timestamps_and_no_periods_then_error_names_the_fix(trades):
    with pytest.raises(ValidationError, match="periods_per_year"):
        turnover(trades, pd.Series([1000.0, 1000.0]))


def test_trade_stats_when_status_spelled_in_capitals_then_same_as_lower_case(trades):
    shouted = trades.assign(status=trades["status"].str.upper())
    assert trade_stats(shouted) == trade_stats(trades)
    assert trade_stats(shouted)["open_count"] == 1
