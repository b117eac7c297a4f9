"""The fused moving-average crossover sweep: signals computed inside the simulation loop.

For ``sma_cross`` the signal of a combination (fast, slow) depends only on the two moving
averages, and an average depends only on its window. So the bars are walked in blocks: for each
block the averages of every distinct window are computed once (a small windows x block matrix,
running sums carried from block to block), then every combination runs its simulation over the
block reading its two rows, with the crossing test done in registers: no per-combination signal
arrays are written or read. Each combination's account lives in scalars within a block and in
one row of ``state`` between blocks, so memory is O(windows x block + combinations), never
O(bars x combinations).

The averages are the values ``strategy.nb.sma_cross_kernel`` computes (same running sums, same
division), and the per-bar step is ``nb.sweep.fast_signals_stats``'s (same fills, fees, sizing
and decision helpers), so every row equals ``run`` for its combination.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

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
from signaltrust.backtest.nb.steps import decide
from signaltrust.backtest.nb.sweep import _fill_pending

# one combination's account and running statistics between blocks (columns of ``state``)
_CASH, _POS, _AVG, _EFEES, _PEND, _LAST = 0, 1, 2, 3, 4, 5
_CLOSED, _WINS, _GPROFIT, _GLOSS, _ORDERS, _FEES = 6, 7, 8, 9, 10, 11
_COUNT, _SUM, _SUMSQ, _PEAK, _FLOOR, _MAXDD, _PREV, _PREVDIFF = 12, 13, 14, 15, 16, 17, 18, 19
STATE_FIELDS = 20

#: bytes of the block of moving averages (windows x bars) shared by all combinations
BLOCK_BYTES = 1 << 20


def block_bars(n_windows: int, n_bars: int) -> int:
    """Bars per block: the averages of all windows over a block fit in about ``BLOCK_BYTES``."""
    return int(max(256, min(n_bars, BLOCK_BYTES // (8 * max(1, n_windows)))))


@njit(cache=True, error_model="numpy", inline="always")
def _means(close, window, sums, nans, w, t0, t1, out):
    """out[w, t - t0] = the mean of ``window`` closes ending at t (NaN while warming up or with a
    NaN in the window), continuing the running sum ``sums[w]`` (NaN count ``nans[w]``)."""
    s = sums[w]
    missing = nans[w]
    for t in range(t0, t1):
        x = close[t]
        if np.isnan(x):
            missing += 1
        else:
            s += x
        if t >= window:
            y = close[t - window]
            if np.isnan(y):
                missing -= 1
            else:
                s -= y
        if t >= window - 1 and missing == 0:
            out[w, t - t0] = s / window
        else:
            out[w, t - t0] = np.nan
    out[w, t1 - t0] = np.nan  # a sentinel after the block's last bar (see _run_block)
    sums[w] = s
    nans[w] = missing


@njit(cache=True, error_model="numpy", inline="always")
def _run_block(
    open_, close, means, frow, srow, t0, m, short_on, state, k,
    fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size, leverage, allow_short,
):
    """Combination ``k`` over the ``m`` bars from ``t0``, its account (row ``k`` of ``state``) in
    scalars. Row ``frow`` (``srow``) of ``means`` holds the fast (slow) average over the block and
    a NaN after it. Whole arrays and indices, no views: a view made in a parallel loop updates
    the array's reference count atomically, which the two threads then fight over."""
    cash = state[k, _CASH]
    pos = state[k, _POS]
    avg = state[k, _AVG]
    efees = state[k, _EFEES]
    pend = state[k, _PEND]
    last = state[k, _LAST]
    closed = state[k, _CLOSED]
    wins = state[k, _WINS]
    gross_profit = state[k, _GPROFIT]
    gross_loss = state[k, _GLOSS]
    n_orders = state[k, _ORDERS]
    fees_paid = state[k, _FEES]
    count = state[k, _COUNT]
    sum_ret = state[k, _SUM]
    sum_sq = state[k, _SUMSQ]
    peak = state[k, _PEAK]
    floor = state[k, _FLOOR]
    max_dd = state[k, _MAXDD]
    prev = state[k, _PREV]
    prev_diff = state[k, _PREVDIFF]
    # indices as unsigned integers: no wrap-around of negative indices in the tight loops
    n = np.uint64(m)
    base = np.uint64(t0)
    one = np.uint64(1)
    t = np.uint64(0)
    while t < n:
        if pend != pend and prev == prev and prev_diff != 0.0:
            # No order pending: a bar is quiet while the spread keeps the sign it had (or stays
            # NaN while warming up), so run to the next bar where it does not in a tight loop
            # (most bars); that bar takes the full step below, which tests for a crossing.
            begin = t
            if pos == 0.0:
                # flat: the equity is the cash, unchanged (a zero return each bar)
                if prev_diff > 0.0:  # the NaN after the block's last bar ends these loops
                    while means[frow, t] - means[srow, t] > 0.0:
                        t += one
                elif prev_diff < 0.0:
                    while means[frow, t] - means[srow, t] < 0.0:
                        t += one
                else:
                    while t < n and np.isnan(means[frow, t] - means[srow, t]):
                        t += one
            elif prev_diff == prev_diff:
                sign = 1.0 if prev_diff > 0.0 else -1.0
                # equity below floor = peak * margin may set a new maximum drawdown
                margin = (1.0 + max_dd) * (1.0 + 1e-9)
                while (means[frow, t] - means[srow, t]) * sign > 0.0:
                    c = close[base + t]
                    if c == c:
                        last = c
                    equity = cash + pos * last
                    if equity != prev:
                        ret = equity / prev - 1.0
                        sum_ret += ret
                        sum_sq += ret * ret
                        # a new peak without a branch (new highs come at random in a trend)
                        higher = equity > peak
                        peak = equity if higher else peak
                        floor = peak * margin if higher else floor
                        if equity < floor:
                            drawdown = equity / peak - 1.0
                            if drawdown < max_dd:
                                max_dd = drawdown
                                margin = (1.0 + max_dd) * (1.0 + 1e-9)
                                floor = peak * margin
                    prev = equity
                    t += one
            if t > begin:
                prev_diff = means[frow, t - one] - means[srow, t - one]
                count += float(t - begin)
            if t >= n:
                break
        # the full step of fast_signals_stats: a pending fill, a crossing, the first bar
        if not fill_at_close and pend == pend:
            price = open_[base + t]
            if price == price:
                (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss,
                 n_orders, fees_paid) = _fill_pending(
                    price, cash, pos, avg, efees, pend, closed, wins, gross_profit, gross_loss,
                    n_orders, fees_paid, fees, fixed_fees, min_fees, slippage, size_type, size,
                    leverage,
                )
        # the crossing test of strategy.nb.sma_cross_kernel on the previous and current bar
        diff = means[frow, t] - means[srow, t]
        up = diff > 0.0 and prev_diff <= 0.0
        down = diff < 0.0 and prev_diff >= 0.0
        prev_diff = diff
        if up or down:
            current = pend
            if current != current:
                current = 1.0 if pos > 0.0 else (-1.0 if pos < 0.0 else 0.0)
            desired = decide(current, up, down, down and short_on, up and short_on, allow_short)
            if desired == desired:
                pend = desired
        if fill_at_close and pend == pend:
            price = close[base + t]
            if price == price:
                (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss,
                 n_orders, fees_paid) = _fill_pending(
                    price, cash, pos, avg, efees, pend, closed, wins, gross_profit, gross_loss,
                    n_orders, fees_paid, fees, fixed_fees, min_fees, slippage, size_type, size,
                    leverage,
                )
        c = close[base + t]
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
        t += one
    state[k, _CASH] = cash
    state[k, _POS] = pos
    state[k, _AVG] = avg
    state[k, _EFEES] = efees
    state[k, _PEND] = pend
    state[k, _LAST] = last
    state[k, _CLOSED] = closed
    state[k, _WINS] = wins
    state[k, _GPROFIT] = gross_profit
    state[k, _GLOSS] = gross_loss
    state[k, _ORDERS] = n_orders
    state[k, _FEES] = fees_paid
    state[k, _COUNT] = count
    state[k, _SUM] = sum_ret
    state[k, _SUMSQ] = sum_sq
    state[k, _PEAK] = peak
    state[k, _FLOOR] = floor
    state[k, _MAXDD] = max_dd
    state[k, _PREV] = prev
    state[k, _PREVDIFF] = prev_diff


@njit(cache=True, error_model="numpy", inline="always")
def _finish(state, k, cash0, periods_per_year, out, row):
    """Row ``row`` of ``out``: the ``layout.STAT_NAMES`` of the finished account ``state[k]``
    (as fast_signals_stats)."""
    for j in range(STAT_FIELDS):
        out[row, j] = np.nan
    pos = state[k, _POS]
    equity = state[k, _CASH] + pos * state[k, _LAST] if pos != 0.0 else state[k, _CASH]
    count = state[k, _COUNT]
    sum_ret = state[k, _SUM]
    closed = state[k, _CLOSED]
    gross_profit = state[k, _GPROFIT]
    gross_loss = state[k, _GLOSS]
    out[row, S_FINAL_EQUITY] = equity
    out[row, S_TOTAL_RETURN] = equity / cash0 - 1.0
    if count >= 2.0:
        mean = sum_ret / count
        var = (state[k, _SUMSQ] - sum_ret * mean) / (count - 1.0)
        std = np.sqrt(var) if var > 0.0 else 0.0
        out[row, S_ANNUAL_VOLATILITY] = std * np.sqrt(periods_per_year)
        if std != 0.0:
            out[row, S_SHARPE] = mean / std * np.sqrt(periods_per_year)
    out[row, S_MAX_DRAWDOWN] = state[k, _MAXDD]
    out[row, S_TRADES] = closed
    out[row, S_OPEN_TRADES] = 1.0 if pos != 0.0 else 0.0
    if closed > 0.0:
        out[row, S_WIN_RATE] = state[k, _WINS] / closed
    if gross_loss < 0.0:
        out[row, S_PROFIT_FACTOR] = gross_profit / -gross_loss
    elif gross_profit > 0.0:
        out[row, S_PROFIT_FACTOR] = np.inf
    out[row, S_ORDERS] = state[k, _ORDERS]
    out[row, S_FEES] = state[k, _FEES]


@njit(cache=True, parallel=True, error_model="numpy")
def sweep_cross_nb(
    open_, close, offsets, windows, fast_row, slow_row, short_on, block,
    cash0, fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size, leverage,
    allow_short, periods_per_year,
):
    """Stats of every (asset, SMA-crossover combination): an array (assets * combinations,
    STAT_FIELDS), row ``a * combinations + k`` for asset ``a`` and combination ``k``.

    ``windows`` are the distinct average lengths; combination ``k`` crosses the average of
    ``windows[fast_row[k]]`` bars with that of ``windows[slow_row[k]]`` bars, with shorts when
    ``short_on[k]``. ``block`` bars are walked at a time (see ``block_bars``). No stops: those
    sweeps go through ``nb.sweep.sweep_signals_nb``.
    """
    n_assets = offsets.shape[0] - 1
    n_combos = fast_row.shape[0]
    n_windows = windows.shape[0]
    out = np.empty((n_assets * n_combos, STAT_FIELDS))
    means = np.empty((n_windows, block + 1))
    sums = np.zeros(n_windows)
    nans = np.zeros(n_windows, dtype=np.int64)
    state = np.empty((n_combos, STATE_FIELDS))
    for a in range(n_assets):
        start = offsets[a]
        stop = offsets[a + 1]
        o = open_[start:stop]
        c = close[start:stop]
        sums[:] = 0.0
        nans[:] = 0
        state[:] = 0.0
        state[:, _CASH] = cash0
        state[:, _PEND] = np.nan
        state[:, _LAST] = np.nan
        state[:, _PREV] = np.nan
        state[:, _PREVDIFF] = np.nan
        for t0 in range(0, stop - start, block):
            t1 = min(t0 + block, stop - start)
            for w in prange(n_windows):
                _means(c, windows[w], sums, nans, w, t0, t1, means)
            for k in prange(n_combos):
                _run_block(
                    o, c, means, fast_row[k], slow_row[k], t0, t1 - t0, short_on[k], state, k,
                    fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size,
                    leverage, allow_short,
                )
        for k in prange(n_combos):
            _finish(state, k, cash0, periods_per_year[a], out, a * n_combos + k)
    return out
