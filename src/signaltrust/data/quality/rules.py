"""The hard rules the bar store enforces on every write: bars that break one are refused.

A rule broken on purpose can be allowed by name (``allow=("ohlc_inconsistent",)``, or
``--allow ohlc_inconsistent``); the bars that break it are then stored with the rule's bit set
in their ``flags``, so that what was let through stays visible.

- ``non_positive_price`` (bit 1): a price is zero or below;
- ``ohlc_inconsistent`` (2): high is below low, or open or close lies outside [low, high];
- ``negative_volume`` (4): the volume is below zero;
- ``non_finite`` (8): a price or the volume is infinite (an empty cell, NaN, is allowed);
- ``off_grid`` (16): the timestamp is off the declared timeframe's grid: not at 00:00 UTC for
  bars of a day or longer (they are labelled by session date), off the series' own phase within
  the bar for intraday bars, or daily bars declared with an intraday timeframe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from signaltrust.core.bars import PRICE_COLUMNS
from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe, TimeUnit

RULES: dict[str, int] = {
    "non_positive_price": 1,
    "ohlc_inconsistent": 2,
    "negative_volume": 4,
    "non_finite": 8,
    "off_grid": 16,
}
VIOLATION_COLUMNS = ("row", "timestamp", "rule", "column", "value", "message")
_DAY_NS = 86_400_000_000_000


def check_allow(allow: Iterable[str] | None) -> frozenset[str]:
    """The rule names in ``allow``; an unknown name raises ValidationError listing the rules."""
    names = frozenset(str(a).strip() for a in (allow or ()))
    unknown = sorted(names - set(RULES))
    if unknown:
        raise ValidationError(
            "unknown rule to allow", field="allow", value=unknown[0],
            fix=f"name one of {', '.join(RULES)}",
        )
    return names


def flag_names(flags: int) -> list[str]:
    """The rules whose bits are set in a bar's ``flags``."""
    return [name for name, bit in RULES.items() if int(flags) & bit]


def rule_violations(
    bars: pd.DataFrame, timeframe: Timeframe | str | None, *, rows: np.ndarray | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Every hard rule each bar breaks (one row per bar and rule) and each bar's flag bits.

    ``bars`` has the bar schema (UTC index, float OHLC[V]); ``rows`` numbers them in reports
    (default 1..n). Empty cells (NaN) break no rule: they are missing, not wrong. Without a
    ``timeframe`` the grid is not judged (only the values are).
    """
    tf = None if timeframe is None else Timeframe.parse(timeframe)
    n = len(bars)
    rows = np.arange(1, n + 1) if rows is None else np.asarray(rows)
    flags = np.zeros(n, dtype=np.int16)
    found: list[tuple] = []
    if n == 0:
        return _frame(found), flags
    index = pd.DatetimeIndex(bars.index)
    price = {c: bars[c].to_numpy("float64") for c in PRICE_COLUMNS}
    names = [*PRICE_COLUMNS, *(["volume"] if "volume" in bars.columns else [])]
    values = {c: bars[c].to_numpy("float64") for c in names}

    def add(mask: np.ndarray, rule: str, column: str | None, value: np.ndarray | None,
            message) -> None:
        for p in np.flatnonzero(mask):
            flags[p] |= RULES[rule]
            found.append((int(rows[p]), index[p], rule, column,
                          None if value is None else float(value[p]), message(p)))

    with np.errstate(invalid="ignore"):
        for c in names:
            add(np.isinf(values[c]), "non_finite", c, values[c],
                lambda p, c=c: f"{c} is {values[c][p]:g}; a value must be finite")
        for c in PRICE_COLUMNS:
            add(price[c] <= 0, "non_positive_price", c, price[c],
                lambda p, c=c: f"{c} is {price[c][p]:g}; a price must be above zero")
        o, h, lo, cl = (price[c] for c in PRICE_COLUMNS)
        finite = np.isfinite(o) & np.isfinite(h) & np.isfinite(lo) & np.isfinite(cl)
        broken = finite & ((h < lo) | (o > h) | (o < lo) | (cl > h) | (cl < lo))
        add(broken, "ohlc_inconsistent", "high", h,
            lambda p: f"open {o[p]:g}, high {h[p]:g}, low {lo[p]:g}, close {cl[p]:g}: "
            "high must be the highest and low the lowest")
        if "volume" in values:
            v = values["volume"]
            add(v < 0, "negative_volume", "volume", v, lambda p: f"volume is {v[p]:g}")
    if tf is None:
        return _frame(found), flags
    off, why = off_grid(index, tf)
    if why is not None and off.all() and n > 1:
        flags |= RULES["off_grid"]
        found.append((None, None, "off_grid", "timestamp", None, why))
    else:
        add(off, "off_grid", "timestamp", None, lambda p: why or "off the grid")
    return _frame(found), flags


def off_grid(index: pd.DatetimeIndex, tf: Timeframe) -> tuple[np.ndarray, str | None]:
    """Bars off the declared timeframe's grid and why (None when every bar is on it)."""
    ns = index.as_unit("ns").asi8
    n = len(ns)
    if not tf.is_intraday:
        off = ns % _DAY_NS != 0
        if off.any():
            return off, f"not at 00:00 UTC: bars of {tf} are labelled by their session date"
        if tf.unit in (TimeUnit.WEEK, TimeUnit.MONTH, TimeUnit.QUARTER, TimeUnit.YEAR) and n >= 3:
            return _off_phase(index, tf)
        return off, None
    if n >= 2 and (ns % _DAY_NS == 0).all() and np.median(np.diff(np.unique(ns))) >= _DAY_NS:
        return np.ones(n, dtype=bool), (
            f"every bar is at 00:00 UTC, a day or more apart: these are daily (or longer) bars, "
            f"not {tf} bars"
        )
    step = tf.approx_nanos
    if _DAY_NS % step != 0 or n < 2:  # a bar length that does not divide the day has no grid
        return np.zeros(n, dtype=bool), None
    phase = ns % step
    values, counts = np.unique(phase, return_counts=True)
    anchor = int(values[np.argmax(counts)])
    off = phase != anchor
    if not off.any():
        return off, None
    return off, f"off the {tf} grid of this series (its bars start {pd.Timedelta(anchor)} past it)"


def _off_phase(index: pd.DatetimeIndex, tf: Timeframe) -> tuple[np.ndarray, str | None]:
    if tf.unit is TimeUnit.WEEK:
        keys = index.day_of_week.to_numpy()
        what = "weekday"
    else:
        keys = np.where(index.day == 1, 0, np.where(index.is_month_end, -1, index.day))
        what = "day of the month"
    anchor, _ = Counter(keys.tolist()).most_common(1)[0]
    off = keys != anchor
    return off, (f"on another {what} than the other {tf} bars" if off.any() else None)


def _frame(found: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(found, columns=list(VIOLATION_COLUMNS))
    return frame.sort_values(["row", "rule"], na_position="first", kind="stable").reset_index(
        drop=True
    )
