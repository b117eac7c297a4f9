"""Timeframes: the length of a bar, parsed from strings such as ``1m``, ``1h``, ``1d``, ``1w``, ``1mo``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError


class TimeUnit(StrEnum):
    SECOND = "s"
    MINUTE = "m"
    HOUR = "h"
    DAY = "d"
    WEEK = "w"
    MONTH = "mo"
    QUARTER = "q"
    YEAR = "y"


_FIXED_NANOS = {
    TimeUnit.SECOND: 1_000_000_000,
    TimeUnit.MINUTE: 60_000_000_000,
    TimeUnit.HOUR: 3_600_000_000_000,
    TimeUnit.DAY: 86_400_000_000_000,
    TimeUnit.WEEK: 7 * 86_400_000_000_000,
}
# approximate lengths, only for ordering and inference
_APPROX_DAYS = {TimeUnit.MONTH: 30.44, TimeUnit.QUARTER: 91.31, TimeUnit.YEAR: 365.25}
_PATTERN = re.compile(r"^\s*(\d+)\s*(mo|s|m|h|d|w|q|y)\s*$", re.IGNORECASE)
_ALIASES = {
    "daily": "1d",
    "hourly": "1h",
    "weekly": "1w",
    "monthly": "1mo",
    "quarterly": "1q",
    "yearly": "1y",
    "annual": "1y",
    "minute": "1m",
}


@dataclass(frozen=True, order=False)
class Timeframe:
    """A bar length: ``count`` units of ``unit``. Bars are labelled by the start of their period."""

    count: int
    unit: TimeUnit

    @classmethod
    def parse(cls, text: str | Timeframe) -> Timeframe:
        """Parse ``"5m"``, ``"1h"``, ``"1d"``, ``"1w"``, ``"1mo"``, ``"1q"``, ``"1y"`` or ``"daily"``."""
        if isinstance(text, Timeframe):
            return text
        raw = str(text)
        match = _PATTERN.match(_ALIASES.get(raw.strip().lower(), raw))
        if not match or int(match.group(1)) <= 0:
            raise ValidationError(
                "unknown timeframe",
                field="timeframe",
                value=raw,
                fix="use a positive count and a unit: s, m, h, d, w, mo, q, y (e.g. 5m, 1h, 1d, 1mo)",
            )
        return cls(int(match.group(1)), TimeUnit(match.group(2).lower()))

    def __str__(self) -> str:
        return f"{self.count}{self.unit.value}"

    @property
    def approx_nanos(self) -> int:
        """Length in nanoseconds (exact below months, average above)."""
        if self.unit in _FIXED_NANOS:
            return self.count * _FIXED_NANOS[self.unit]
        return int(self.count * _APPROX_DAYS[self.unit] * _FIXED_NANOS[TimeUnit.DAY])

    @property
    def is_intraday(self) -> bool:
        return self.approx_nanos < _FIXED_NANOS[TimeUnit.DAY]

    @property
    def pandas_rule(self) -> str:
        """The pandas offset alias that bins bars of this length, labelled at the period start."""
        n = self.count
        return {
            TimeUnit.SECOND: f"{n}s",
            TimeUnit.MINUTE: f"{n}min",
            TimeUnit.HOUR: f"{n}h",
            TimeUnit.DAY: f"{n}D",
            TimeUnit.WEEK: f"{n}W-MON",
            TimeUnit.MONTH: f"{n}MS",
            TimeUnit.QUARTER: f"{n}QS",
            TimeUnit.YEAR: f"{n}YS",
        }[self.unit]

    @property
    def pandas_offset(self) -> pd.DateOffset:
        if self.unit is TimeUnit.WEEK:
            return pd.DateOffset(weeks=self.count)
        return pd.tseries.frequencies.to_offset(self.pandas_rule)

    def __lt__(self, other: Timeframe) -> bool:
        return self.approx_nanos < Timeframe.parse(other).approx_nanos

    def __le__(self, other: Timeframe) -> bool:
        return self.approx_nanos <= Timeframe.parse(other).approx_nanos

    def __gt__(self, other: Timeframe) -> bool:
        return self.approx_nanos > Timeframe.parse(other).approx_nanos

    def __ge__(self, other: Timeframe) -> bool:
        return self.approx_nanos >= Timeframe.parse(other).approx_nanos

    def periods_per_year(self, trading_days: float = 252.0) -> float:
        """Bars per year: ``trading_days`` daily bars (252 exchange, 365 for 24/7 markets)."""
        day = _FIXED_NANOS[TimeUnit.DAY]
        if self.unit in (TimeUnit.MONTH, TimeUnit.QUARTER, TimeUnit.YEAR):
            per = {TimeUnit.MONTH: 12.0, TimeUnit.QUARTER: 4.0, TimeUnit.YEAR: 1.0}[self.unit]
            return per / self.count
        if self.unit is TimeUnit.WEEK:
            return 52.0 / self.count
        return trading_days * day / self.approx_nanos

    @classmethod
    def infer(cls, index: pd.DatetimeIndex) -> Timeframe:
        """Infer the timeframe of a bar index from the most common spacing of its timestamps."""
        if len(index) < 2:
            raise ValidationError(
                "cannot infer a timeframe from fewer than two bars",
                field="index",
                value=len(index),
                fix="pass timeframe= explicitly",
            )
        diffs = np.diff(pd.DatetimeIndex(index).as_unit("ns").asi8)
        diffs = diffs[diffs > 0]
        if diffs.size == 0:
            raise ValidationError(
                "all timestamps are equal", field="index", value=index[0], fix="check the date column"
            )
        step = int(np.median(diffs))
        day = _FIXED_NANOS[TimeUnit.DAY]
        if step >= 300 * day:
            return cls(max(1, round(step / (365.25 * day))), TimeUnit.YEAR)
        if step >= 80 * day:
            return cls(max(1, round(step / (91.31 * day))), TimeUnit.QUARTER)
        if step >= 27 * day:
            return cls(max(1, round(step / (30.44 * day))), TimeUnit.MONTH)
        if step >= 7 * day:
            return cls(round(step / (7 * day)), TimeUnit.WEEK)
        if step >= day:
            # daily data skipping weekends still has a median step of one day
            return cls(1, TimeUnit.DAY) if step < 4 * day else cls(round(step / day), TimeUnit.DAY)
        for unit in (TimeUnit.HOUR, TimeUnit.MINUTE, TimeUnit.SECOND):
            size = _FIXED_NANOS[unit]
            if step >= size and step % size == 0:
                return cls(step // size, unit)
        return cls(max(1, step // _FIXED_NANOS[TimeUnit.SECOND]), TimeUnit.SECOND)
