"""The compiled sweep: every (asset, parameter combination) in one parallel numba pass.

Each task computes its own signals with the strategy's signal kernel into per-chunk buffers
and runs the engine's stats-only simulator, so memory is O(chunks x bars + tasks x stats),
never O(bars x combinations). Assets of different lengths are concatenated into flat arrays
with ``offsets`` (asset a spans ``offsets[a]:offsets[a + 1]``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from signaltrust.backtest.nb.layout import (
    S_ANNUAL_VOLATILITY,
    S_FEES,
    S_FINAL_EQUITY,
    S_MAX_DRAWDOWN,
    S_OPEN_TRADES,
    S_ORDERS,
    S_PROFIT_FACTOR,
    S_SHARPE,
    S_TOTAL_RETURN,
    S_TRADES,
    S_WIN_RATE,
    STAT_FIELDS,
)
from signaltrust.backtest.nb.orders import entry_units, fill_price, order_fees
from signaltrust.backtest.nb.signals import signals_stats_nb
from signaltrust.backtest.nb.steps import decide
from signaltrust.strategy import nb as strategy_nb

#: the built-in signal kernels, called by number so that the compiled sweep caches on disk
#: (a kernel passed as a function argument is typed by identity, which no cache can reuse)
BUILTIN_KERNELS = (
    strategy_nb.sma_cross_kernel,
    strategy_nb.bollinger_rsi_kernel,
    strategy_nb.donchian_breakout_kernel,
    strategy_nb.ts_momentum_kernel,
)


def kernel_argument(kernel):
    """What ``sweep_signals_nb`` takes for ``kernel``: its number if built in, else the kernel."""
    for number, builtin in enumerate(BUILTIN_KERNELS):
        if kernel is builtin:
            return number
    return kernel


def _signals(kernel, o, h, lo, c, v, p, e, x, se, sx):
    """Fill the four signal arrays with ``kernel`` (a built-in's number or an njit kernel)."""


@overload(_signals, jit_options={"cache": True})
def _signals_impl(kernel, o, h, lo, c, v, p, e, x, se, sx):
    if isinstance(kernel, types.Integer):
        def by_number(kernel, o, h, lo, c, v, p, e, x, se, sx):
            if kernel == 0:
                strategy_nb.sma_cross_kernel(o, h, lo, c, v, p, e, x, se, sx)
            elif kernel == 1:
                strategy_nb.bollinger_rsi_kernel(o, h, lo, c, v, p, e, x, se, sx)
            elif kernel == 2:
                strategy_nb.donchian_breakout_kernel(o, h, lo, c, v, p, e, x, se, sx)
            else:
                strategy_nb.ts_momentum_kernel(o, h, lo, c, v, p, e, x, se, sx)

        return by_number

    def by_function(kernel, o, h, lo, c, v, p, e, x, se, sx):
        kernel(o, h, lo, c, v, p, e, x, se, sx)

    return by_function


@njit(cache=True, parallel=True)
def sweep_signals_nb(
    kernel, open_, high, low, close, volume, offsets, params,
    cash0, fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size,
    sl_stop, tp_stop, tsl_stop, leverage, allow_short, periods_per_year, n_chunks,
):
    """Stats of every (asset, combination): an array (assets * combinations, STAT_FIELDS).

    ``kernel`` is a strategy signal kernel or, for the built-ins, its number in
    ``BUILTIN_KERNELS`` (see ``kernel_argument``).

    Row ``a * combinations + k`` holds asset ``a`` under parameter row ``params[k]``.
    ``periods_per_year`` is one value per asset. ``n_chunks`` tasks groups run in parallel, each
    with its own signal buffers of the longest asset's length.
    """
    n_assets = offsets.shape[0] - 1
    n_combos = params.shape[0]
    n_tasks = n_assets * n_combos
    out = np.empty((n_tasks, STAT_FIELDS))
    stops_on = sl_stop > 0.0 or tp_stop > 0.0 or tsl_stop > 0.0
    max_len = 0
    for a in range(n_assets):
        max_len = max(max_len, offsets[a + 1] - offsets[a])
    chunks = max(1, min(n_chunks, n_tasks))
    for chunk in prange(chunks):
        entries = np.empty(max_len, dtype=np.bool_)
        exits = np.empty(max_len, dtype=np.bool_)
        short_entries = np.empty(max_len, dtype=np.bool_)
        short_exits = np.empty(max_len, dtype=np.bool_)
        for task in range(chunk, n_tasks, chunks):
            a = task // n_combos
            k = task - a * n_combos
            start = offsets[a]
            stop = offsets[a + 1]
            m = stop - start
            o = open_[start:stop]
            h = high[start:stop]
            lo = low[start:stop]
            c = close[start:stop]
            e = entries[:m]
            x = exits[:m]
            se = short_entries[:m]
            sx = short_exits[:m]
            _signals(kernel, o, h, lo, c, volume[start:stop], params[k], e, x, se, sx)
            if not stops_on:
                stats = fast_signals_stats(
                    o, c, e, x, se, sx, cash0, fees, fixed_fees, min_fees, slippage,
                    fill_at_close, size_type, size, leverage, allow_short, periods_per_year[a],
                )
            else:
                stats = signals_stats_nb(
                    o.reshape((m, 1)), h.reshape((m, 1)), lo.reshape((m, 1)), c.reshape((m, 1)),
                    e.reshape((m, 1)), x.reshape((m, 1)), se.reshape((m, 1)), sx.reshape((m, 1)),
                    cash0, fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size,
                    sl_stop, tp_stop, tsl_stop, leverage, allow_short, periods_per_year[a],
                )
            for j in range(STAT_FIELDS):
                out[task, j] = stats[j]
    return out


@njit(cache=True, inline="always")
def _fill_pending(
    price, cash, pos, avg, efees, pend, closed, wins, gross_profit, gross_loss, n_orders,
    fees_paid, fees, fixed_fees, min_fees, slippage, size_type, size, leverage,
):
    """One asset's nb.steps.fill_pending at a known ``price`` with a pending direction, in scalars:
    the exit (or the reversal's exit) first, then the entry sized on the equity at ``price``."""
    last = price
    equity = cash + pos * last if pos != 0.0 else cash
    gross = abs(pos) * last if pos != 0.0 else 0.0
    desired = pend
    if pos != 0.0 and (desired == 0.0 or (pos > 0.0) != (desired > 0.0)):
        direction = 1.0 if pos > 0.0 else -1.0
        held = abs(pos)
        side = -1 if direction > 0.0 else 1
        exit_price = fill_price(price, side, slippage)
        notional = held * exit_price
        fee = order_fees(notional, fees, fixed_fees, min_fees)
        before = cash
        cash += direction * notional - fee
        entry_fee = efees * (held / held)
        pnl = direction * held * (exit_price - avg) - entry_fee - fee
        closed += 1.0
        n_orders += 1.0
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
    pend = np.nan
    if desired != 0.0 and pos == 0.0:
        side = 1 if desired > 0.0 else -1
        entry_price = fill_price(price, side, slippage)
        units = entry_units(
            size_type, size, equity, leverage * equity - gross, entry_price, fees, fixed_fees,
            min_fees,
        )
        if units > 0.0:
            notional = units * entry_price
            fee = order_fees(notional, fees, fixed_fees, min_fees)
            cash += -side * notional - fee
            avg = entry_price
            efees = fee
            pos = side * units
            n_orders += 1.0
            fees_paid += fee
    return (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss, n_orders,
            fees_paid)


@njit(cache=True, nogil=True)
def fast_signals_stats(
    open_, close, entries, exits, short_entries, short_exits,
    cash0, fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size,
    leverage, allow_short, periods_per_year,
):
    """One asset's stats-only signal simulation without stops, in scalar state.

    It replays the engine's ``signals_stats_nb`` step for step (same pending-order rule, same
    fill, fee and sizing helpers, same marking) for the common sweep case of one asset and no
    stops, keeping every value in registers; the sweep tests hold it equal to ``run``. Final
    equity, trades, orders and fees are the engine's to the last bit; Sharpe ratio and
    volatility come from sums of returns rather than Welford's update (equal to ~1e-12
    relative). Returns the ``layout.STAT_NAMES`` vector.
    """
    n = close.shape[0]
    cash = cash0
    pos = 0.0
    avg = 0.0
    efees = 0.0
    last = np.nan
    pend = np.nan
    closed = 0.0
    wins = 0.0
    gross_profit = 0.0
    gross_loss = 0.0
    n_orders = 0.0
    fees_paid = 0.0
    # running statistics of the marked equity (as nb.running.update_running, with plain sums
    # of returns instead of Welford's update: no division on the loop-carried path)
    count = 0.0
    sum_ret = 0.0
    sum_sq = 0.0
    peak = 0.0
    floor = 0.0  # equity below this may set a new maximum drawdown (a safe margin above it)
    max_dd = 0.0
    prev = np.nan
    for bar in range(n):
        if not fill_at_close and pend == pend and open_[bar] == open_[bar]:
            (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss, n_orders,
             fees_paid) = _fill_pending(
                open_[bar], cash, pos, avg, efees, pend, closed, wins, gross_profit, gross_loss,
                n_orders, fees_paid, fees, fixed_fees, min_fees, slippage, size_type, size,
                leverage,
            )
        # no signal on a bar leaves the decision unchanged (decide would return NaN)
        if entries[bar] or exits[bar] or short_entries[bar] or short_exits[bar]:
            current = pend
            if current != current:
                current = 1.0 if pos > 0.0 else (-1.0 if pos < 0.0 else 0.0)
            desired = decide(
                current, entries[bar], exits[bar], short_entries[bar], short_exits[bar],
                allow_short,
            )
            if desired == desired:
                pend = desired
        if fill_at_close and pend == pend and close[bar] == close[bar]:
            (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss, n_orders,
             fees_paid) = _fill_pending(
                close[bar], cash, pos, avg, efees, pend, closed, wins, gross_profit, gross_loss,
                n_orders, fees_paid, fees, fixed_fees, min_fees, slippage, size_type, size,
                leverage,
            )
        # mark at the close
        c = close[bar]
        if c == c:
            last = c
        equity = cash + pos * last if pos != 0.0 else cash
        if prev == prev:
            count += 1.0
            if equity != prev:  # an unchanged equity adds a zero return and no new drawdown
                ret = equity / prev - 1.0
                sum_ret += ret
                sum_sq += ret * ret
                if equity > peak:
                    peak = equity
                    floor = peak * (1.0 + max_dd) * (1.0 + 1e-9)
                elif equity < floor:
                    drawdown = equity / peak - 1.0
                    if drawdown < max_dd:
                        max_dd = drawdown
                        floor = peak * (1.0 + max_dd) * (1.0 + 1e-9)
        else:
            peak = equity
            floor = peak * (1.0 + 1e-9)
        prev = equity
    out = np.full(STAT_FIELDS, np.nan)
    equity = cash + pos * last if pos != 0.0 else cash
    open_trades = 1.0 if pos != 0.0 else 0.0
    out[S_FINAL_EQUITY] = equity
    out[S_TOTAL_RETURN] = equity / cash0 - 1.0
    if count >= 2.0:
        mean = sum_ret / count
        var = (sum_sq - sum_ret * mean) / (count - 1.0)
        std = np.sqrt(var) if var > 0.0 else 0.0
        out[S_ANNUAL_VOLATILITY] = std * np.sqrt(periods_per_year)
        if std != 0.0:
            out[S_SHARPE] = mean / std * np.sqrt(periods_per_year)
    out[S_MAX_DRAWDOWN] = max_dd
    out[S_TRADES] = closed
    out[S_OPEN_TRADES] = open_trades
    if closed > 0.0:
        out[S_WIN_RATE] = wins / closed
    if gross_loss < 0.0:
        out[S_PROFIT_FACTOR] = gross_profit / -gross_loss
    elif gross_profit > 0.0:
        out[S_PROFIT_FACTOR] = np.inf
    out[S_ORDERS] = n_orders
    out[S_FEES] = fees_paid
    return out
