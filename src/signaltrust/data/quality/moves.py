"""Checks on how values move: outlier returns, stale runs and repeated rows."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from signaltrust.core.timeframe import Timeframe, TimeUnit
from signaltrust.data.quality.kernels import (
    previous_filled_row,
    robust_z,
    rows_equal_previous,
    runs_of_true,
)
from signaltrust.data.quality.report import QualityIssue, iso, issue, short

# fewest returns over which a median and MAD mean something
_MIN_RETURNS = 10
_DAY_NS = 86_400_000_000_000
# shortest length of a calendar period, for "closer than one bar" (months of 28 days, ...)
_SHORTEST_DAYS = {TimeUnit.MONTH: 28, TimeUnit.QUARTER: 89, TimeUnit.YEAR: 365}


def outlier_returns(
    x: np.ndarray,
    index: pd.DatetimeIndex,
    rows: np.ndarray,
    column: str,
    sigma: float,
    *,
    mode: Literal["log", "change", "level"] = "log",
) -> list[QualityIssue]:
    """outlier_return: a move whose robust z-score (median/MAD of the series) exceeds ``sigma``.

    ``mode``: ``log`` judges log returns between consecutive valid prices, ``change`` plain
    changes (yields, spreads), ``level`` the values themselves (a series of returns). The whole
    series sets the scale: fine for a report, never to be used as a signal.
    """
    valid = np.isfinite(x) & (x > 0) if mode == "log" else np.isfinite(x)
    where = np.flatnonzero(valid)
    if where.size <= _MIN_RETURNS:
        return []
    v = x[where]
    if mode == "level":
        moves, offset = v, 0
    else:
        moves, offset = (np.diff(np.log(v)) if mode == "log" else np.diff(v)), 1
    z = robust_z(moves)
    out = []
    kind = {"log": "log return", "change": "change", "level": "return"}[mode]
    for k in np.flatnonzero(np.abs(z) > sigma):
        p = where[k + offset]
        if offset:
            before = where[k]
            what = f"{column} {kind} {moves[k]:+.4g} ({x[before]:g} -> {x[p]:g})"
        else:
            what = f"{column} {kind} {x[p]:+.4g}"
        out.append(
            issue(
                "outlier_return",
                f"{what} is {abs(z[k]):.1f} robust sigmas (limit {sigma:g})",
                timestamp=index[p],
                row=rows[p],
                column=column,
                value=x[p],
            )
        )
    return out


def stale_runs(
    matrix: np.ndarray,
    index: pd.DatetimeIndex,
    rows: np.ndarray,
    column: str,
    stale_run: int,
) -> list[QualityIssue]:
    """stale_bars: ``stale_run`` or more consecutive identical rows (empty rows skipped).

    ``matrix`` is rows x columns (all bar columns, or one series column).
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 1:
        m = m[:, None]
    filled = ~np.isnan(m).any(axis=1)
    where = np.flatnonzero(filled)
    if where.size < stale_run:
        return []
    same = rows_equal_previous(m[where])
    starts, lengths = runs_of_true(same)
    out = []
    for start, length in zip(starts, lengths, strict=True):
        count = int(length) + 1  # a run of k repeats spans k + 1 identical rows
        if count < stale_run:
            continue
        first, last = where[start - 1], where[start + length - 1]
        shown = ", ".join(f"{val:g}" for val in m[first])
        out.append(
            issue(
                "stale_bars",
                f"{count} identical {'bars' if m.shape[1] > 1 else 'values'} ({shown}) in a row "
                f"until {short(index[last])} (limit {stale_run})",
                timestamp=index[first],
                row=rows[first],
                column=column,
                value=count,
            )
        )
    return out


def _closer_than_one_bar(delta_ns: np.ndarray, tf: Timeframe) -> np.ndarray:
    if tf.unit in _SHORTEST_DAYS:
        shortest = tf.count * _SHORTEST_DAYS[tf.unit] * _DAY_NS
    else:
        shortest = tf.approx_nanos
    return (delta_ns > 0) & (delta_ns < shortest)


def repeated_rows(
    matrix: np.ndarray,
    names: list[str],
    index: pd.DatetimeIndex,
    rows: np.ndarray,
    tf: Timeframe,
    off_grid: np.ndarray,
) -> list[QualityIssue]:
    """repeated_bar: a row copying the previous filled row exactly, at an irregular timestamp.

    Irregular: off the series' grid, or closer to that row than one bar. A copy at the regular
    spacing is a stale value instead, and equal timestamps are duplicates; neither is reported here.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape[0] < 2:
        return []
    filled = ~np.isnan(m).all(axis=1)
    previous = previous_filled_row(filled)
    out = []
    stamps = index.asi8
    candidates = np.flatnonzero(filled & (previous >= 0))
    a, b = m[candidates], m[previous[candidates]]
    same = ((a == b) | (np.isnan(a) & np.isnan(b))).all(axis=1)
    candidates = candidates[same]
    close = _closer_than_one_bar(stamps[candidates] - stamps[previous[candidates]], tf)
    for p in candidates[close | off_grid[candidates]]:
        q = previous[p]
        why = "off the grid" if off_grid[p] else f"closer than one {tf} bar"
        out.append(
            issue(
                "repeated_bar",
                f"copies row {rows[q]} ({short(index[q])}) exactly, {why}",
                timestamp=index[p],
                row=rows[p],
                column=",".join(names) if len(names) <= 5 else f"all {len(names)} columns",
                value=iso(index[q]),
            )
        )
    return out
