"""The vectorized engine's pandas API: fills, costs, stops, sizing, shorts, shared cash, targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import simulate_signals, simulate_targets
from signaltrust.core.errors import ValidationError

GOOG = "src/signaltrust/data/bundled/goog_daily_2004_2013.csv.gz"
NO_COSTS = {"fees": 0.0, "slippage": 0.0}


def make_bars(opens, closes=None, highs=None, lows=None, start="2024-01-01"):
    """Daily bars; high/low default to the max/min of open and close."""
    opens = np.asarray(opens, dtype=float)
    closes = opens.copy() if closes is None else np.asarray(closes, dtype=float)
    highs = np.fmax(opens, closes) if highs is None else np.asarray(highs, dtype=float)
    lows = np.fmin(opens, closes) if lows is None else np.asarray(lows, dtype=float)
    index = pd.date_range(start, periods=len(opens), freq="D", tz="UTC").as_unit("ns")
    return pd.DataFrame({"open": opens, "high": highs, "low": lows, "close": closes}, index=index)


def flags(bars, *bars_on):
    signal = pd.Series(False, index=bars.index)
    signal.iloc[list(bars_on)] = True
    return signal


def load_goog():
    frame = pd.read_csv(GOOG, index_col=0, parse_dates=True)
    frame.columns = [c.lower() for c in frame.columns]
    frame.index = pd.DatetimeIndex(frame.index).tz_localize("UTC").as_unit("ns")
    return frame


def test_simulate_when_sma_cross_on_goog_then_final_equity_matches_vectorbt_reference():
    bars = load_goog()
    fast = bars["close"].rolling(10).mean()
    slow = bars["close"].rolling(30).mean()
    entries = (fast > slow) & (fast.shift(1) <= slow.shift(1))
    exits = (fast < slow) & (fast.shift(1) >= slow.shift(1))
    result = simulate_signals(bars, entries, exits, cash=1_000_000, allow_short=False, **NO_COSTS)
    assert round(result.stats["final_equity"], 2) == 5_827_884.66
    assert result.trades["status"].iloc[-1] == "open"  # marked at the last close, not closed


def test_simulate_when_costs_on_then_round_trip_matches_hand_computation_to_the_cent():
    bars = make_bars([100, 102, 104, 103, 106], closes=[101, 103, 105, 104, 107])
    result = simulate_signals(
        bars,
        flags(bars, 0),
        flags(bars, 2),
        cash=10_000,
        fees=0.001,
        fixed_fees=1.0,
        slippage=0.001,
        allow_short=False,
    )
    # entry decided at the close of bar 0, filled at the open of bar 1: 102 * 1.001 = 102.102
    # units so that units * 102.102 * (1 + 0.001) + 1.0 = 10,000 -> units = 9,999 / 102.204102
    #   = 97.83364663778..., notional 9,989.01098901, fee 0.001 * 9,989.01 + 1 = 10.98901099
    #   -> cash after the buy: 10,000 - 9,989.01098901 - 10.98901099 = 0.00
    # exit decided at the close of bar 2, filled at the open of bar 3: 103 * 0.999 = 102.897
    #   proceeds 97.83364664 * 102.897 = 10,066.78873809, fee 0.001 * that + 1 = 11.06678874
    #   -> final cash 10,066.78873809 - 11.06678874 = 10,055.72194935
    units = 9_999 / (102.102 * 1.001)
    assert result.trades["size"].iloc[0] == pytest.approx(units, rel=1e-12)
    assert round(result.equity.iloc[-1], 2) == 10_055.72
    assert round(result.trades["fees"].iloc[0], 2) == round(10.98901099 + 11.06678874, 2)
    assert round(result.trades["pnl"].iloc[0], 2) == 55.72
    assert result.trades["entry_price"].iloc[0] == pytest.approx(102.102)
    assert result.trades["exit_price"].iloc[0] == pytest.approx(102.897)


def test_simulate_when_next_open_then_entry_fills_at_the_following_bar_open():
    bars = make_bars([10, 11, 12, 13], closes=[10.5, 11.5, 12.5, 13.5])
    result = simulate_signals(bars, flags(bars, 1), cash=1_000, **NO_COSTS)
    trade = result.trades.iloc[0]
    assert trade["entry_bar"] == 2 and trade["entry_price"] == 12
    assert trade["size"] == pytest.approx(1_000 / 12)  # fractional units, all in
    assert result.equity.iloc[1] == 1_000  # nothing held through bar 1


def test_simulate_when_fill_at_close_then_entry_fills_at_the_signal_bar_close():
    bars = make_bars([10, 11, 12, 13], closes=[10.5, 11.5, 12.5, 13.5])
    result = simulate_signals(
        bars, flags(bars, 1), cash=1_000, fill_at="close", fees=0.0, slippage=0.01
    )
    trade = result.trades.iloc[0]
    assert trade["entry_bar"] == 1
    assert trade["entry_price"] == pytest.approx(11.5 * 1.01)


def test_simulate_when_bar_hits_both_stop_and_target_then_stop_loss_is_taken_first():
    bars = make_bars([100, 100, 100, 100], highs=[100, 100, 115, 100], lows=[100, 100, 90, 100])
    result = simulate_signals(
        bars, flags(bars, 0), cash=1_000, sl_stop=0.05, tp_stop=0.10, **NO_COSTS
    )
    trade = result.trades.iloc[0]
    assert trade["exit_reason"] == "stop_loss"
    assert trade["exit_price"] == pytest.approx(95.0)
    assert trade["exit_bar"] == 2


def test_simulate_when_bar_gaps_through_stop_then_exit_fills_at_the_open():
    bars = make_bars([100, 100, 90, 90], closes=[100, 100, 91, 90], lows=[100, 100, 88, 90])
    result = simulate_signals(
        bars, flags(bars, 0), cash=1_000, sl_stop=0.05, slippage=0.001, fees=0.0
    )
    trade = result.trades.iloc[0]
    assert trade["exit_reason"] == "stop_loss"
    assert trade["exit_price"] == pytest.approx(90 * 0.999)  # the open, worse than the 95.095 stop


def test_simulate_when_entry_bar_falls_below_stop_then_stop_is_live_on_the_entry_bar():
    bars = make_bars([100, 100, 100], closes=[100, 97, 100], lows=[100, 94, 100])
    result = simulate_signals(bars, flags(bars, 0), cash=1_000, sl_stop=0.05, **NO_COSTS)
    trade = result.trades.iloc[0]
    assert (trade["entry_bar"], trade["exit_bar"]) == (1, 1)
    assert trade["exit_price"] == pytest.approx(95.0)


def test_simulate_when_high_reaches_target_then_take_profit_fills_at_its_level():
    bars = make_bars([100, 100, 104, 104], highs=[100, 102, 111, 104])
    result = simulate_signals(bars, flags(bars, 0), cash=1_000, tp_stop=0.10, **NO_COSTS)
    trade = result.trades.iloc[0]
    assert trade["exit_reason"] == "take_profit" and trade["exit_price"] == pytest.approx(110.0)


def test_simulate_when_price_falls_from_its_high_then_trailing_stop_exits_below_the_peak():
    bars = make_bars(
        [100, 100, 110, 118, 112],
        closes=[100, 108, 118, 115, 110],
        highs=[100, 110, 120, 119, 113],
        lows=[100, 99, 108, 109, 100],
    )
    result = simulate_signals(bars, flags(bars, 0), cash=1_000, tsl_stop=0.10, **NO_COSTS)
    trade = result.trades.iloc[0]
    # peak after bar 2 is its high 120; bar 3's low 109 stays above 108; bar 4 touches 108
    assert trade["exit_reason"] == "trailing_stop"
    assert trade["exit_bar"] == 4 and trade["exit_price"] == pytest.approx(108.0)


def test_simulate_when_short_and_price_falls_then_pnl_is_the_decline_times_units():
    bars = make_bars([50, 50, 40, 40], closes=[50, 45, 40, 40])
    result = simulate_signals(
        bars, None, short_entries=flags(bars, 0), short_exits=flags(bars, 1), cash=1_000, **NO_COSTS
    )
    trade = result.trades.iloc[0]
    assert trade["direction"] == "short" and trade["size"] == pytest.approx(20.0)
    assert trade["pnl"] == pytest.approx(20 * (50 - 40))
    assert result.equity.iloc[-1] == pytest.approx(1_200)
    assert result.positions.iloc[1, 0] == pytest.approx(-20.0)


def test_simulate_when_opposite_entry_then_position_reverses():
    bars = make_bars([10, 10, 12, 12, 11], closes=[10, 11, 12, 11, 11])
    result = simulate_signals(
        bars, flags(bars, 0), short_entries=flags(bars, 2), cash=1_000, **NO_COSTS
    )
    first, second = result.trades.iloc[0], result.trades.iloc[1]
    assert first["exit_reason"] == "reverse" and first["exit_bar"] == 3
    assert second["direction"] == "short" and second["status"] == "open"
    assert second["entry_bar"] == 3 and second["size"] == pytest.approx(1_200 / 12)


def test_simulate_when_entries_repeat_while_long_then_no_pyramiding():
    bars = make_bars([10, 10, 10, 10, 10])
    result = simulate_signals(bars, flags(bars, 0, 1, 2), cash=1_000, **NO_COSTS)
    assert len(result.trades) == 1 and len(result.orders) == 1


def test_simulate_when_leverage_two_and_size_two_then_exposure_is_twice_equity():
    bars = make_bars([10, 10, 11, 11])
    levered = simulate_signals(bars, flags(bars, 0), cash=1_000, size=2.0, leverage=2.0, **NO_COSTS)
    capped = simulate_signals(bars, flags(bars, 0), cash=1_000, size=2.0, leverage=1.0, **NO_COSTS)
    assert levered.positions.iloc[1, 0] == pytest.approx(200.0)
    assert levered.cash.iloc[1] == pytest.approx(-1_000.0)
    assert levered.equity.iloc[-1] == pytest.approx(1_200.0)
    assert capped.positions.iloc[1, 0] == pytest.approx(100.0)


def test_simulate_when_one_asset_exits_as_another_enters_then_freed_cash_funds_the_entry():
    a = make_bars([10, 10, 20, 20], closes=[10, 10, 20, 20])
    b = make_bars([5, 5, 5, 5])
    entries = pd.DataFrame(
        {"b": [False, True, False, False], "a": [True, False, False, False]}, index=a.index
    )
    exits = pd.DataFrame({"a": [False, True, False, False], "b": False}, index=a.index)
    result = simulate_signals({"a": a, "b": b}, entries, exits, cash=1_000, **NO_COSTS)
    # a: bought 100 at 10 (bar 1), sold at 20 (bar 2) -> 2,000 freed; b bought at bar 2 with it
    assert result.positions["b"].iloc[2] == pytest.approx(2_000 / 5)
    assert result.cash.iloc[2] == pytest.approx(0.0, abs=1e-9)


def test_simulate_when_several_assets_take_half_each_then_cash_is_shared():
    a, b = make_bars([10, 10, 10]), make_bars([20, 20, 20])
    entries = pd.Series([True, False, False], index=a.index)
    result = simulate_signals({"a": a, "b": b}, entries, cash=1_000, size=0.5, **NO_COSTS)
    assert result.positions.iloc[1].tolist() == pytest.approx([50.0, 25.0])
    assert result.cash.iloc[1] == pytest.approx(0.0, abs=1e-9)


def test_simulate_when_fill_bar_price_is_nan_then_order_waits_for_the_next_price():
    a = make_bars([10, 10, 10, 12, 12])
    b = make_bars([10, 11, 12])  # ends two bars early: NaN afterwards on the union index
    b = b.set_axis(a.index[[0, 1, 3]])
    entries = pd.DataFrame({"a": False, "b": [False, True, False, False, False]}, index=a.index)
    result = simulate_signals({"a": a, "b": b}, entries, cash=1_000, **NO_COSTS)
    trade = result.trades.iloc[0]
    assert trade["asset"] == "b" and trade["entry_bar"] == 3  # bar 2 has no b price
    assert np.isfinite(result.equity).all()


def test_simulate_when_close_is_missing_then_position_is_valued_at_the_last_close():
    a = make_bars([10, 10, 10, 10])
    b = make_bars([10, 10, 10, 10], closes=[10, 10, 11, 12])
    b.loc[b.index[2], ["open", "high", "low", "close"]] = np.nan
    entries = pd.DataFrame({"a": False, "b": [True, False, False, False]}, index=a.index)
    result = simulate_signals({"a": a, "b": b}, entries, cash=1_000, **NO_COSTS)
    assert result.equity.iloc[2] == pytest.approx(1_000.0)  # b still valued at 10
    assert result.equity.iloc[3] == pytest.approx(1_200.0)


def test_simulate_when_size_type_units_or_value_then_orders_have_that_size():
    bars = make_bars([10, 10, 10])
    units = simulate_signals(
        bars, flags(bars, 0), cash=1_000, size=7, size_type="units", **NO_COSTS
    )
    value = simulate_signals(
        bars, flags(bars, 0), cash=1_000, size=250, size_type="value", **NO_COSTS
    )
    assert units.trades["size"].iloc[0] == 7
    assert value.trades["size"].iloc[0] == pytest.approx(25)


def test_simulate_when_position_open_at_end_then_trade_pnl_adds_up_to_equity_change():
    bars = make_bars([10, 11, 12, 13, 14], closes=[11, 12, 13, 14, 15])
    result = simulate_signals(
        bars,
        flags(bars, 0, 3),
        flags(bars, 2),
        cash=1_000,
        fees=0.002,
        fixed_fees=0.5,
        slippage=0.001,
    )
    assert list(result.trades["status"]) == ["closed", "open"]
    assert result.trades["exit_reason"].iloc[-1] == "open"
    assert pd.isna(result.trades["exit_time"].iloc[-1])
    assert result.trades["exit_price"].iloc[-1] == 15
    assert result.trades["pnl"].sum() == pytest.approx(result.equity.iloc[-1] - 1_000, abs=1e-9)


def test_simulate_targets_when_weight_changes_then_rebalances_at_the_next_open():
    bars = make_bars([10, 20, 25, 40], closes=[10, 20, 25, 40])
    weights = pd.Series([0.5, np.nan, 0.0, np.nan], index=bars.index)
    result = simulate_targets(bars, weights, cash=1_000, **NO_COSTS)
    # bar 1 open 20: equity 1,000 -> 0.5 * 1,000 / 20 = 25 units; bar 3 open 40: all sold
    assert result.positions.iloc[1, 0] == pytest.approx(25.0)
    assert result.positions.iloc[3, 0] == 0.0
    assert result.equity.iloc[-1] == pytest.approx(500 + 25 * 40)


def test_simulate_targets_when_units_given_then_holds_those_units():
    a, b = make_bars([10, 10, 10]), make_bars([5, 5, 5])
    targets = pd.DataFrame({"a": [3.0, -2.0, np.nan], "b": [10.0, np.nan, np.nan]}, index=a.index)
    result = simulate_targets(
        {"a": a, "b": b}, targets, target_type="units", cash=1_000, **NO_COSTS
    )
    assert result.positions.iloc[1].tolist() == [3.0, 10.0]
    assert result.positions.iloc[2].tolist() == [-2.0, 10.0]
    assert result.trades["exit_reason"].iloc[0] == "reverse"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fees": -0.01}, "fees"),
        ({"size": 0}, "size"),
        ({"fill_at": "open"}, "fill_at"),
        ({"size_type": "shares"}, "size_type"),
        ({"sl_stop": -0.1}, "sl_stop"),
        ({"cash": 0}, "cash"),
        ({"leverage": 0}, "leverage"),
    ],
)
def test_simulate_when_argument_is_invalid_then_validation_error_names_the_field(kwargs, field):
    bars = make_bars([10, 10, 10])
    with pytest.raises(ValidationError) as info:
        simulate_signals(bars, flags(bars, 0), **kwargs)
    assert info.value.field == field and info.value.fix


def test_simulate_when_signal_index_is_misaligned_then_validation_error_gives_the_fix():
    bars = make_bars([10, 10, 10])
    with pytest.raises(ValidationError) as info:
        simulate_signals(bars, flags(bars, 0).iloc[:2])
    assert info.value.field == "entries" and "reindex" in info.value.fix


def test_simulate_when_signal_has_missing_values_then_validation_error():
    bars = make_bars([10, 10, 10])
    with pytest.raises(ValidationError) as info:
        simulate_signals(bars, pd.Series([True, None, False], index=bars.index, dtype=object))
    assert info.value.field == "entries"


def test_simulate_when_short_entries_but_shorting_off_then_validation_error():
    bars = make_bars([10, 10, 10])
    with pytest.raises(ValidationError) as info:
        simulate_signals(bars, None, short_entries=flags(bars, 0), allow_short=False)
    assert info.value.field == "short_entries"


def test_simulate_when_costs_not_given_then_the_default_costs_apply(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__FEES", "0.002")  # read at the CLI only
    bars = make_bars([10, 10, 10])
    result = simulate_signals(bars, flags(bars, 0))
    assert result.settings["fees"] == 0.001 and result.settings["slippage"] == pytest.approx(0.0002)
    assert result.orders["fees"].iloc[0] > 0
