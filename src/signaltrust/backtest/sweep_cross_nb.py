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
division), and the per-bar step is ``sweep_nb.fast_signals_stats``'s (same fills, fees, sizing
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
from signaltrust.backtest.sweep_nb import _fill_pending

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
    row = out[w]
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
            row[t - t0] = s / window
        else:
            row[t - t0] = np.nan
    row[t1 - t0] = np.nan  # a sentinel after the block's last bar (see _run_block)
    sums[w] = s
    nans[w] = missing


@njit(cache=True, error_model="numpy", inline="always")
def _run_block(
    open_, close, fast_mean, slow_mean, short_on, st,
    fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size, leverage, allow_short,
):
    """One combination over a block of bars (the arrays: the block's rows): its account ``st``
    (a ``state`` row) in scalars. The averages hold one more element, a NaN, after the block."""
    cash = st[_CASH]
    pos = st[_POS]
    avg = st[_AVG]
    efees = st[_EFEES]
    pend = st[_PEND]
    last = st[_LAST]
    closed = st[_CLOSED]
    wins = st[_WINS]
    gross_profit = st[_GPROFIT]
    gross_loss = st[_GLOSS]
    n_orders = st[_ORDERS]
    fees_paid = st[_FEES]
    count = st[_COUNT]
    sum_ret = st[_SUM]
    sum_sq = st[_SUMSQ]
    peak = st[_PEAK]
    floor = st[_FLOOR]
    max_dd = st[_MAXDD]
    prev = st[_PREV]
    prev_diff = st[_PREVDIFF]
    # indices as unsigned integers: no wrap-around of negative indices in the tight loops
    n = np.uint64(close.shape[0])
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
                    while fast_mean[t] - slow_mean[t] > 0.0:
                        t += one
                elif prev_diff < 0.0:
                    while fast_mean[t] - slow_mean[t] < 0.0:
                        t += one
                else:
                    while t < n and np.isnan(fast_mean[t] - slow_mean[t]):
                        t += one
            elif prev_diff == prev_diff:
                sign = 1.0 if prev_diff > 0.0 else -1.0
                # equity below floor = peak * margin may set a new maximum drawdown
                margin = (1.0 + max_dd) * (1.0 + 1e-9)
                while (fast_mean[t] - slow_mean[t]) * sign > 0.0:
                    c = close[t]
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
                prev_diff = fast_mean[t - one] - slow_mean[t - one]
                count += float(t - begin)
            if t >= n:
                break
        # the full step of fast_signals_stats: a pending fill, a crossing, the first bar
        if not fill_at_close and pend == pend:
            price = open_[t]
            if price == price:
                (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss,
                 n_orders, fees_paid) = _fill_pending(
                    price, cash, pos, avg, efees, pend, closed, wins, gross_profit, gross_loss,
                    n_orders, fees_paid, fees, fixed_fees, min_fees, slippage, size_type, size,
                    leverage,
                )
        # the crossing test of strategy.nb.sma_cross_kernel on the previous and current bar
        diff = fast_mean[t] - slow_mean[t]
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
            price = close[t]
            if price == price:
                (cash, pos, avg, efees, pend, last, closed, wins, gross_profit, gross_loss,
                 n_orders, fees_paid) = _fill_pending(
                    price, cash, pos, avg, efees, pend, closed, wins, gross_profit, gross_loss,
                    n_orders, fees_paid, fees, fixed_fees, min_fees, slippage, size_type, size,
                    leverage,
                )
        c = close[t]
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
    st[_CASH] = cash
    st[_POS] = pos
    st[_AVG] = avg
    st[_EFEES] = efees
    st[_PEND] = pend
    st[_LAST] = last
    st[_CLOSED] = closed
    st[_WINS] = wins
    st[_GPROFIT] = gross_profit
    st[_GLOSS] = gross_loss
    st[_ORDERS] = n_orders
    st[_FEES] = fees_paid
    st[_COUNT] = count
    st[_SUM] = sum_ret
    st[_SUMSQ] = sum_sq
    st[_PEAK] = peak
    st[_FLOOR] = floor
    st[_MAXDD] = max_dd
    st[_PREV] = prev
    st[_PREVDIFF] = prev_diff


@njit(cache=True, error_model="numpy", inline="always")
def _finish(st, cash0, periods_per_year, out):
    """The ``layout.STAT_NAMES`` vector of a finished account (as fast_signals_stats)."""
    for j in range(STAT_FIELDS):
        out[j] = np.nan
    pos = st[_POS]
    equity = st[_CASH] + pos * st[_LAST] if pos != 0.0 else st[_CASH]
    count = st[_COUNT]
    sum_ret = st[_SUM]
    closed = st[_CLOSED]
    gross_profit = st[_GPROFIT]
    gross_loss = st[_GLOSS]
    out[S_FINAL_EQUITY] = equity
    out[S_TOTAL_RETURN] = equity / cash0 - 1.0
    if count >= 2.0:
        mean = sum_ret / count
        var = (st[_SUMSQ] - sum_ret * mean) / (count - 1.0)
        std = np.sqrt(var) if var > 0.0 else 0.0
        out[S_ANNUAL_VOLATILITY] = std * np.sqrt(periods_per_year)
        if std != 0.0:
            out[S_SHARPE] = mean / std * np.sqrt(periods_per_year)
    out[S_MAX_DRAWDOWN] = st[_MAXDD]
    out[S_TRADES] = closed
    out[S_OPEN_TRADES] = 1.0 if pos != 0.0 else 0.0
    if closed > 0.0:
        out[S_WIN_RATE] = st[_WINS] / closed
    if gross_loss < 0.0:
        out[S_PROFIT_FACTOR] = gross_profit / -gross_loss
    elif gross_profit > 0.0:
        out[S_PROFIT_FACTOR] = np.inf
    out[S_ORDERS] = st[_ORDERS]
    out[S_FEES] = st[_FEES]


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
    sweeps go through ``sweep_nb.sweep_signals_nb``.
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
        for k in range(n_combos):
            st = state[k]
            st[:] = 0.0
            st[_CASH] = cash0
            st[_PEND] = np.nan
            st[_LAST] = np.nan
            st[_PREV] = np.nan
            st[_PREVDIFF] = np.nan
        for t0 in range(0, stop - start, block):
            t1 = min(t0 + block, stop - start)
            for w in prange(n_windows):
                _means(c, windows[w], sums, nans, w, t0, t1, means)
            for k in prange(n_combos):
                m = t1 - t0
                _run_block(
                    o[t0:t1], c[t0:t1], means[fast_row[k], :m + 1], means[slow_row[k], :m + 1],
                    short_on[k],
                    state[k], fees, fixed_fees, min_fees, slippage, fill_at_close, size_type,
                    size, leverage, allow_short,
                )
        for k in prange(n_combos):
            _finish(state[k], cash0, periods_per_year[a], out[a * n_combos + k])
    return out
