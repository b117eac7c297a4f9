"""Target-driven simulation: target weights or units per bar, rebalanced at the next open.

A NaN target means "hold"; a number is a new target, traded at the open of the next bar (or the
close of the same bar with ``fill_at_close``): every asset's reduction first, then increases.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.backtest.nb.layout import ACC_FIELDS, ORDER_FIELDS, PEND, POS, TRADE_FIELDS
from signaltrust.backtest.nb.orders import open_trade_records
from signaltrust.backtest.nb.running import new_running
from signaltrust.backtest.nb.signals import INITIAL_RECORDS, new_state
from signaltrust.backtest.nb.steps import final_stats, mark, rebalance_pending


@njit(cache=True)
def simulate_targets_core(
    open_, close, targets, target_type, cash0, fees, fixed_fees, min_fees, slippage,
    fill_at_close, leverage, periods_per_year, keep,
):
    """Simulate targets; returns (equity, cash, positions, trades, orders, stats) as the signals core."""
    n_bars, n_assets = close.shape
    state = new_state(n_assets)
    rows = n_bars if keep else 0
    equity_out = np.empty(rows)
    cash_out = np.empty(rows)
    positions_out = np.empty((rows, n_assets))
    capacity = INITIAL_RECORDS if keep else 0
    trades = np.empty((capacity, TRADE_FIELDS))
    orders = np.empty((capacity, ORDER_FIELDS))
    n_trades = 0
    n_orders = 0
    acc = np.zeros(ACC_FIELDS)
    run = new_running()
    cash = cash0
    for bar in range(n_bars):
        if not fill_at_close:
            cash, trades, n_trades, orders, n_orders = rebalance_pending(
                state, open_[bar], bar, cash, fees, fixed_fees, min_fees, slippage, target_type,
                leverage, trades, n_trades, orders, n_orders, acc, keep,
            )
        for asset in range(n_assets):
            target = targets[bar, asset]
            if target == target:
                state[asset, PEND] = target
        if fill_at_close:
            cash, trades, n_trades, orders, n_orders = rebalance_pending(
                state, close[bar], bar, cash, fees, fixed_fees, min_fees, slippage, target_type,
                leverage, trades, n_trades, orders, n_orders, acc, keep,
            )
        equity = mark(state, close[bar], cash, run)
        if keep:
            equity_out[bar] = equity
            cash_out[bar] = cash
            for asset in range(n_assets):
                positions_out[bar, asset] = state[asset, POS]
    stats = final_stats(state, cash, cash0, run, acc, periods_per_year)
    if keep:
        trades, n_trades = open_trade_records(state, trades, n_trades)
    return equity_out, cash_out, positions_out, trades[:n_trades], orders[:n_orders], stats


@njit(cache=True)
def simulate_targets_nb(
    open_, close, targets, target_type, cash0, fees, fixed_fees, min_fees, slippage,
    fill_at_close, leverage, periods_per_year,
):
    """Full target simulation: (equity, cash, positions, trades, orders, stats)."""
    return simulate_targets_core(
        open_, close, targets, target_type, cash0, fees, fixed_fees, min_fees, slippage,
        fill_at_close, leverage, periods_per_year, True,
    )


@njit(cache=True)
def targets_stats_nb(
    open_, close, targets, target_type, cash0, fees, fixed_fees, min_fees, slippage,
    fill_at_close, leverage, periods_per_year,
):
    """Stats-only target simulation (layout.STAT_NAMES vector), no curve kept."""
    return simulate_targets_core(
        open_, close, targets, target_type, cash0, fees, fixed_fees, min_fees, slippage,
        fill_at_close, leverage, periods_per_year, False,
    )[5]
