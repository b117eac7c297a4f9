"""One asset's account in registers: the per-bar step of the sweep simulators.

The engine (``signals.py``) keeps several assets in a state array and records every order; a
sweep simulates one asset per combination and needs only its statistics, so its account is a
tuple of floats (``ACCOUNT_FIELDS``) that stays in registers. Both fill through the same order
arithmetic (``orders.exit_fill`` / ``orders.entry_fill`` / ``orders.entry_units``), decide
through ``steps.decide`` and mark into the same running statistics (``running.add_equity``),
so a sweep row equals the engine's run of that combination to the last bit (final equity,
trades, orders, fees).

Within a bar, as in the engine: a pending order fills at the open (the exit, or a reversal's
exit, first, then the entry sized on the equity at that price), the bar's signals are decided
(and filled at the close in market-on-close mode), and the account is marked at the close.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.backtest.nb.orders import entry_fill, entry_units, exit_fill, fill_price
from signaltrust.backtest.nb.running import RUNNING_FIELDS, add_equity, write_summary
from signaltrust.backtest.nb.steps import decide

# fields of the account tuple
AC_CASH = 0
AC_POS = 1  # signed units held
AC_AVG = 2  # entry fill price of the open position
AC_EFEES = 3  # entry fees not yet charged to a closed trade
AC_PEND = 4  # pending desired direction (+1, -1, 0); NaN = none
AC_LAST = 5  # valuation price: the latest valid fill price or close
AC_CLOSED = 6  # closed trades
AC_WINS = 7
AC_GROSS_PROFIT = 8
AC_GROSS_LOSS = 9  # sum of losing pnl (<= 0)
AC_ORDERS = 10
AC_FEES = 11
ACCOUNT_FIELDS = 12


@njit(cache=True, inline="always")
def open_account(cash0):
    """A flat account holding ``cash0``: nothing pending, no price known."""
    return (cash0, 0.0, 0.0, 0.0, np.nan, np.nan, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@njit(cache=True, inline="always")
def fill_pending_one(
    account, price, fees, fixed_fees, min_fees, slippage, size_type, size, leverage
):
    """The account after its pending direction fills at a known ``price``: the exit (or the
    reversal's exit) first, then the entry sized on the equity at ``price`` (as the engine's
    ``steps.fill_pending`` for one asset)."""
    (cash, pos, avg, efees, desired, last, closed, wins, gross_profit, gross_loss, orders,
     fees_paid) = account
    last = price
    equity = cash + pos * last if pos != 0.0 else cash
    gross = abs(pos) * last if pos != 0.0 else 0.0
    if pos != 0.0 and (desired == 0.0 or (pos > 0.0) != (desired > 0.0)):
        held = abs(pos)
        _, _, fee, cash_change, _, pnl = exit_fill(
            1.0 if pos > 0.0 else -1.0, held, held, avg, efees, price, slippage, fees,
            fixed_fees, min_fees,
        )
        before = cash
        cash += cash_change
        closed += 1.0
        orders += 1.0
        fees_paid += fee
        if pnl > 0.0:
            wins += 1.0
            gross_profit += pnl
        else:
            gross_loss += pnl
        equity += (cash - before) - pos * price
        gross -= held * price
        pos = 0.0
        efees = 0.0
    if desired != 0.0 and pos == 0.0:
        side = 1 if desired > 0.0 else -1
        units = entry_units(
            size_type, size, equity, leverage * equity - gross, fill_price(price, side, slippage),
            fees, fixed_fees, min_fees,
        )
        if units > 0.0:
            avg, efees, cash_change = entry_fill(
                side, units, price, slippage, fees, fixed_fees, min_fees
            )
            cash += cash_change
            pos = side * units
            orders += 1.0
            fees_paid += efees
    return (cash, pos, avg, efees, np.nan, last, closed, wins, gross_profit, gross_loss, orders,
            fees_paid)


@njit(cache=True, inline="always")
def signal_step(
    account, open_price, close_price, entry, exit_, short_entry, short_exit, fill_at_close,
    allow_short, fees, fixed_fees, min_fees, slippage, size_type, size, leverage,
):
    """The account after one bar's fills and signals (marking aside: see ``mark_close``).

    A pending order fills at ``open_price`` (or, with ``fill_at_close``, this bar's signals
    fill at ``close_price``); a NaN price keeps it pending. A bar without signals leaves the
    decision unchanged.
    """
    if not fill_at_close and account[AC_PEND] == account[AC_PEND] and open_price == open_price:
        account = fill_pending_one(
            account, open_price, fees, fixed_fees, min_fees, slippage, size_type, size, leverage
        )
    if entry or exit_ or short_entry or short_exit:
        current = account[AC_PEND]
        if current != current:
            pos = account[AC_POS]
            current = 1.0 if pos > 0.0 else (-1.0 if pos < 0.0 else 0.0)
        desired = decide(current, entry, exit_, short_entry, short_exit, allow_short)
        if desired == desired:
            (cash, pos, avg, efees, _, last, closed, wins, gross_profit, gross_loss, orders,
             fees_paid) = account
            account = (cash, pos, avg, efees, desired, last, closed, wins, gross_profit,
                       gross_loss, orders, fees_paid)
    if fill_at_close and account[AC_PEND] == account[AC_PEND] and close_price == close_price:
        account = fill_pending_one(
            account, close_price, fees, fixed_fees, min_fees, slippage, size_type, size, leverage
        )
    return account


@njit(cache=True, inline="always")
def mark_close(account, close_price, running):
    """(account, running statistics) after marking at the bar's close (NaN keeps the last
    price)."""
    (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss, orders,
     fees_paid) = account
    if close_price == close_price:
        last = close_price
    equity = cash + pos * last if pos != 0.0 else cash
    account = (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss, orders,
               fees_paid)
    return account, add_equity(running, equity)


@njit(cache=True, inline="always")
def write_account_summary(out, row, account, running, cash0, periods_per_year):
    """Row ``row`` of ``out``: the ``layout.STAT_NAMES`` vector of the finished ``account``."""
    pos = account[AC_POS]
    cash = account[AC_CASH]
    equity = cash + pos * account[AC_LAST] if pos != 0.0 else cash
    write_summary(
        out, row, equity, cash0, 1.0 if pos != 0.0 else 0.0, account[AC_CLOSED],
        account[AC_WINS], account[AC_GROSS_PROFIT], account[AC_GROSS_LOSS], account[AC_ORDERS],
        account[AC_FEES], running, periods_per_year,
    )


@njit(cache=True, inline="always")
def load_account(state, k):
    """The account held in the first ``ACCOUNT_FIELDS`` columns of row ``k`` of ``state``."""
    return (state[k, 0], state[k, 1], state[k, 2], state[k, 3], state[k, 4], state[k, 5],
            state[k, 6], state[k, 7], state[k, 8], state[k, 9], state[k, 10], state[k, 11])


@njit(cache=True, inline="always")
def load_account_running(state, k):
    """The running statistics held in row ``k`` of ``state`` after the account's columns."""
    base = ACCOUNT_FIELDS
    return (state[k, base], state[k, base + 1], state[k, base + 2], state[k, base + 3],
            state[k, base + 4], state[k, base + 5], state[k, base + 6], state[k, base + 7])


@njit(cache=True, inline="always")
def store_account(state, k, account, running):
    """Write ``account`` and its running statistics into row ``k`` of ``state``."""
    for j in range(ACCOUNT_FIELDS):
        state[k, j] = account[j]
    for j in range(RUNNING_FIELDS):
        state[k, ACCOUNT_FIELDS + j] = running[j]


@njit(cache=True, inline="always")
def with_last(account, last):
    """``account`` valued at ``last``."""
    (cash, pos, avg, efees, pend, _, closed, wins, gross_profit, gross_loss, orders,
     fees_paid) = account
    return (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss, orders,
            fees_paid)
