"""Target-driven simulation: target weights or units per bar, rebalanced at the next open.

A NaN target means "hold"; a number is a new target, traded at the open of the next bar (or the
close of the same bar with ``fill_at_close``): every asset's reduction first, then increases.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.backtest.nb.layout import ACC_FIELDS, ORDER_FIELDS, PEND, POS, TRADE_FIELDS
from signaltrust.backtest.nb.orders import N_ORDERS, N_TRADES, grow, open_trade_records
from signaltrust.backtest.nb.running import new_running
from signaltrust.backtest.nb.signals import INITIAL_RECORDS, new_state
from signaltrust.backtest.nb.steps import any_pending, final_stats, mark, rebalance_pending


@njit(cache=True)
def simulate_targets_core(
    open_,
    close,
    targets,
    target_type,
    cash0,
    fees,
    fixed_fees,
    min_fees,
    slippage,
    fill_at_close,
    leverage,
    periods_per_year,
    keep,
):
    """Simulate targets; returns (equity, cash, positions, trades, orders, stats)."""
    n_bars, n_assets = close.shape
    state = new_state(n_assets)
    rows = n_bars if keep else 0
    equity_out = np.empty(rows)
    cash_out = np.empty(rows)
    positions_out = np.empty((rows, n_assets))
    capacity = INITIAL_RECORDS if keep else 0
    trades = np.empty((capacity, TRADE_FIELDS))
    orders = np.empty((capacity, ORDER_FIELDS))
    counts = np.zeros(2, dtype=np.int64)
    # the most records one bar can add: per asset a reversal (2 orders) and a stop (1 order)
    headroom = 3 * n_assets
    acc = np.zeros(ACC_FIELDS)
    run = new_running()
    cash = cash0
    for bar in range(n_bars):
        if keep and counts[N_ORDERS] + headroom > orders.shape[0]:
            orders = grow(orders, counts[N_ORDERS], headroom)
        if keep and counts[N_TRADES] + headroom > trades.shape[0]:
            trades = grow(trades, counts[N_TRADES], headroom)
        if not fill_at_close and any_pending(state):
            cash = rebalance_pending(
                state,
                open_,
                bar,
                cash,
                fees,
                fixed_fees,
                min_fees,
                slippage,
                target_type,
                leverage,
                trades,
                orders,
                counts,
                acc,
                keep,
            )
        for asset in range(n_assets):
            target = targets[bar, asset]
            if target == target:
                state[asset, PEND] = target
        if fill_at_close and any_pending(state):
            cash = rebalance_pending(
                state,
                close,
                bar,
                cash,
                fees,
                fixed_fees,
                min_fees,
                slippage,
                target_type,
                leverage,
                trades,
                orders,
                counts,
                acc,
                keep,
            )
        equity = mark(state, close, bar, cash, run)
        if keep:
            equity_out[bar] = equity
            cash_out[bar] = cash
            for asset in range(n_assets):
                positions_out[bar, asset] = state[asset, POS]
    stats = final_stats(state, cash, cash0, run, acc, periods_per_year)
    if keep:
        trades = open_trade_records(state, trades, counts)
        orders = orders[: counts[N_ORDERS]].copy()
    return equity_out, cash_out, positions_out, trades, orders, stats


@njit(cache=True)
def simulate_targets_nb(
    open_,
    close,
    targets,
    target_type,
    cash0,
    fees,
    fixed_fees,
    min_fees,
    slippage,
    fill_at_close,
    leverage,
    periods_per_year,
):
    """Full target simulation: (equity, cash, positions, trades, orders, stats)."""
    return simulate_targets_core(
        open_,
        close,
        targets,
        target_type,
        cash0,
        fees,
        fixed_fees,
        min_fees,
        slippage,
        fill_at_close,
        leverage,
        periods_per_year,
        True,
    )


@njit(cache=True)
def targets_stats_nb(
    open_,
    close,
    targets,
    target_type,
    cash0,
    fees,
    fixed_fees,
    min_fees,
    slippage,
    fill_at_close,
    leverage,
    periods_per_year,
):
    """Stats-only target simulation (layout.STAT_NAMES vector), no curve kept."""
    return simulate_targets_core(
        open_,
        close,
        targets,
        target_type,
        cash0,
        fees,
        fixed_fees,
        min_fees,
        slippage,
        fill_at_close,
        leverage,
        periods_per_year,
        False,
    )[5]
