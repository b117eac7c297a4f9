"""Schedule arithmetic of the execution algorithms: slice sizes and due times, volume profiles.

Quantities are counted in whole lots (an ``int``), so that slices add up to the parent's
quantity exactly: the cumulative target of slice ``k`` is rounded down to a lot and the last
slice takes what is left. A slice is due at a time (UTC nanoseconds) or after a number of
completed bars; the runtime sends it at the first event at or after that moment.

A :class:`VolumeProfile` is the mean volume per bucket of the history up to the start of the
parent order (never later): per time of day for intraday bars, per weekday for daily bars, flat
for longer bars. VWAP weights its slices with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from signaltrust.core.errors import ValidationError

DAY_NS = 86_400_000_000_000
WEEK_NS = 7 * DAY_NS


def to_lots(quantity: Decimal, lot: Decimal, field: str = "quantity") -> int:
    """``quantity`` as a whole number of ``lot`` (ValidationError when it is not one)."""
    units, rest = divmod(quantity, lot)
    if rest != 0 or units <= 0:
        raise ValidationError(
            f"{field} must be a positive multiple of the lot size {lot}", field=field,
            value=quantity, fix=f"round it to a multiple of {lot}, or pass a smaller lot=",
        )
    return int(units)


def even_targets(units: int, slices: int) -> list[int]:
    """Cumulative lots after each of ``slices`` equal slices (rounded down; the last is all)."""
    return [units * (k + 1) // slices for k in range(slices)]


def weighted_targets(units: int, weights: Sequence[float]) -> list[int]:
    """Cumulative lots after each slice, in proportion to ``weights`` (rounded down; the last
    slice takes the rest, so the total is exact)."""
    total = float(sum(weights))
    if not total > 0.0:
        raise ValidationError(
            "slice weights must add up to more than 0", field="weights", value=list(weights),
            fix="give at least one slice a positive weight",
        )
    out, running = [], 0.0
    for weight in weights:
        running += float(weight)
        out.append(min(units, math.floor(units * running / total + 1e-9)))
    out[-1] = units
    return out


def slice_times(start_ns: int, duration_ns: int, slices: int) -> list[int]:
    """When each of ``slices`` equal slices over ``duration_ns`` is due: the first at the
    start, then one every ``duration_ns / slices``."""
    return [start_ns + duration_ns * k // slices for k in range(slices)]


def slice_bars(bars: int, slices: int) -> list[int]:
    """After how many completed bars each of ``slices`` slices over ``bars`` bars is due."""
    return [bars * k // slices for k in range(slices)]


def bar_period_ns(starts_ns: np.ndarray) -> int:
    """The most common spacing of bar starts (one day when fewer than two bars)."""
    stamps = np.asarray(starts_ns, dtype=np.int64)
    if len(stamps) < 2:
        return DAY_NS
    diffs = np.diff(stamps)
    diffs = diffs[diffs > 0]
    if not len(diffs):
        return DAY_NS
    values, counts = np.unique(diffs, return_counts=True)
    return int(values[np.argmax(counts)])


@dataclass(frozen=True)
class VolumeProfile:
    """Mean volume per bucket of time, from history known at the start of a parent order.

    ``bucket`` is ``"time_of_day"`` (intraday bars: the bar's start within its UTC day, in
    steps of ``period_ns``), ``"weekday"`` (daily bars) or ``"flat"`` (longer bars: one
    bucket). ``means`` maps a bucket key to the mean volume of the history's bars in it; a
    bucket the history never traded in weighs 0 (e.g. nights and weekends).
    """

    bucket: str
    period_ns: int
    means: dict[int, float]

    @classmethod
    def from_history(
        cls, starts_ns: Sequence[int] | np.ndarray, volumes: Sequence[float] | np.ndarray,
        *, period_ns: int | None = None,
    ) -> VolumeProfile:
        """The profile of bars that started at ``starts_ns`` and traded ``volumes`` (only the
        bars known at the order's start: the caller passes history, never later bars)."""
        starts = np.asarray(starts_ns, dtype=np.int64)
        volume = np.asarray(volumes, dtype=np.float64)
        if len(starts) != len(volume):
            raise ValidationError(
                "bar starts and volumes differ in length", field="volumes", value=len(volume),
                fix=f"pass one volume per bar start ({len(starts)})",
            )
        known = np.isfinite(volume) & (volume >= 0.0)
        if not known.any() or not (volume[known] > 0.0).any():
            raise ValidationError(
                "a volume profile needs volume history up to the start", field="volume",
                value=f"{int(known.sum())} bars with volume",
                fix="start VWAP after bars with volume, or use TWAP",
            )
        period = int(period_ns) if period_ns is not None else bar_period_ns(starts)
        bucket = "time_of_day" if period < DAY_NS else ("weekday" if period < WEEK_NS else "flat")
        keys = _keys(bucket, period, starts[known])
        values = volume[known]
        means = {}
        for key in np.unique(keys):
            means[int(key)] = float(values[keys == key].mean())
        return cls(bucket, period, means)

    def key(self, ts_ns: int) -> int:
        return int(_keys(self.bucket, self.period_ns, np.asarray([ts_ns], dtype=np.int64))[0])

    def weight(self, ts_ns: int) -> float:
        """The expected volume of a bar starting at ``ts_ns`` (0 for a bucket never traded)."""
        return self.means.get(self.key(ts_ns), 0.0)

    def grid(
        self, start_ns: int, *, end_ns: int | None = None, bars: int | None = None
    ) -> tuple[list[int], list[float]]:
        """The bar starts from ``start_ns`` on, one period apart, that the profile expects to
        trade (weight > 0), and their weights: those before ``end_ns``, or the first ``bars``."""
        times: list[int] = []
        weights: list[float] = []
        t = start_ns
        if end_ns is not None:
            while t < end_ns:
                w = self.weight(t)
                if w > 0.0:
                    times.append(t)
                    weights.append(w)
                t += self.period_ns
        elif bars is not None:
            limit = bars * (WEEK_NS // self.period_ns + 2) + 7  # a week of empty buckets at most
            for _ in range(limit):
                if len(times) == bars:
                    break
                w = self.weight(t)
                if w > 0.0:
                    times.append(t)
                    weights.append(w)
                t += self.period_ns
        if not times:
            raise ValidationError(
                "the volume profile expects no volume in the order's window",
                field="duration" if end_ns is not None else "bars",
                value=end_ns - start_ns if end_ns is not None else bars,
                fix="lengthen the window so that it covers trading hours",
            )
        return times, weights

    def to_state(self) -> dict[str, Any]:
        return {"bucket": self.bucket, "period_ns": self.period_ns,
                "means": [[k, v] for k, v in sorted(self.means.items())]}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> VolumeProfile:
        return cls(state["bucket"], int(state["period_ns"]),
                   {int(k): float(v) for k, v in state["means"]})


def _keys(bucket: str, period_ns: int, starts: np.ndarray) -> np.ndarray:
    if bucket == "time_of_day":
        return (starts % DAY_NS) // period_ns
    if bucket == "weekday":
        return (starts // DAY_NS + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
    return np.zeros(len(starts), dtype=np.int64)


__all__ = [
    "DAY_NS",
    "VolumeProfile",
    "bar_period_ns",
    "even_targets",
    "slice_bars",
    "slice_times",
    "to_lots",
    "weighted_targets",
]
