"""signaltrust.backtest.run: datasets or bars in, a BacktestResult out, costs on by default."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest.api import run
from signaltrust.core.errors import ValidationError
from signaltrust.strategy import SmaCross


def _bars(opens, closes) -> pd.DataFrame:
    index = pd.date_range("2021-01-04", periods=len(opens), freq="D", tz="UTC").as_unit("ns")
    opens = np.asarray(opens, float)
    closes = np.asarray(closes, float)
    return pd.DataFrame(
        {"open": opens, "high": np.maximum(opens, closes), "low": np.minimum(opens, closes),
         "close": closes, "volume": 1e6},
        index=index,
    )


def test_run_when_sma_10_30_on_goog_without_costs_then_final_equity_is_the_reference():
    result = run("goog", "sma_cross", params={"fast": 10, "slow": 30}, cash=1_000_000, fees=0,
                 slippage=0)
    # the reference: vectorbt's from_signals on the same orders
    assert round(result.stats["final_equity"], 2) == 5_827_884.66
    assert result.stats["fees_paid"] == 0.0
    assert result.params["strategy"] == "sma_cross"


def test_run_when_costs_not_given_then_configured_costs_are_charged():
    free = run("goog", "sma_cross", cash=1_000_000, fees=0, slippage=0)
    default = run("goog", "sma_cross", cash=1_000_000)
    assert default.settings["fees"] == 0.001
    assert default.settings["slippage"] == pytest.approx(0.0002)
    assert default.stats["fees_paid"] > 0
    assert default.stats["final_equity"] < free.stats["final_equity"]
    assert default.stats["trades"] == free.stats["trades"]


def test_run_when_costs_come_from_a_config_with_zero_fees_then_no_fees_are_paid(monkeypatch):
    from signaltrust.backtest import Costs
    from signaltrust.core.config import load_settings

    monkeypatch.setenv("SIGNALTRUST__BACKTEST__FEES", "0")
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__SLIPPAGE_BPS", "0")
    costs = Costs.from_settings(load_settings().backtest)  # the boundary reads the config
    result = run("goog", "sma_cross", cash=1_000_000, costs=costs)
    assert result.stats["fees_paid"] == 0.0
    assert round(result.stats["final_equity"], 2) == 5_827_884.66


def test_run_when_no_costs_given_then_the_defaults_apply_whatever_the_config_says(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__FEES", "0")  # library code never reads it
    result = run("goog", "sma_cross", cash=1_000_000)
    assert result.settings["fees"] == 0.001 and result.stats["fees_paid"] > 0


def test_run_when_hand_computed_costs_then_final_equity_matches_to_the_cent():
    # sma_cross fast=1 slow=2: SMA1 - SMA2 = (c[t] - c[t-1]) / 2 turns positive at t2 (entry)
    # and negative at t4 (exit); each fills at the next bar's open
    bars = _bars(opens=[100, 100, 100, 100, 110, 120], closes=[100, 100, 101, 101, 100, 100])
    result = run(bars, "sma_cross", params={"fast": 1, "slow": 2}, cash=1000.0, fees=0.01,
                 slippage=0.01)
    buy = 100 * 1.01  # t3 open plus 1% slippage
    units = 1000.0 / (buy * 1.01)  # all in, 1% fee on top
    sell = 120 * 0.99  # t5 open minus 1% slippage
    cash = units * sell * (1 - 0.01)
    assert result.stats["final_equity"] == pytest.approx(cash, abs=0.005)
    assert int(result.stats["trades"]) == 1


def test_run_when_strategy_object_and_dataframe_then_same_as_names():
    from signaltrust.data.catalog import load

    by_name = run("goog", "sma_cross", params={"fast": 5, "slow": 40}, fees=0, slippage=0)
    by_object = run(load("goog"), SmaCross(fast=5, slow=40), fees=0, slippage=0)
    assert by_object.stats["final_equity"] == by_name.stats["final_equity"]


def test_run_when_several_assets_then_they_share_one_account():
    result = run(["goog", "sp500"], "sma_cross", cash=1_000_000, fees=0, slippage=0)
    assert result.assets == ["goog", "sp500"]
    assert set(result.trades["asset"]) == {"goog", "sp500"}


def test_run_when_engine_unknown_then_validation_error_lists_the_engines():
    with pytest.raises(ValidationError, match="vectorized") as info:
        run("goog", "sma_cross", engine="turbo")
    assert info.value.field == "engine"


def test_run_when_fast_not_below_slow_then_error_names_the_parameter():
    with pytest.raises(ValidationError) as info:
        run("goog", "sma_cross", params={"fast": 50, "slow": 20})
    assert info.value.field == "sma_cross.fast"
    assert "fast must be < slow" in str(info.value)


def test_run_when_dataset_is_not_bars_then_validation_error_lists_bar_datasets():
    with pytest.raises(ValidationError, match="goog"):
        run("vix", "sma_cross")


def test_run_when_short_allowed_then_short_trades_appear():
    result = run("goog", "sma_cross", params={"allow_short": True}, fees=0, slippage=0)
    assert (result.trades["direction"] == "short").any()


def test_report_when_written_then_html_file_exists(tmp_path):
    result = run("goog", "donchian_breakout")
    path = result.report(tmp_path / "report.html")
    assert path.exists() and path.stat().st_size > 1000
