"""Signal-driven simulation: entries/exits (long and short) for assets sharing one cash balance.

Arrays are shaped (bars, assets). A decision at bar t sees its close; orders fill at the open of
t + 1 (``fill_at_close=False``) or at the close of t. Within a bar, in order: pending orders fill
at the open (exits, then entries), stops are checked against the bar's range, the bar's signals
are decided (and filled at the close in market-on-close mode), the account is marked at the close.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.backtest.nb.layout import (
    ACC_FIELDS,
    LAST,
    ORDER_FIELDS,
    PEND,
    POS,
    STATE_FIELDS,
    TRADE_FIELDS,
)
from signaltrust.backtest.nb.orders import N_ORDERS, N_TRADES, grow, open_trade_records
from signaltrust.backtest.nb.running import new_running
from signaltrust.backtest.nb.steps import (
    any_pending,
    apply_stops,
    decide,
    fill_pending,
    final_stats,
    mark,
)

INITIAL_RECORDS = 64


@njit(cache=True)
def new_state(n_assets):
    """A flat account state: no positions, no prices known, nothing pending."""
    state = np.zeros((n_assets, STATE_FIELDS))
    state[:, LAST] = np.nan
    state[:, PEND] = np.nan
    return state


@njit(cache=True)
def simulate_signals_core(
    open_,
    high,
    low,
    close,
    entries,
    exits,
    short_entries,
    short_exits,
    cash0,
    fees,
    fixed_fees,
    min_fees,
    slippage,
    fill_at_close,
    size_type,
    size,
    sl_stop,
    tp_stop,
    tsl_stop,
    leverage,
    allow_short,
    periods_per_year,
    keep,
):
    """Simulate signals; returns (equity, cash, positions, trades, orders, stats).

    With ``keep=False`` nothing per bar is stored (the arrays come back empty) and only the
    stats vector is meaningful: memory stays O(assets) whatever the number of bars.
    """
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
    stops_on = sl_stop > 0.0 or tp_stop > 0.0 or tsl_stop > 0.0
    for bar in range(n_bars):
        if keep and counts[N_ORDERS] + headroom > orders.shape[0]:
            orders = grow(orders, counts[N_ORDERS], headroom)
        if keep and counts[N_TRADES] + headroom > trades.shape[0]:
            trades = grow(trades, counts[N_TRADES], headroom)
        if not fill_at_close and any_pending(state):
            cash = fill_pending(
                state,
                open_,
                bar,
                cash,
                fees,
                fixed_fees,
                min_fees,
                slippage,
                size_type,
                size,
                leverage,
                trades,
                orders,
                counts,
                acc,
                keep,
            )
        if stops_on:
            cash = apply_stops(
                state,
                open_,
                high,
                low,
                bar,
                cash,
                fees,
                fixed_fees,
                min_fees,
                slippage,
                sl_stop,
                tp_stop,
                tsl_stop,
                trades,
                orders,
                counts,
                acc,
                keep,
            )
        for asset in range(n_assets):
            current = state[asset, PEND]
            if current != current:
                position = state[asset, POS]
                current = 1.0 if position > 0.0 else (-1.0 if position < 0.0 else 0.0)
            desired = decide(
                current,
                entries[bar, asset],
                exits[bar, asset],
                short_entries[bar, asset],
                short_exits[bar, asset],
                allow_short,
            )
            if desired == desired:
                state[asset, PEND] = desired
        if fill_at_close and any_pending(state):
            cash = fill_pending(
                state,
                close,
                bar,
                cash,
                fees,
                fixed_fees,
                min_fees,
                slippage,
                size_type,
                size,
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
def simulate_signals_nb(
    open_,
    high,
    low,
    close,
    entries,
    exits,
    short_entries,
    short_exits,
    cash0,
    fees,
    fixed_fees,
    min_fees,
    slippage,
    fill_at_close,
    size_type,
    size,
    sl_stop,
    tp_stop,
    tsl_stop,
    leverage,
    allow_short,
    periods_per_year,
):
    """Full signal simulation: (equity, cash, positions, trades, orders, stats)."""
    return simulate_signals_core(
        open_,
        high,
        low,
        close,
        entries,
        exits,
        short_entries,
        short_exits,
        cash0,
        fees,
        fixed_fees,
        min_fees,
        slippage,
        fill_at_close,
        size_type,
        size,
        sl_stop,
        tp_stop,
        tsl_stop,
        leverage,
        allow_short,
        periods_per_year,
        True,
    )


@njit(cache=True)
def signals_stats_nb(
    open_,
    high,
    low,
    close,
    entries,
    exits,
    short_entries,
    short_exits,
    cash0,
    fees,
    fixed_fees,
    min_fees,
    slippage,
    fill_at_close,
    size_type,
    size,
    sl_stop,
    tp_stop,
    tsl_stop,
    leverage,
    allow_short,
    periods_per_year,
):
    """Stats-only signal simulation for sweeps: the layout.STAT_NAMES vector, no curve kept.

    The same simulation as simulate_signals_nb, so final equity and trade counts are identical;
    callable from other njit code (e.g. once per parameter combination in a prange loop).
    """
    return simulate_signals_core(
        open_,
        high,
        low,
        close,
        entries,
        exits,
        short_entries,
        short_exits,
        cash0,
        fees,
        fixed_fees,
        min_fees,
        slippage,
        fill_at_close,
        size_type,
        size,
        sl_stop,
        tp_stop,
        tsl_stop,
        leverage,
        allow_short,
        periods_per_year,
        False,
    )[5]
