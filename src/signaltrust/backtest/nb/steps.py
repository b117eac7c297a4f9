"""The per-bar steps every simulator is built from: decide, fill, stop, mark, summarise."""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.backtest.nb.layout import (
    A_CLOSED,
    A_FEES,
    A_GROSS_LOSS,
    A_GROSS_PROFIT,
    A_ORDERS,
    A_WINS,
    LAST,
    MIN_ORDER_SHARE,
    PEND,
    POS,
    R_REVERSE,
    R_SIGNAL,
    R_TAKE_PROFIT,
    STAT_FIELDS,
    TARGET_UNITS,
)
from signaltrust.backtest.nb.orders import (
    entry_units,
    fill_price,
    increase_position,
    order_fees,
    reduce_position,
    units_for_cash,
    valuation,
)
from signaltrust.backtest.nb.running import load_running, update_running, write_summary
from signaltrust.backtest.nb.stops import check_stops


@njit(cache=True)
def decide(current, entry, exit_, short_entry, short_exit, allow_short):
    """Desired direction (+1, -1, 0) after one bar's signals, or NaN for no change.

    ``current`` is the direction held or already pending. An entry and an exit of the same side
    on one bar cancel out, so do a long and a short entry; an entry on the side held is ignored
    (no pyramiding); an entry on the other side reverses.
    """
    long_in = entry and not exit_
    long_out = exit_ and not entry
    short_in = short_entry and not short_exit and allow_short
    short_out = short_exit and not short_entry
    if long_in and short_in:
        long_in = False
        short_in = False
    if current > 0.0:
        if short_in:
            return -1.0
        if long_out:
            return 0.0
        return np.nan
    if current < 0.0:
        if long_in:
            return 1.0
        if short_out:
            return 0.0
        return np.nan
    if long_in:
        return 1.0
    if short_in:
        return -1.0
    return np.nan


@njit(cache=True)
def set_prices(state, prices, bar):
    """Value each asset at ``prices[bar]`` where known (NaN keeps the previous price)."""
    for asset in range(state.shape[0]):
        price = prices[bar, asset]
        if price == price:
            state[asset, LAST] = price


@njit(cache=True)
def any_pending(state):
    """Whether some asset has an order pending."""
    for asset in range(state.shape[0]):  # noqa: SIM110 (a plain loop compiles in numba)
        if state[asset, PEND] == state[asset, PEND]:
            return True
    return False


@njit(cache=True)
def fill_pending(
    state,
    prices,
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
):
    """Fill the pending direction orders at ``prices[bar]``: every exit first, then every entry.

    Assets are taken in column order within each pass. An asset whose price is NaN keeps its
    order pending. Returns the cash after the fills.
    """
    n_assets = state.shape[0]
    set_prices(state, prices, bar)
    equity, gross = valuation(state, cash)
    for asset in range(n_assets):
        desired = state[asset, PEND]
        price = prices[bar, asset]
        if desired != desired or price != price:
            continue
        position = state[asset, POS]
        if position != 0.0 and (desired == 0.0 or (position > 0.0) != (desired > 0.0)):
            reason = R_REVERSE if desired != 0.0 else R_SIGNAL
            before = cash
            cash = reduce_position(
                state,
                asset,
                abs(position),
                price,
                bar,
                reason,
                cash,
                fees,
                fixed_fees,
                min_fees,
                slippage,
                trades,
                orders,
                counts,
                acc,
                keep,
            )
            equity += (cash - before) - position * price
            gross -= abs(position) * price
        if desired == 0.0:
            state[asset, PEND] = np.nan
    for asset in range(n_assets):
        desired = state[asset, PEND]
        price = prices[bar, asset]
        if desired != desired or price != price:
            continue
        state[asset, PEND] = np.nan
        if state[asset, POS] != 0.0:
            continue
        side = 1 if desired > 0.0 else -1
        units = entry_units(
            size_type,
            size,
            equity,
            leverage * equity - gross,
            fill_price(price, side, slippage),
            fees,
            fixed_fees,
            min_fees,
        )
        if units > 0.0:
            before = cash
            cash = increase_position(
                state,
                asset,
                side,
                units,
                price,
                bar,
                cash,
                fees,
                fixed_fees,
                min_fees,
                slippage,
                orders,
                counts,
                acc,
                keep,
            )
            equity += (cash - before) + side * units * price
            gross += units * price
    return cash


@njit(cache=True)
def rebalance_pending(
    state,
    prices,
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
):
    """Trade each asset with a pending target to it at ``prices``: reductions, then increases.

    Weights are turned into units with the equity before this bar's trades, so all assets share
    one valuation. Increases are capped by buying power (leverage * equity - gross exposure).
    """
    n_assets = state.shape[0]
    set_prices(state, prices, bar)
    equity, gross = valuation(state, cash)
    tolerance = MIN_ORDER_SHARE * abs(equity)
    for asset in range(n_assets):
        target = state[asset, PEND]
        price = prices[bar, asset]
        if target != target or price != price:
            continue
        desired = target if target_type == TARGET_UNITS else target * equity / price
        state[asset, PEND] = desired
        position = state[asset, POS]
        if position == 0.0:
            continue
        if (position > 0.0) != (desired > 0.0) or desired == 0.0:
            units = abs(position)
            reason = R_REVERSE if desired != 0.0 else R_SIGNAL
        else:
            units = abs(position) - abs(desired)
            reason = R_SIGNAL
        if units * price <= tolerance:
            continue
        before = cash
        cash = reduce_position(
            state,
            asset,
            units,
            price,
            bar,
            reason,
            cash,
            fees,
            fixed_fees,
            min_fees,
            slippage,
            trades,
            orders,
            counts,
            acc,
            keep,
        )
        equity += (cash - before) + (state[asset, POS] - position) * price
        gross += (abs(state[asset, POS]) - abs(position)) * price
    for asset in range(n_assets):
        desired = state[asset, PEND]
        price = prices[bar, asset]
        if desired != desired or price != price:
            continue
        state[asset, PEND] = np.nan
        position = state[asset, POS]
        if desired == 0.0 or (position != 0.0 and (position > 0.0) != (desired > 0.0)):
            continue
        units = abs(desired) - abs(position)
        if units * price <= tolerance:
            continue
        side = 1 if desired > 0.0 else -1
        exec_price = fill_price(price, side, slippage)
        buying_power = leverage * equity - gross
        cost = units * exec_price + order_fees(units * exec_price, fees, fixed_fees, min_fees)
        if cost > buying_power:
            units = units_for_cash(buying_power, exec_price, fees, fixed_fees, min_fees)
        if units * price <= tolerance or not (equity > 0.0):
            continue
        before = cash
        cash = increase_position(
            state,
            asset,
            side,
            units,
            price,
            bar,
            cash,
            fees,
            fixed_fees,
            min_fees,
            slippage,
            orders,
            counts,
            acc,
            keep,
        )
        equity += (cash - before) + side * units * price
        gross += units * price
    return cash


@njit(cache=True)
def apply_stops(
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
):
    """Exit every position whose stop bar ``bar`` triggers (bars with a NaN price are skipped).

    Stop-loss and trailing stop are stop-market orders: they fill at their level (or at the
    open on a gap) plus slippage. The take-profit is a limit order: it fills at its level, or
    at the open when the bar opens beyond it (a better price), without slippage.
    """
    for asset in range(state.shape[0]):
        if state[asset, POS] == 0.0:
            continue
        o = open_[bar, asset]
        h = high[bar, asset]
        lo = low[bar, asset]
        if o != o or h != h or lo != lo:
            continue
        price, reason = check_stops(state, asset, o, h, lo, sl_stop, tp_stop, tsl_stop)
        if reason != 0:
            cash = reduce_position(
                state,
                asset,
                abs(state[asset, POS]),
                price,
                bar,
                reason,
                cash,
                fees,
                fixed_fees,
                min_fees,
                0.0 if reason == R_TAKE_PROFIT else slippage,
                trades,
                orders,
                counts,
                acc,
                keep,
            )
    return cash


@njit(cache=True)
def mark(state, close, bar, cash, run):
    """Mark the account at the close (NaN keeps the last price), update running stats."""
    set_prices(state, close, bar)
    equity, _ = valuation(state, cash)
    update_running(run, equity)
    return equity


@njit(cache=True)
def final_stats(state, cash, cash0, run, acc, periods_per_year):
    """The stats-only summary vector (see layout.STAT_NAMES) after the last bar."""
    out = np.empty((1, STAT_FIELDS))
    equity, _ = valuation(state, cash)
    open_trades = 0.0
    for asset in range(state.shape[0]):
        if state[asset, POS] != 0.0:
            open_trades += 1.0
    write_summary(
        out, 0, equity, cash0, open_trades, acc[A_CLOSED], acc[A_WINS], acc[A_GROSS_PROFIT],
        acc[A_GROSS_LOSS], acc[A_ORDERS], acc[A_FEES], load_running(run), periods_per_year,
    )
    return out[0]
