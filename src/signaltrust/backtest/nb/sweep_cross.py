"""The fused moving-average crossover sweep: signals computed inside the simulation loop.

For ``sma_cross`` the signal of a combination (fast, slow) depends only on the two moving
averages, and an average depends only on its window. So the bars are walked in blocks: for each
block the averages of every distinct window are computed once (a small windows x block matrix,
running sums carried from block to block), then every combination runs its simulation over the
block reading its two rows, with the crossing test done in registers: no per-combination signal
arrays are written or read. Each combination's account lives in registers within a block and in
one row of ``state`` between blocks, so memory is O(windows x block + combinations), never
O(bars x combinations).

The averages are the values ``strategy.nb.sma_cross_kernel`` computes (same running sums, same
division), the per-bar step is ``account.signal_step`` and the marking ``account.mark_close``
(the engine's fills, fees, sizing, decision and running statistics), so every row equals
``run`` for its combination.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from signaltrust.backtest.nb.account import (
    AC_CASH,
    AC_LAST,
    AC_PEND,
    AC_POS,
    ACCOUNT_FIELDS,
    load_account,
    load_account_running,
    mark_close,
    open_account,
    signal_step,
    store_account,
    with_last,
    write_account_summary,
)
from signaltrust.backtest.nb.layout import STAT_FIELDS
from signaltrust.backtest.nb.running import (
    R_PREV,
    RUNNING_FIELDS,
    add_flat_bars,
    add_return,
    start_running,
)

# one combination between blocks: its account, its running statistics, then the spread of the
# averages at its last bar (columns of ``state``)
PREV_DIFF = ACCOUNT_FIELDS + RUNNING_FIELDS
STATE_FIELDS = PREV_DIFF + 1

#: bytes of a block of moving averages (windows x bars) shared by all combinations; two are
#: kept (the block being simulated, the next one being computed). Larger blocks mean fewer
#: parallel loops (one per block): 2 MB holds GOOG's 76 averages of the default grid in one
BLOCK_BYTES = 2 << 20


def block_bars(n_windows: int, n_bars: int) -> int:
    """Bars per block: the averages of all windows over a block fit in about ``BLOCK_BYTES``."""
    return int(max(256, min(n_bars, BLOCK_BYTES // (8 * max(1, n_windows)))))


@njit(cache=True, error_model="numpy", inline="always")
def _means(close, window, sums, nans, w, t0, t1, out, buf):
    """out[buf, w, t - t0] = the mean of ``window`` closes ending at t (NaN while warming up or
    with a NaN in the window), continuing the running sum ``sums[w]`` (NaN count ``nans[w]``)."""
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
            out[buf, w, t - t0] = s / window
        else:
            out[buf, w, t - t0] = np.nan
    out[buf, w, t1 - t0] = np.nan  # a sentinel after the block's last bar (see _run_block)
    sums[w] = s
    nans[w] = missing


@njit(cache=True, error_model="numpy", inline="always")
def _run_block(
    open_, close, means, buf, frow, srow, t0, m, short_on, state, k,
    fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size, leverage, allow_short,
):
    """Combination ``k`` over the ``m`` bars from ``t0``, its account (row ``k`` of ``state``) in
    registers. Row ``frow`` (``srow``) of ``means[buf]`` holds the fast (slow) average over the
    block and a NaN after it. Whole arrays and indices, no views: a view made in a parallel loop
    updates the array's reference count atomically, which the threads then fight over."""
    account = load_account(state, k)
    running = load_account_running(state, k)
    prev_diff = state[k, PREV_DIFF]
    # indices as unsigned integers: no wrap-around of negative indices in the tight loops
    n = np.uint64(m)
    base = np.uint64(t0)
    one = np.uint64(1)
    t = np.uint64(0)
    while t < n:
        if account[AC_PEND] != account[AC_PEND] and running[R_PREV] == running[R_PREV] \
                and prev_diff != 0.0:
            # No order pending: a bar is quiet while the spread keeps the sign it had (or stays
            # NaN while warming up), so run to the next bar where it does not in a tight loop
            # (most bars); that bar takes the full step below, which tests for a crossing.
            begin = t
            if account[AC_POS] == 0.0:
                # flat: the equity is the cash, unchanged (a zero return each bar)
                if prev_diff > 0.0:  # the NaN after the block's last bar ends these loops
                    while means[buf, frow, t] - means[buf, srow, t] > 0.0:
                        t += one
                elif prev_diff < 0.0:
                    while means[buf, frow, t] - means[buf, srow, t] < 0.0:
                        t += one
                else:
                    while t < n and np.isnan(means[buf, frow, t] - means[buf, srow, t]):
                        t += one
                running = add_flat_bars(running, t - begin)
            elif prev_diff == prev_diff:
                sign = 1.0 if prev_diff > 0.0 else -1.0
                cash = account[AC_CASH]
                pos = account[AC_POS]
                last = account[AC_LAST]
                while (means[buf, frow, t] - means[buf, srow, t]) * sign > 0.0:
                    c = close[base + t]
                    if c == c:
                        last = c
                    running = add_return(running, cash + pos * last)
                    t += one
                account = with_last(account, last)
                running = add_flat_bars(running, t - begin)
            if t > begin:
                prev_diff = means[buf, frow, t - one] - means[buf, srow, t - one]
            if t >= n:
                break
        # the crossing test of strategy.nb.sma_cross_kernel on the previous and current bar,
        # then the full step: a pending fill, the decision, the marking
        diff = means[buf, frow, t] - means[buf, srow, t]
        up = diff > 0.0 and prev_diff <= 0.0
        down = diff < 0.0 and prev_diff >= 0.0
        prev_diff = diff
        account = signal_step(
            account, open_[base + t], close[base + t], up, down, down and short_on,
            up and short_on, fill_at_close, allow_short, fees, fixed_fees, min_fees, slippage,
            size_type, size, leverage,
        )
        account, running = mark_close(account, close[base + t], running)
        t += one
    store_account(state, k, account, running)
    state[k, PREV_DIFF] = prev_diff


@njit(cache=True, error_model="numpy", inline="always")
def _start(state, k, cash0):
    """Row ``k`` of ``state``: a flat account before the first bar."""
    store_account(state, k, open_account(cash0), start_running())
    state[k, PREV_DIFF] = np.nan


@njit(cache=True, error_model="numpy", inline="always")
def _finish(state, k, cash0, periods_per_year, out, row):
    """Row ``row`` of ``out``: the ``layout.STAT_NAMES`` of the finished account ``state[k]``."""
    account = load_account(state, k)
    running = load_account_running(state, k)
    write_account_summary(out, row, account, running, cash0, periods_per_year)


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

    Each block is one parallel loop over its work: every combination over the block, then the
    averages of the next block, which go to the other half of a double buffer (the last
    block's loop also finishes the rows). A parallel loop ends when its slowest thread does, so
    fewer loops mean fewer waits: with one more loop for the first block's averages, GOOG's
    default grid (one block) takes two (eight before the blocks were restructured).
    """
    n_assets = offsets.shape[0] - 1
    n_combos = fast_row.shape[0]
    n_windows = windows.shape[0]
    out = np.empty((n_assets * n_combos, STAT_FIELDS))
    # np.empty and plain loops, not np.zeros or slice assignments: in a parallel function
    # numba turns those into parallel loops, each one more wait for the slowest thread
    means = np.empty((2, n_windows, block + 1))
    sums = np.empty(n_windows)
    nans = np.empty(n_windows, dtype=np.int64)
    state = np.empty((n_combos, STATE_FIELDS))
    for a in range(n_assets):
        start = offsets[a]
        stop = offsets[a + 1]
        bars = stop - start
        o = open_[start:stop]
        c = close[start:stop]
        for w in range(n_windows):
            sums[w] = 0.0
            nans[w] = 0
        for k in range(n_combos):
            _start(state, k, cash0)
        blocks = (bars + block - 1) // block
        if blocks == 0:
            for k in range(n_combos):
                _finish(state, k, cash0, periods_per_year[a], out, a * n_combos + k)
            continue
        for w in prange(n_windows):  # the first block's averages
            _means(c, windows[w], sums, nans, w, 0, min(block, bars), means, 0)
        for b in range(blocks):
            t0 = b * block
            t1 = min(t0 + block, bars)
            buf = b % 2
            last = b == blocks - 1
            items = n_combos if last else n_combos + n_windows
            for item in prange(items):
                if item < n_combos:
                    _run_block(
                        o, c, means, buf, fast_row[item], slow_row[item], t0, t1 - t0,
                        short_on[item], state, item, fees, fixed_fees, min_fees, slippage,
                        fill_at_close, size_type, size, leverage, allow_short,
                    )
                    if last:
                        _finish(state, item, cash0, periods_per_year[a], out,
                                a * n_combos + item)
                else:
                    w = item - n_combos
                    _means(c, windows[w], sums, nans, w, t1, min(t1 + block, bars), means,
                           1 - buf)
    return out
