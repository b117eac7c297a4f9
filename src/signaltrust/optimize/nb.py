"""Numba kernels of the resampling statistics: seeded per-path generators, resampled paths, CSCV.

Arrays in, arrays out. Every path draws from its own splitmix64 stream seeded from the
caller's seed, so results do not depend on the number of threads or the order paths run in.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

NAN = np.nan

#: resampling schemes of :func:`resampled_paths_nb`
PERMUTE = 0  # a random permutation of the inputs (trade-order reshuffling)
STATIONARY = 1  # Politis & Romano stationary bootstrap, geometric block lengths of mean `block`
CIRCULAR = 2  # circular block bootstrap, fixed blocks of length `block` (block 1: iid)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_UNIT = 1.0 / 9007199254740992.0  # 2 ** -53


@njit(cache=True)
def _next(state):
    """splitmix64: the next state and its 64-bit output."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return state, z ^ (z >> _S31)


@njit(cache=True)
def _uniform(state):
    """A uniform draw in [0, 1) and the new state."""
    state, z = _next(state)
    return state, float(z >> _S11) * _UNIT


@njit(cache=True)
def _below(state, n):
    """A uniform integer in [0, n) and the new state."""
    state, u = _uniform(state)
    k = int(u * n)
    return state, min(k, n - 1)


@njit(cache=True)
def _fill_indices(state, scheme, n_in, n_out, block, out):
    """Write the n_out resampled positions of one path into out[:n_out]; return the new state."""
    if scheme == PERMUTE:
        for i in range(n_in):
            out[i] = i
        for i in range(n_in - 1, 0, -1):  # Fisher-Yates
            state, j = _below(state, i + 1)
            out[i], out[j] = out[j], out[i]
        return state
    if scheme == STATIONARY:
        p_new = 1.0 / block
        state, pos = _below(state, n_in)
        out[0] = pos
        for i in range(1, n_out):
            state, u = _uniform(state)
            if u < p_new:
                state, pos = _below(state, n_in)
            else:
                pos = (pos + 1) % n_in
            out[i] = pos
        return state
    step = int(block)
    i = 0
    while i < n_out:
        state, pos = _below(state, n_in)
        for _ in range(step):
            if i >= n_out:
                break
            out[i] = pos
            pos = (pos + 1) % n_in
            i += 1
    return state


@njit(cache=True, parallel=True)
def resampled_paths_nb(returns, seeds, scheme, block, n_out, band_steps, stats, bands):
    """Resample ``returns`` once per seed, compound each path and record its statistics.

    ``stats[p]`` gets final growth (equity / start), maximum drawdown (negative), the longest
    stretch under a previous peak (in steps), the share of steps under water, and the mean and
    sample standard deviation (ddof 1) of the resampled returns. ``bands[p, k]`` gets the
    growth after step ``band_steps[k]`` (step 0 is the start, 1.0).
    """
    n_paths = seeds.shape[0]
    n_in = returns.shape[0]
    n_bands = band_steps.shape[0]
    for p in prange(n_paths):
        index = np.empty(max(n_in, n_out), dtype=np.int64)
        _fill_indices(seeds[p], scheme, n_in, n_out, block, index)
        equity = 1.0
        peak = 1.0
        worst = 0.0
        run = 0
        longest = 0
        under = 0
        total = 0.0
        squares = 0.0
        k = 0
        while k < n_bands and band_steps[k] == 0:
            bands[p, k] = 1.0
            k += 1
        for i in range(n_out):
            r = returns[index[i]]
            total += r
            squares += r * r
            equity *= 1.0 + r
            if equity >= peak:
                peak = equity
                run = 0
            else:
                run += 1
                under += 1
                if run > longest:
                    longest = run
                drawdown = equity / peak - 1.0
                if drawdown < worst:
                    worst = drawdown
            while k < n_bands and band_steps[k] == i + 1:
                bands[p, k] = equity
                k += 1
        stats[p, 0] = equity
        stats[p, 1] = worst
        stats[p, 2] = longest
        stats[p, 3] = under / n_out if n_out > 0 else NAN
        if n_out > 0:
            mean = total / n_out
            stats[p, 4] = mean
            if n_out > 1:
                var = (squares - n_out * mean * mean) / (n_out - 1)
                stats[p, 5] = math.sqrt(var) if var > 0.0 else 0.0
            else:
                stats[p, 5] = NAN
        else:
            stats[p, 4] = NAN
            stats[p, 5] = NAN


@njit(cache=True)
def _sharpe_from_sums(total, squares, n, shift):
    """Sharpe ratio (ddof 1) of n values whose shifted (value - shift) sums are given."""
    if n < 2:
        return NAN
    mean = total / n
    var = (squares - n * mean * mean) / (n - 1)
    if var <= 1e-300:
        return NAN
    return (mean + shift) / math.sqrt(var)


@njit(cache=True)
def _rank_of(values, chosen):
    """Average rank (1 = worst) of values[chosen] among values; NaN ranks below everything."""
    target = values[chosen]
    if math.isnan(target):
        nan_count = 0
        for v in values:
            if math.isnan(v):
                nan_count += 1
        return (nan_count + 1) / 2.0
    less = 0
    equal = 0
    for v in values:
        if math.isnan(v) or v < target:
            less += 1
        elif v == target:
            equal += 1
    return less + (equal + 1) / 2.0


@njit(cache=True, parallel=True)
def cscv_nb(block_sums, block_squares, block_sizes, shift, combos, metric, out):
    """Combinatorially symmetric cross-validation over S blocks of per-column moments.

    ``block_sums[s, n]`` / ``block_squares[s, n]``: sum and sum of squares of column n's
    returns minus ``shift[n]`` in block s (shifting by the column mean avoids cancellation);
    ``combos[c]``: the in-sample block numbers of combination c;
    ``metric`` 0: Sharpe (mean / std), 1: mean. ``out[c]`` gets the chosen column, its
    in-sample and out-of-sample metric and its out-of-sample relative rank rank / (N + 1).
    """
    n_combos, half = combos.shape
    n_blocks, n_cols = block_sums.shape
    for c in prange(n_combos):
        in_sample = np.zeros(n_blocks, dtype=np.bool_)
        for j in range(half):
            in_sample[combos[c, j]] = True
        is_rows = 0
        for s in range(n_blocks):
            if in_sample[s]:
                is_rows += block_sizes[s]
        oos_rows = 0
        for s in range(n_blocks):
            if not in_sample[s]:
                oos_rows += block_sizes[s]
        is_perf = np.empty(n_cols)
        oos_perf = np.empty(n_cols)
        for n in range(n_cols):
            a_sum = 0.0
            a_sq = 0.0
            b_sum = 0.0
            b_sq = 0.0
            for s in range(n_blocks):
                if in_sample[s]:
                    a_sum += block_sums[s, n]
                    a_sq += block_squares[s, n]
                else:
                    b_sum += block_sums[s, n]
                    b_sq += block_squares[s, n]
            if metric == 0:
                is_perf[n] = _sharpe_from_sums(a_sum, a_sq, is_rows, shift[n])
                oos_perf[n] = _sharpe_from_sums(b_sum, b_sq, oos_rows, shift[n])
            else:
                is_perf[n] = a_sum / is_rows + shift[n]
                oos_perf[n] = b_sum / oos_rows + shift[n]
        best = -1
        best_value = -math.inf
        for n in range(n_cols):
            v = is_perf[n]
            if not math.isnan(v) and (best < 0 or v > best_value):
                best = n
                best_value = v
        if best < 0:
            best = 0
        out[c, 0] = best
        out[c, 1] = is_perf[best]
        out[c, 2] = oos_perf[best]
        out[c, 3] = _rank_of(oos_perf, best) / (n_cols + 1.0)
