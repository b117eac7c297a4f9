"""Order execution kernels: fill prices, fees, sizing, and applying a fill to the account state.

Every simulator (signals, targets, stats-only) fills through these functions, so the cost and
accounting rules cannot differ between them.
"""

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
    AVG,
    EBAR,
    EFEES,
    LAST,
    MIN_ORDER_SHARE,
    O_ASSET,
    O_BAR,
    O_FEES,
    O_PRICE,
    O_REASON,
    O_SIDE,
    O_SIZE,
    PEAK,
    POS,
    R_SIGNAL,
    SIZE_PERCENT,
    SIZE_VALUE,
    T_ASSET,
    T_DIR,
    T_EBAR,
    T_EPRICE,
    T_FEES,
    T_PNL,
    T_REASON,
    T_SIZE,
    T_XBAR,
    T_XPRICE,
)


@njit(cache=True)
def order_fees(notional: float, fees: float, fixed_fees: float, min_fees: float) -> float:
    """Fees of one order: max(fees * notional + fixed_fees, min_fees); zero for an empty order."""
    if notional == 0.0:
        return 0.0
    amount = fees * abs(notional) + fixed_fees
    return amount if amount > min_fees else min_fees


@njit(cache=True)
def fill_price(price: float, side: int, slippage: float) -> float:
    """The price a market order fills at: worse than ``price`` by ``slippage`` (a fraction)."""
    if side > 0:
        return price * (1.0 + slippage)
    return price * (1.0 - slippage)


@njit(cache=True)
def exit_fill(direction, units, held, avg, efees, price, slippage, fees, fixed_fees, min_fees):
    """Closing ``units`` of a position of ``held`` units (``direction`` +1 long, -1 short) at
    market ``price``: (order side, fill price, fee, cash change, entry fees charged, pnl).

    The trade carries the share of the entry fees ``efees`` that belongs to the units closed,
    so the pnl of all trades adds up to the equity change. Every simulator closes through it.
    """
    side = -1 if direction > 0.0 else 1
    exit_price = fill_price(price, side, slippage)
    notional = units * exit_price
    fee = order_fees(notional, fees, fixed_fees, min_fees)
    cash_change = direction * notional - fee
    entry_fee = efees * (units / held)
    pnl = direction * units * (exit_price - avg) - entry_fee - fee
    return side, exit_price, fee, cash_change, entry_fee, pnl


@njit(cache=True)
def entry_fill(side, units, price, slippage, fees, fixed_fees, min_fees):
    """Buying (``side`` +1) or selling short (-1) ``units`` at market ``price``: (fill price,
    fee, cash change). Every simulator opens and adds through it."""
    entry_price = fill_price(price, side, slippage)
    notional = units * entry_price
    fee = order_fees(notional, fees, fixed_fees, min_fees)
    return entry_price, fee, -side * notional - fee


@njit(cache=True)
def units_for_cash(
    alloc: float, price: float, fees: float, fixed_fees: float, min_fees: float
) -> float:
    """Largest units such that units * price + fees(units * price) == alloc."""
    if not (alloc > 0.0) or not (price > 0.0):
        return 0.0
    units = (alloc - fixed_fees) / (price * (1.0 + fees))
    if units <= 0.0:
        return 0.0
    if fees * units * price + fixed_fees < min_fees:
        units = (alloc - min_fees) / price
        if units <= 0.0:
            return 0.0
    return units


@njit(cache=True)
def entry_units(
    size_type: int,
    size: float,
    equity: float,
    buying_power: float,
    price: float,
    fees: float,
    fixed_fees: float,
    min_fees: float,
) -> float:
    """Units of a new position (equity fraction, cash value or units), capped by buying power.

    Zero when the cash the entry may spend (fees included) is at most ``MIN_ORDER_SHARE`` of
    equity: the float noise an account already all in leaves as buying power is no order (the
    event engine's rule).
    """
    if not (equity > 0.0) or not (buying_power > 0.0):
        return 0.0
    dust = MIN_ORDER_SHARE * equity
    if size_type == SIZE_PERCENT or size_type == SIZE_VALUE:  # noqa: SIM109 (plain for numba)
        alloc = size * equity if size_type == SIZE_PERCENT else size
        alloc = min(alloc, buying_power)
        if alloc <= dust:
            return 0.0
        return units_for_cash(alloc, price, fees, fixed_fees, min_fees)
    units = size
    cost = units * price + order_fees(units * price, fees, fixed_fees, min_fees)
    if cost > buying_power:
        if buying_power <= dust:
            return 0.0
        units = units_for_cash(buying_power, price, fees, fixed_fees, min_fees)
    if units * price <= dust:
        return 0.0
    return units


@njit(cache=True)
def grow(records: np.ndarray, count: int, headroom: int) -> np.ndarray:
    """The record array itself, or a larger copy when fewer than ``headroom`` rows are free.

    The simulators call it once per bar with the most records one bar can add, so the step
    functions write records without checking (and never return arrays, which costs refcounts).
    """
    if count + headroom <= records.shape[0]:
        return records
    bigger = np.empty((max(2 * records.shape[0], count + headroom, 16), records.shape[1]))
    bigger[:count] = records[:count]
    return bigger


# counts: an int64 array [trades recorded, orders recorded]
N_TRADES = 0
N_ORDERS = 1


@njit(cache=True)
def _record_order(orders, counts, bar, asset, side, units, price, fee, reason):
    row = counts[N_ORDERS]
    orders[row, O_BAR] = bar
    orders[row, O_ASSET] = asset
    orders[row, O_SIDE] = side
    orders[row, O_SIZE] = units
    orders[row, O_PRICE] = price
    orders[row, O_FEES] = fee
    orders[row, O_REASON] = reason
    counts[N_ORDERS] = row + 1


@njit(cache=True)
def reduce_position(
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
):
    """Close ``units`` (<= the position) at market ``price``; record the closed trade.

    Returns the cash after the fill (see ``exit_fill``).
    """
    position = state[asset, POS]
    direction = 1.0 if position > 0.0 else -1.0
    held = abs(position)
    if units > held:
        units = held
    side, exit_price, fee, cash_change, entry_fee, pnl = exit_fill(
        direction, units, held, state[asset, AVG], state[asset, EFEES], price, slippage, fees,
        fixed_fees, min_fees,
    )
    cash += cash_change
    state[asset, EFEES] -= entry_fee
    remaining = held - units
    state[asset, POS] = direction * remaining if remaining > 0.0 else 0.0
    acc[A_CLOSED] += 1.0
    acc[A_ORDERS] += 1.0
    acc[A_FEES] += fee
    if pnl > 0.0:
        acc[A_WINS] += 1.0
        acc[A_GROSS_PROFIT] += pnl
    else:
        acc[A_GROSS_LOSS] += pnl
    if keep:
        row = counts[N_TRADES]
        trades[row, T_ASSET] = asset
        trades[row, T_DIR] = direction
        trades[row, T_EBAR] = state[asset, EBAR]
        trades[row, T_XBAR] = bar
        trades[row, T_EPRICE] = state[asset, AVG]
        trades[row, T_XPRICE] = exit_price
        trades[row, T_SIZE] = units
        trades[row, T_PNL] = pnl
        trades[row, T_FEES] = entry_fee + fee
        trades[row, T_REASON] = reason
        counts[N_TRADES] = row + 1
        _record_order(orders, counts, bar, asset, side, units, exit_price, fee, reason)
    if remaining <= 0.0:
        state[asset, EFEES] = 0.0
    return cash


@njit(cache=True)
def increase_position(
    state,
    asset,
    direction,
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
):
    """Buy (direction +1) or sell short (-1) ``units`` at market ``price``, adding to the position.

    Returns the cash after the fill. The average entry price and the entry fees accumulate.
    """
    side = 1 if direction > 0 else -1
    entry_price, fee, cash_change = entry_fill(
        side, units, price, slippage, fees, fixed_fees, min_fees
    )
    cash += cash_change
    held = abs(state[asset, POS])
    if held == 0.0:
        state[asset, AVG] = entry_price
        state[asset, EBAR] = bar
        state[asset, PEAK] = entry_price
        state[asset, EFEES] = fee
    else:
        state[asset, AVG] = (state[asset, AVG] * held + entry_price * units) / (held + units)
        state[asset, EFEES] += fee
    state[asset, POS] = side * (held + units)
    acc[A_ORDERS] += 1.0
    acc[A_FEES] += fee
    if keep:
        _record_order(orders, counts, bar, asset, side, units, entry_price, fee, R_SIGNAL)
    return cash


@njit(cache=True)
def valuation(state, cash):
    """(equity, gross exposure) of the account at each asset's valuation price."""
    equity = cash
    gross = 0.0
    for asset in range(state.shape[0]):
        position = state[asset, POS]
        if position != 0.0:
            equity += position * state[asset, LAST]
            gross += abs(position) * state[asset, LAST]
    return equity, gross


@njit(cache=True)
def open_trade_records(state, trades, counts):
    """Append one record per open position, marked at its valuation price (exit bar -1).

    Returns the trade records, trimmed to those written."""
    trades = grow(trades, counts[N_TRADES], state.shape[0])
    n_trades = counts[N_TRADES]
    for asset in range(state.shape[0]):
        position = state[asset, POS]
        if position == 0.0:
            continue
        direction = 1.0 if position > 0.0 else -1.0
        units = abs(position)
        row = trades[n_trades]
        row[T_ASSET] = asset
        row[T_DIR] = direction
        row[T_EBAR] = state[asset, EBAR]
        row[T_XBAR] = -1.0
        row[T_EPRICE] = state[asset, AVG]
        row[T_XPRICE] = state[asset, LAST]
        row[T_SIZE] = units
        row[T_PNL] = (
            direction * units * (state[asset, LAST] - state[asset, AVG]) - state[asset, EFEES]
        )
        row[T_FEES] = state[asset, EFEES]
        row[T_REASON] = 0.0
        n_trades += 1
    counts[N_TRADES] = n_trades
    return trades[:n_trades].copy()
