"""The compiled sweep: every (asset, parameter combination) in one parallel numba pass.

Each task computes its own signals with the strategy's signal kernel into its group's buffers
and runs the engine's stats-only simulator, so memory is O(threads x bars + tasks x stats),
never O(bars x combinations). Assets of different lengths are concatenated into flat arrays
with ``offsets`` (asset a spans ``offsets[a]:offsets[a + 1]``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from signaltrust.backtest.nb.account import (
    mark_close,
    open_account,
    signal_step,
    write_account_summary,
)
from signaltrust.backtest.nb.layout import STAT_FIELDS
from signaltrust.backtest.nb.running import start_running
from signaltrust.backtest.nb.signals import signals_stats_nb
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
    ``periods_per_year`` is one value per asset. ``n_chunks`` groups of tasks run in parallel
    (a few per thread, tasks interleaved so that each group gets a share of every asset), each
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
                fast_signals_stats(
                    o, c, e, x, se, sx, cash0, fees, fixed_fees, min_fees, slippage,
                    fill_at_close, size_type, size, leverage, allow_short, periods_per_year[a],
                    out, task,
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


@njit(cache=True, nogil=True)
def fast_signals_stats(
    open_, close, entries, exits, short_entries, short_exits,
    cash0, fees, fixed_fees, min_fees, slippage, fill_at_close, size_type, size,
    leverage, allow_short, periods_per_year, out, row,
):
    """Row ``row`` of ``out``: one asset's stats-only signal simulation without stops, its
    account in registers.

    The engine's ``signals_stats_nb`` for the common sweep case of one asset and no stops: the
    same per-bar step (``account.signal_step``: the engine's fill, fee, sizing and decision
    functions) and the same running statistics, so every value equals the engine's to the
    last bit. The row is the ``layout.STAT_NAMES`` vector (written in place: no allocation per
    combination).
    """
    account = open_account(cash0)
    running = start_running()
    for bar in range(close.shape[0]):
        account = signal_step(
            account, open_[bar], close[bar], entries[bar], exits[bar], short_entries[bar],
            short_exits[bar], fill_at_close, allow_short, fees, fixed_fees, min_fees, slippage,
            size_type, size, leverage,
        )
        account, running = mark_close(account, close[bar], running)
    write_account_summary(out, row, account, running, cash0, periods_per_year)
