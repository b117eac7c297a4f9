"""The numba kernels: fees, sizing, stop rules, stats-only against full simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest.nb import (
    layout,
    order_fees,
    signals_stats_nb,
    simulate_signals_nb,
    simulate_targets_nb,
    stop_exit,
    targets_stats_nb,
    units_for_cash,
)


def random_market(n_bars, n_assets, seed):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_bars, n_assets)), axis=0))
    open_ = close * np.exp(rng.normal(0, 0.01, close.shape))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.02, close.shape))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.02, close.shape))
    signals = [rng.random((n_bars, n_assets)) < 0.05 for _ in range(4)]
    return open_, high, low, close, signals


def run_both(open_, high, low, close, signals, **overrides):
    args = dict(
        cash0=10_000.0,
        fees=0.001,
        fixed_fees=0.5,
        min_fees=1.0,
        slippage=0.0005,
        fill_at_close=False,
        size_type=0,
        size=0.6,
        sl_stop=0.05,
        tp_stop=0.08,
        tsl_stop=0.06,
        leverage=1.5,
        allow_short=True,
        periods_per_year=252.0,
    )
    args.update(overrides)
    full = simulate_signals_nb(open_, high, low, close, *signals, *args.values())
    stats = signals_stats_nb(open_, high, low, close, *signals, *args.values())
    return full, stats


def test_order_fees_when_order_is_empty_then_no_minimum_is_charged():
    assert order_fees(0.0, 0.001, 1.0, 5.0) == 0.0
    assert order_fees(100.0, 0.001, 1.0, 5.0) == 5.0
    assert order_fees(10_000.0, 0.001, 1.0, 5.0) == pytest.approx(11.0)


@pytest.mark.parametrize(
    ("fees", "fixed", "minimum"), [(0.001, 1.0, 0.0), (0.0, 0.0, 0.0), (0.001, 0.0, 50.0)]
)
def test_units_for_cash_when_sizing_then_units_times_price_plus_fees_is_the_allotment(
    fees, fixed, minimum
):
    units = units_for_cash(10_000.0, 123.45, fees, fixed, minimum)
    spent = units * 123.45 + order_fees(units * 123.45, fees, fixed, minimum)
    assert spent == pytest.approx(10_000.0, rel=1e-12)


def test_stop_exit_when_long_bar_hits_both_then_stop_loss_first_and_short_mirrors():
    price, reason = stop_exit(1.0, 100.0, 112.0, 94.0, 100.0, 100.0, 0.05, 0.10, np.nan)
    assert (price, reason) == (pytest.approx(95.0), layout.R_STOP_LOSS)
    price, reason = stop_exit(-1.0, 100.0, 106.0, 88.0, 100.0, 100.0, 0.05, 0.10, np.nan)
    assert (price, reason) == (pytest.approx(105.0), layout.R_STOP_LOSS)
    price, reason = stop_exit(-1.0, 100.0, 101.0, 88.0, 100.0, 100.0, 0.05, 0.10, np.nan)
    assert (price, reason) == (pytest.approx(90.0), layout.R_TAKE_PROFIT)


def test_stop_exit_when_short_gaps_up_through_stop_then_fills_at_the_open():
    price, reason = stop_exit(-1.0, 110.0, 111.0, 108.0, 100.0, 100.0, 0.05, np.nan, np.nan)
    assert (price, reason) == (110.0, layout.R_STOP_LOSS)


def test_stop_exit_when_trailing_is_tighter_than_stop_loss_then_trailing_stop_is_reported():
    price, reason = stop_exit(1.0, 118.0, 119.0, 100.0, 100.0, 120.0, 0.05, np.nan, 0.10)
    assert (price, reason) == (pytest.approx(108.0), layout.R_TRAILING_STOP)


def _one_stop_exit(open_, high, low, close, slippage, **stops):
    """Long entry filled at bar 1's open; the (exit price, reason) of the first closed trade."""
    bars = len(close)
    columns = [np.asarray(x, dtype=float).reshape(bars, 1) for x in (open_, high, low, close)]
    entries = np.zeros((bars, 1), dtype=np.bool_)
    entries[0] = True
    none = np.zeros((bars, 1), dtype=np.bool_)
    args = {"sl_stop": np.nan, "tp_stop": np.nan, "tsl_stop": np.nan, **stops}
    out = simulate_signals_nb(
        *columns, entries, none, none, none, 10_000.0, 0.0, 0.0, 0.0, slippage, False, 0, 1.0,
        args["sl_stop"], args["tp_stop"], args["tsl_stop"], 1.0, False, 252.0,
    )
    trade = out[3][0]
    return trade[layout.T_XPRICE], int(trade[layout.T_REASON]), trade[layout.T_EPRICE]


@pytest.mark.parametrize("gap", [False, True])
def test_take_profit_when_slippage_then_limit_fill_at_level_or_better_open(gap):
    slip = 0.01
    open_ = [100.0, 100.0, 110.0 if gap else 102.0, 103.0]
    price, reason, entry = _one_stop_exit(
        open_, [100, 101, 112, 104], [100, 99, 101, 102], [100, 100, 104, 103], slip,
        tp_stop=0.05,
    )
    assert entry == pytest.approx(100.0 * (1 + slip))
    assert reason == layout.R_TAKE_PROFIT
    assert price == (110.0 if gap else pytest.approx(entry * 1.05))  # no slippage either way


@pytest.mark.parametrize("gap", [False, True])
def test_stop_loss_when_slippage_then_stop_market_fill_at_level_or_open_minus_slippage(gap):
    slip = 0.01
    open_ = [100.0, 100.0, 90.0 if gap else 99.0, 97.0]
    price, reason, entry = _one_stop_exit(
        open_, [100, 101, 100, 98], [100, 99, 89, 96], [100, 100, 95, 97], slip, sl_stop=0.05,
    )
    assert reason == layout.R_STOP_LOSS
    expected = 90.0 if gap else entry * 0.95
    assert price == pytest.approx(expected * (1 - slip))


def test_entry_units_when_allotment_is_float_dust_then_no_order():
    from signaltrust.backtest.nb.orders import entry_units

    equity = 1_000_000.0
    for size_type, size in ((layout.SIZE_PERCENT, 1.0), (layout.SIZE_VALUE, 5e5)):
        # an account all in: buying power is float noise, at most 1e-9 of equity
        assert entry_units(size_type, size, equity, 1e-10 * equity, 100.0, 0.0, 0.0, 0.0) == 0.0
        assert entry_units(size_type, size, equity, 1e-9 * equity, 100.0, 0.0, 0.0, 0.0) == 0.0
        units = entry_units(size_type, size, equity, 1e-8 * equity, 100.0, 0.0, 0.0, 0.0)
        assert units == pytest.approx(1e-8 * equity / 100.0)
    assert entry_units(layout.SIZE_UNITS, 1e-12, equity, equity, 100.0, 0.0, 0.0, 0.0) == 0.0
    assert entry_units(layout.SIZE_UNITS, 2.0, equity, equity, 100.0, 0.0, 0.0, 0.0) == 2.0


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fill_at_close", [False, True])
def test_stats_kernel_when_same_inputs_then_same_final_equity_and_trades_as_full(
    seed, fill_at_close
):
    open_, high, low, close, signals = random_market(600, 3, seed)
    full, stats = run_both(open_, high, low, close, signals, fill_at_close=fill_at_close)
    equity, _, _, trades, orders, _ = full
    closed = trades[:, layout.T_XBAR] >= 0
    assert stats[layout.S_FINAL_EQUITY] == equity[-1]
    assert stats[layout.S_TRADES] == closed.sum() and closed.sum() > 10
    assert stats[layout.S_OPEN_TRADES] == (~closed).sum()
    assert stats[layout.S_ORDERS] == len(orders)
    assert stats[layout.S_FEES] == pytest.approx(orders[:, layout.O_FEES].sum(), rel=1e-12)
    wins = (trades[closed, layout.T_PNL] > 0).mean()
    assert stats[layout.S_WIN_RATE] == pytest.approx(wins)


def test_stats_kernel_when_compared_with_metrics_then_sharpe_and_drawdown_are_equal():
    from signaltrust.metrics import annual_volatility, max_drawdown, sharpe_ratio, simple_returns

    open_, high, low, close, signals = random_market(1_500, 2, 7)
    full, stats = run_both(open_, high, low, close, signals)
    returns = simple_returns(full[0])
    assert stats[layout.S_SHARPE] == pytest.approx(
        sharpe_ratio(returns, annualization=252.0), rel=1e-9
    )
    assert stats[layout.S_MAX_DRAWDOWN] == pytest.approx(max_drawdown(returns), rel=1e-9)
    assert stats[layout.S_ANNUAL_VOLATILITY] == pytest.approx(
        annual_volatility(returns, annualization=252.0), rel=1e-9
    )


def test_targets_stats_kernel_when_same_inputs_then_same_as_full_targets():
    open_, _, _, close, _ = random_market(400, 3, 11)
    rng = np.random.default_rng(5)
    targets = np.where(rng.random(close.shape) < 0.1, rng.uniform(-0.5, 0.5, close.shape), np.nan)
    args = (0, 10_000.0, 0.001, 0.2, 0.0, 0.0005, False, 1.0, 252.0)
    equity, _, _, trades, _, _ = simulate_targets_nb(open_, close, targets, *args)
    stats = targets_stats_nb(open_, close, targets, *args)
    assert stats[layout.S_FINAL_EQUITY] == equity[-1]
    assert stats[layout.S_TRADES] == (trades[:, layout.T_XBAR] >= 0).sum()


def test_stats_kernel_when_called_from_njit_prange_then_matches_single_calls():
    from numba import njit, prange

    @njit(parallel=True)
    def sweep(open_, high, low, close, e, x, se, sx, sizes):
        out = np.empty(sizes.shape[0])
        for k in prange(sizes.shape[0]):
            out[k] = signals_stats_nb(
                open_,
                high,
                low,
                close,
                e,
                x,
                se,
                sx,
                1e4,
                0.001,
                0.0,
                0.0,
                0.0,
                False,
                0,
                sizes[k],
                np.nan,
                np.nan,
                np.nan,
                1.0,
                True,
                252.0,
            )[layout.S_FINAL_EQUITY]
        return out

    open_, high, low, close, signals = random_market(300, 1, 4)
    sizes = np.array([0.25, 0.5, 1.0])
    swept = sweep(open_, high, low, close, *signals, sizes)
    for k, size in enumerate(sizes):
        single = signals_stats_nb(
            open_,
            high,
            low,
            close,
            *signals,
            1e4,
            0.001,
            0.0,
            0.0,
            0.0,
            False,
            0,
            size,
            np.nan,
            np.nan,
            np.nan,
            1.0,
            True,
            252.0,
        )
        assert swept[k] == single[layout.S_FINAL_EQUITY]


def test_simulate_kernel_when_result_stats_computed_then_they_match_the_kernel_stats():
    from signaltrust.backtest import simulate_signals

    open_, high, low, close, signals = random_market(500, 1, 21)
    index = pd.date_range("2020-01-01", periods=500, freq="B", tz="UTC").as_unit("ns")
    bars = pd.DataFrame(
        {"open": open_[:, 0], "high": high[:, 0], "low": low[:, 0], "close": close[:, 0]},
        index=index,
    )
    entries, exits = (pd.Series(s[:, 0], index=index) for s in signals[:2])
    result = simulate_signals(
        bars, entries, exits, cash=10_000, fees=0.001, slippage=0.0005, periods_per_year=252
    )
    _, stats = run_both(
        open_,
        high,
        low,
        close,
        [signals[0], signals[1], signals[2] & False, signals[3] & False],
        fixed_fees=0.0,
        min_fees=0.0,
        size=1.0,
        sl_stop=np.nan,
        tp_stop=np.nan,
        tsl_stop=np.nan,
        leverage=1.0,
    )
    assert result.stats["final_equity"] == stats[layout.S_FINAL_EQUITY]
    assert result.stats["sharpe_ratio"] == pytest.approx(stats[layout.S_SHARPE], rel=1e-9)
    assert result.stats["max_drawdown"] == pytest.approx(stats[layout.S_MAX_DRAWDOWN], rel=1e-9)
    assert result.stats["trades"] == stats[layout.S_TRADES]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("fill_at_close", [False, True])
@pytest.mark.parametrize(("size_type", "size"), [(0, 0.8), (1, 25.0), (2, 5_000.0)])
def test_sweep_step_when_one_asset_without_stops_then_the_engines_stats_to_the_bit(
    seed, fill_at_close, size_type, size
):
    from signaltrust.backtest.nb.sweep import fast_signals_stats

    open_, high, low, close, signals = random_market(800, 1, seed)
    open_[[5, 90, 91, 400]] = np.nan  # a pending order waits for a price
    close[[6, 91, 300]] = np.nan  # the marking keeps the last price
    costs = (10_000.0, 0.001, 0.5, 1.0, 0.0005, fill_at_close, size_type, size)
    engine = signals_stats_nb(open_, high, low, close, *signals, *costs, np.nan, np.nan, np.nan,
                              1.5, True, 252.0)
    swept = np.empty((1, layout.STAT_FIELDS))
    fast_signals_stats(open_[:, 0], close[:, 0], *(s[:, 0] for s in signals), *costs, 1.5, True,
                       252.0, swept, 0)
    assert engine[layout.S_TRADES] > 10
    assert np.array_equal(engine, swept[0], equal_nan=True)


def test_running_stats_when_equity_path_given_then_drawdown_is_the_exact_minimum():
    from signaltrust.backtest.nb.running import R_MAX_DD, new_running, update_running

    rng = np.random.default_rng(3)
    equity = 1_000.0 * np.cumprod(1 + rng.normal(0, 0.02, 3_000))
    equity[100:110] = equity[99]  # flat stretches add zero returns
    run = new_running()
    for value in equity:
        update_running(run, value)
    peaks = np.maximum.accumulate(equity)
    assert run[R_MAX_DD] == (equity / peaks - 1.0).min()
