"""Timestamp checks: duplicates, order, the timeframe's grid and gaps against a trading calendar."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from signaltrust.core.calendar import TradingCalendar, get_calendar
from signaltrust.core.timeframe import Timeframe, TimeUnit
from signaltrust.data.quality.report import QualityIssue, iso, issue, short

_DAY_NS = 86_400_000_000_000
_CALENDAR_PERIODS = (TimeUnit.WEEK, TimeUnit.MONTH, TimeUnit.QUARTER, TimeUnit.YEAR)
# a grid needs a majority: below this share of rows on one phase no grid is asserted
_MIN_GRID_SHARE = 0.5


def duplicate_timestamps(index: pd.DatetimeIndex, rows: np.ndarray) -> list[QualityIssue]:
    """duplicate_timestamp: every row whose timestamp already appeared on an earlier row."""
    dup = index.duplicated(keep="first")
    if not dup.any():
        return []
    first_row: dict[pd.Timestamp, int] = {}
    out = []
    for pos, ts in enumerate(index):
        if not dup[pos]:
            first_row.setdefault(ts, int(rows[pos]))
            continue
        out.append(
            issue(
                "duplicate_timestamp",
                f"same timestamp as row {first_row[ts]}",
                timestamp=ts,
                row=rows[pos],
                value=iso(ts),
            )
        )
    return out


def out_of_order(index: pd.DatetimeIndex, rows: np.ndarray) -> list[QualityIssue]:
    """out_of_order: rows earlier than the row before (all rows descending: one issue)."""
    if len(index) < 2:
        return []
    stamps = index.asi8
    back = np.flatnonzero(np.diff(stamps) < 0) + 1
    if back.size == 0:
        return []
    if back.size == len(index) - 1:
        return [
            issue(
                "out_of_order",
                f"all {len(index)} rows are in descending time order",
                timestamp=index[0],
                row=rows[0],
                value=iso(index[0]),
            )
        ]
    return [
        issue(
            "out_of_order",
            f"earlier than the row before ({short(index[p - 1])})",
            timestamp=index[p],
            row=rows[p],
            value=iso(index[p]),
        )
        for p in back
    ]


def _phase_keys(index: pd.DatetimeIndex, tf: Timeframe) -> list[tuple]:
    """Where each timestamp sits within its period: the key that on-grid timestamps share."""
    ns = index.asi8
    if tf.unit not in _CALENDAR_PERIODS and tf.unit is not TimeUnit.DAY:
        step = tf.approx_nanos
        return [(int(v),) for v in ns % step]
    time_of_day = ns % _DAY_NS
    if tf.unit is TimeUnit.DAY:
        return [(int(v),) for v in time_of_day]
    if tf.unit is TimeUnit.WEEK:
        return list(zip(index.day_of_week.tolist(), time_of_day.tolist(), strict=True))
    anchor = np.where(index.day == 1, 0, np.where(index.is_month_end, -1, index.day))
    month = np.zeros(len(index), dtype=np.int64)
    if tf.unit is TimeUnit.QUARTER:
        month = (index.month.to_numpy() - 1) % 3
    elif tf.unit is TimeUnit.YEAR:
        month = index.month.to_numpy()
    return list(zip(anchor.tolist(), month.tolist(), time_of_day.tolist(), strict=True))


def _describe_phase(key: tuple, tf: Timeframe) -> str:
    if tf.unit not in _CALENDAR_PERIODS and tf.unit is not TimeUnit.DAY:
        return f"{pd.Timedelta(key[0])} past the {tf} grid"
    clock = str(pd.Timedelta(key[-1])).replace("0 days ", "")
    if tf.unit is TimeUnit.DAY:
        return f"at {clock} UTC"
    if tf.unit is TimeUnit.WEEK:
        return f"on {_weekday(key[0])} at {clock} UTC"
    day = {0: "the first day", -1: "the last day"}.get(key[0], f"day {key[0]}")
    return f"on {day} of the month at {clock} UTC"


def _weekday(number: int) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[number]


def off_grid_mask(index: pd.DatetimeIndex, tf: Timeframe) -> tuple[np.ndarray, tuple | None]:
    """True where a timestamp is off the series' own grid for ``tf`` (its most common phase).

    Returns the mask and the grid's key; no grid (all False) when under half the rows share one.
    """
    n = len(index)
    if n < 3:
        return np.zeros(n, dtype=bool), None
    keys = _phase_keys(index, tf)
    grid, count = Counter(keys).most_common(1)[0]
    if count < _MIN_GRID_SHARE * n:
        return np.zeros(n, dtype=bool), None
    return np.array([k != grid for k in keys], dtype=bool), grid


def off_grid(
    index: pd.DatetimeIndex, rows: np.ndarray, tf: Timeframe, empty: np.ndarray
) -> tuple[list[QualityIssue], np.ndarray]:
    """off_grid_timestamp: a timestamp that is not where its neighbours put the timeframe's bars."""
    mask, grid = off_grid_mask(index, tf)
    if grid is None:
        return [], mask
    where = _describe_phase(grid, tf)
    out = []
    for p in np.flatnonzero(mask):
        note = "; the row is empty" if empty[p] else ""
        out.append(
            issue(
                "off_grid_timestamp",
                f"off the {tf} grid (its bars fall {where}){note}",
                timestamp=index[p],
                row=rows[p],
                value=iso(index[p]),
            )
        )
    return out, mask


def resolve_calendar(
    calendar: str | TradingCalendar | None, index: pd.DatetimeIndex, tf: Timeframe
) -> TradingCalendar:
    """The calendar to check gaps against; guessed from the timestamps when ``calendar`` is None.

    The guess: bars on a Saturday mean 24/7; intraday bars on a Sunday or at night (New York)
    mean 24/5; anything else is taken to trade on the New York Stock Exchange (XNYS).
    """
    if isinstance(calendar, TradingCalendar):
        return calendar
    if calendar is not None:
        return get_calendar(calendar)
    if tf.unit in _CALENDAR_PERIODS or len(index) == 0:
        return get_calendar("24/7")
    if (index.day_of_week == 5).any():
        return get_calendar("24/7")
    if tf.is_intraday:
        local = index.tz_convert("America/New_York")
        if (index.day_of_week == 6).any() or ((local.hour < 9) | (local.hour >= 17)).any():
            return get_calendar("24/5")
    return get_calendar("XNYS")


def _period_labels(index: pd.DatetimeIndex, tf: Timeframe) -> pd.DatetimeIndex:
    """The label of the period each timestamp belongs to, as the calendar labels bars."""
    naive = index.tz_convert("UTC").tz_localize(None)
    if tf.unit is TimeUnit.WEEK:
        labels = naive.normalize() - pd.to_timedelta(naive.day_of_week, unit="D")
    elif tf.unit is TimeUnit.MONTH:
        labels = naive.to_period("M").to_timestamp()
    elif tf.unit is TimeUnit.QUARTER:
        labels = naive.to_period("Q").to_timestamp()
    elif tf.unit is TimeUnit.YEAR:
        labels = naive.to_period("Y").to_timestamp()
    elif tf.unit is TimeUnit.DAY:
        labels = naive.normalize()
    else:
        return index.as_unit("ns")
    return pd.DatetimeIndex(labels).tz_localize("UTC").as_unit("ns").unique()


def calendar_gaps(
    index: pd.DatetimeIndex,
    filled: np.ndarray,
    tf: Timeframe,
    calendar: TradingCalendar,
    max_report: int,
) -> list[QualityIssue]:
    """calendar_gap: runs of bars the calendar expects that are absent or empty, listed compactly.

    At most ``max_report`` runs are listed; one more issue counts the runs and bars left out.
    """
    have = index[filled]
    if len(have) < 2:
        return []
    have = _period_labels(have.sort_values(), tf)
    expected = calendar.expected_bars(have.min(), have.max(), tf)
    missing = expected.difference(have)
    if len(missing) == 0:
        return []
    present_empty = set(_period_labels(index[~filled], tf)) if (~filled).any() else set()
    pos = expected.get_indexer(missing)
    breaks = np.flatnonzero(np.diff(pos) != 1) + 1
    runs = np.split(np.arange(len(missing)), breaks)
    out = []
    for run in runs[:max_report]:
        first, last = missing[run[0]], missing[run[-1]]
        n = len(run)
        empty = sum(1 for ts in missing[run] if ts in present_empty)
        span = short(first) if n == 1 else f"{short(first)} .. {short(last)}"
        what = "bar" if n == 1 else "bars"
        note = ""
        if empty == n:
            note = "; rows present but empty"
        elif empty:
            note = f"; {empty} of them present but empty"
        out.append(
            issue(
                "calendar_gap",
                f"{n} {tf} {what} missing (calendar {calendar.name}): {span}{note}",
                timestamp=first,
                value=n,
            )
        )
    if len(runs) > max_report:
        rest = runs[max_report:]
        bars = sum(len(r) for r in rest)
        out.append(
            issue(
                "calendar_gap",
                f"{len(rest)} more gaps ({bars} bars) not listed "
                f"(data.max_gap_report={max_report})",
                timestamp=missing[rest[0][0]],
                value=bars,
            )
        )
    return out
