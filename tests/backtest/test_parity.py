"""Parity (issue 4 item 5): the event engine and the vectorized engine give the same trades and
the same equity for every built-in rule strategy on the bundled data, with and without costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import run
from signaltrust.backtest.api import load_bars
from signaltrust.strategy.breakout_score import BreakoutScore

COSTS = {
    "no costs": {"fees": 0.0, "slippage": 0.0, "fixed_fees": 0.0, "min_fees": 0.0},
    "costs": {"fees": 0.001, "slippage": 0.0005, "fixed_fees": 1.0, "min_fees": 2.0},
}


def both(data, strategy, params=None, **kwargs):
    kwargs.setdefault("cash", 1_000_000)
    vectorized = run(data, strategy, params, **kwargs)
    event = run(data, strategy, params, engine="event", **kwargs)
    return vectorized, event


def assert_same(vectorized, event):
    tv, te = vectorized.trades, event.trades
    assert len(tv) == len(te) > 0
    assert (tv["entry_time"].to_numpy() == te["entry_time"].to_numpy()).all()
    assert tv["exit_time"].isna().tolist() == te["exit_time"].isna().tolist()
    closed = tv["status"] == "closed"
    assert (tv.loc[closed, "exit_time"].to_numpy() == te.loc[closed, "exit_time"].to_numpy()).all()
    assert (tv["asset"].to_numpy() == te["asset"].to_numpy()).all()
    np.testing.assert_allclose(te["size"], tv["size"], rtol=1e-9)
    np.testing.assert_allclose(te["entry_price"], tv["entry_price"], rtol=1e-12)
    np.testing.assert_allclose(
        te.loc[closed, "exit_price"], tv.loc[closed, "exit_price"], rtol=1e-12
    )
    np.testing.assert_allclose(te["pnl"], tv["pnl"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(event.equity.to_numpy(), vectorized.equity.to_numpy(), rtol=1e-9)
    final_v, final_e = vectorized.stats["final_equity"], event.stats["final_equity"]
    assert abs(final_e / final_v - 1) <= 1e-9


@pytest.mark.parametrize("fees", [0.0, 0.001])
def test_parity_when_sma_10_30_on_goog_then_same_final_equity_and_trades(fees):
    vectorized, event = both("goog", "sma_cross", {"fast": 10, "slow": 30}, fees=fees, slippage=0.0)
    assert_same(vectorized, event)
    assert event.stats["trades"] == vectorized.stats["trades"]
    if fees == 0.0:
        assert round(event.stats["final_equity"], 2) == 5_827_884.66


@pytest.mark.parametrize("cost", list(COSTS))
@pytest.mark.parametrize("data", ["goog", "sp500"])
@pytest.mark.parametrize(
    "strategy", ["sma_cross", "bollinger_rsi", "donchian_breakout", "ts_momentum"]
)
def test_parity_when_builtin_rule_then_same_trades_and_equity(strategy, data, cost):
    assert_same(*both(data, strategy, **COSTS[cost]))


@pytest.mark.parametrize("strategy", ["sma_cross", "donchian_breakout"])
def test_parity_when_short_and_fill_at_close_then_same_trades(strategy):
    assert_same(*both("goog", strategy, {"allow_short": True}, **COSTS["costs"]))
    assert_same(*both("goog", strategy, fill_at="close", **COSTS["costs"]))


@pytest.mark.slow
@pytest.mark.parametrize("cost", list(COSTS))
def test_parity_when_breakout_score_then_same_trades_and_equity(cost):
    # no compiled kernel: the adapter runs the pandas compute on a window per bar (slow)
    assert_same(*both("goog", "breakout_score", **COSTS[cost]))


@pytest.mark.slow
def test_parity_when_breakout_score_on_two_assets_then_same_trades_and_equity():
    # the entry is a level (score >= threshold, every bar): a float-dust position in the other
    # asset used to block its later real entry (no pyramiding) and moved equity by 8.8%
    assert_same(*both(["goog", "sp500"], "breakout_score", **COSTS["no costs"]))


@pytest.mark.parametrize("cost", list(COSTS))
@pytest.mark.parametrize("strategy", ["sma_cross", "donchian_breakout"])
def test_parity_when_two_assets_all_in_then_same_trades_without_float_dust(strategy, cost):
    # All in on one asset leaves float noise (about 1e-10) as buying power: neither engine
    # places an order whose allocation is at most 1e-9 of equity, so the tables match exactly
    vectorized, event = both(["goog", "sp500"], strategy, **COSTS[cost])
    assert_same(vectorized, event)
    notional = vectorized.trades["size"] * vectorized.trades["entry_price"]
    assert (notional > 1e-9 * vectorized.stats["final_equity"]).all()


@pytest.mark.parametrize(
    "stops",
    [{"sl_stop": 0.05}, {"tsl_stop": 0.05}, {"sl_stop": 0.08, "tsl_stop": 0.05, "tp_stop": 0.2}],
)
@pytest.mark.parametrize("short", [False, True])
def test_parity_when_stops_then_same_trades_exit_reasons_and_equity(stops, short):
    # with slippage: stop-loss and trailing stop are stop-market orders (level or open, plus
    # slippage), the take-profit a limit order (level, or the better open, no slippage)
    vectorized, event = both(
        "goog", "sma_cross", {"allow_short": short}, **stops, **COSTS["costs"]
    )
    assert_same(vectorized, event)
    assert vectorized.trades["exit_reason"].tolist() == event.trades["exit_reason"].tolist()
    assert (event.trades["exit_reason"] != "signal").sum() > 0
    if "tp_stop" in stops:
        assert (event.trades["exit_reason"] == "take_profit").sum() > 0


@pytest.mark.parametrize("short", [False, True])
def test_take_profit_when_slippage_then_fills_at_level_or_better_open_without_slippage(short):
    tp = 0.05
    bars = load_bars("goog")
    result = run(
        bars, "sma_cross", {"allow_short": short}, tp_stop=tp, cash=1_000_000, **COSTS["costs"]
    )
    trades = result.trades[result.trades["exit_reason"] == "take_profit"]
    assert len(trades) > 0
    assert (trades["direction"] == "short").any() == short
    sign = np.where(trades["direction"] == "short", -1.0, 1.0)
    level = (trades["entry_price"] * (1 + sign * tp)).to_numpy()
    opens = bars["open"].iloc[trades["exit_bar"].astype(int)].to_numpy()
    gapped = sign * (opens - level) >= 0.0
    expected = np.where(gapped, opens, level)
    np.testing.assert_allclose(trades["exit_price"].to_numpy(), expected, rtol=1e-12)


def test_parity_when_stops_and_fill_at_close_then_same_trades():
    stops = {"sl_stop": 0.05, "tp_stop": 0.08}
    assert_same(
        *both("sp500", "donchian_breakout", fill_at="close", fees=0.001, slippage=0.0, **stops)
    )


def _business_day_bars(n: int, holiday: int, seed: int) -> pd.DataFrame:
    days = pd.bdate_range("2021-01-04", periods=n + 1, tz="UTC").as_unit("ns")
    index = days.delete(holiday)  # one holiday: the full index has no frequency, windows do
    close = 100 * np.exp(np.cumsum(np.random.default_rng(seed).normal(0, 0.02, n)))
    spread = np.abs(np.random.default_rng(seed + 1).normal(0, 0.01, n)) * close
    return pd.DataFrame(
        {"open": close, "high": close + spread, "low": close - spread, "close": close,
         "volume": 1e6},
        index=index,
    )


@pytest.mark.slow
def test_parity_when_breakout_score_with_series_on_business_days_then_same_trades():
    # the event adapter scores a window of recent bars: the bars' period (here one day, a
    # window without the holiday infers "B") and the rank windows must match the full run's
    bars = _business_day_bars(400, holiday=200, seed=7)
    calendar = pd.date_range(bars.index[0] - pd.Timedelta(days=40), bars.index[-1], freq="D")
    stress = pd.Series(np.random.default_rng(3).normal(0, 1, len(calendar)), index=calendar)
    strategy = BreakoutScore(macro=stress, onchain=stress.rolling(5).mean())
    params = {"rank_window": 100, "lookback": 10, "threshold": 0.6}
    assert_same(*both(bars, strategy, params, **COSTS["costs"]))
