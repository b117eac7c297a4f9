"""Reading dates without guessing: formats, day-first order, epochs, offsets, time zones, labels.

Two steps. :func:`parse_dates` reads the cells into wall-clock times (as written) and, where the
cells carry a UTC offset, UTC instants. :func:`label_bars` then decides what each row is labelled
by: bars of a day or longer by their **session date** (the written date, whatever the zone or
offset, at 00:00 UTC), intraday bars by their **UTC instant** (naive times need a zone: ``tz``, or
the venue's). Dates that read both day-first and month-first are refused unless the caller states
the order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from signaltrust.core.errors import ParseError
from signaltrust.data.importers.options import EPOCH_FORMATS, ImportOptions

# Tried in this order when no date_format is given; the one that reads the most cells wins.
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m-%d-%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m",
    "%Y%m%d",
    "%Y%m%d %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y.%m.%d",
    "%Y.%m.%d %H:%M",
)
# month-first formats and their day-first twins: a date such as 01/02/2019 fits both
_TWINS = {
    "%m/%d/%Y": "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S": "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M",
    "%m-%d-%Y": "%d-%m-%Y",
}
_TWINS.update({v: k for k, v in list(_TWINS.items())})
_DAY_FIRST = frozenset(f for f in _TWINS if f.startswith("%d"))
_MONTH_FIRST = frozenset(f for f in _TWINS if f.startswith("%m"))
_OFFSET = re.compile(r"\s*(?:Z|[+-]\d{2}:?\d{2})$")
_IB = re.compile(  # 'YYYYMMDD[ HH:MM:SS][ Zone/Name]'
    r"^(\d{8}(?: \d{2}:\d{2}:\d{2})?)(?: ([A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*))?$"
)
_EPOCH_DIGITS = {10: "s", 13: "ms", 16: "us", 19: "ns"}
_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_UNIT_WORD = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
_DAY_NS = 86_400_000_000_000
_LO_NS = pd.Timestamp.min.value + _DAY_NS  # a day of margin: time zones shift by hours
_HI_NS = pd.Timestamp.max.value - _DAY_NS
RANGE_TEXT = "1677-09-22 .. 2262-04-10"


@dataclass
class ParsedDates:
    """Wall-clock times as written, UTC instants where the cells had offsets, what failed."""

    wall: np.ndarray  # int64 ns of the written wall time; only meaningful where ~bad
    utc: np.ndarray | None  # int64 ns UTC where the cells carried an offset (None: all naive)
    bad: np.ndarray  # unreadable (or out of range)
    reasons: dict[int, str] = field(default_factory=dict)  # position -> why, beyond "unreadable"
    used_format: str | None = None
    zone: str | None = None  # a zone written in the cells (Interactive Brokers)
    notes: list[str] = field(default_factory=list)


def parse_dates(
    column: pd.Series, options: ImportOptions, markers: set[str], *, path: str, name: str
) -> ParsedDates:
    """Read one date column; file-level problems (dates that read two ways) raise ParseError."""
    n = len(column)
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
        column.dtype
    ):
        return _from_datetimes(pd.DatetimeIndex(column))
    fmt = options.date_format
    epoch = fmt is not None and fmt.lower() in EPOCH_FORMATS
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column):
        numbers = column.to_numpy(dtype="float64", na_value=np.nan)
        unit = EPOCH_FORMATS[fmt.lower()] if epoch else None
        if epoch or (fmt is None and _epoch_unit(numbers) is not None):
            return _from_epoch(numbers, unit, options)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        digits = np.where(whole, numbers, 0).astype(np.int64).astype(str)
        column = pd.Series(np.where(whole, digits, column.astype(str)), index=column.index)
    text = column.astype(str).str.strip()
    text = text.where(~text.str.lower().isin(markers), "")
    if epoch:
        numbers = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        return _from_epoch(numbers, EPOCH_FORMATS[fmt.lower()], options)
    zone = None
    if options.ib_dates:
        text, zone = _ib_cells(text)
    filled = text[text != ""]
    has_offset = filled.str.contains(_OFFSET) if len(filled) else pd.Series([], dtype=bool)
    if fmt is None and len(filled) and bool(has_offset.any()):
        return _aware(text, filled, has_offset, n)
    if fmt is None and len(filled) and filled.str.fullmatch(r"\d{10}|\d{13}|\d{16}|\d{19}").all():
        numbers = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        return _from_epoch(numbers, None, options)
    notes: list[str] = []
    used = fmt
    if used is None:
        used = _choose_format(filled, options, path=path, name=name, notes=notes)
    parsed = pd.to_datetime(text, format=used, errors="coerce")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # a %z in the caller's format
        utc = _bounded(pd.DatetimeIndex(parsed).tz_convert("UTC").tz_localize(None))
        out = ParsedDates(utc[0], utc[0].copy(), utc[1], utc[2], used, zone, notes)
        return out
    wall, bad, reasons = _bounded(pd.DatetimeIndex(parsed))
    return ParsedDates(wall, None, bad, reasons, used, zone, notes)


def label_bars(
    parsed: ParsedDates, options: ImportOptions, *, path: str, name: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """UTC labels (int64 ns), the mask of local times that do not exist or are ambiguous, notes.

    Bars of a day or longer (every time at midnight, or rows a day or more apart) are labelled
    by their written date at 00:00 UTC; intraday bars by their UTC instant.
    """
    good = ~parsed.bad
    wall = parsed.wall
    notes = list(parsed.notes)
    lost = np.zeros(len(wall), dtype=bool)
    if not good.any():
        return wall, lost, notes
    seen = wall[good]
    if _daily(seen, options.timeframe):
        labels = wall - wall % _DAY_NS
        if not (seen % _DAY_NS == 0).all():
            notes.append("bars a day or longer apart: each is labelled by its session date "
                         "(the written date at 00:00 UTC; times of day and offsets set aside)")
        elif parsed.utc is not None and (parsed.utc[good] != wall[good]).any():
            notes.append("daily dates with UTC offsets: each bar is labelled by its session date")
        return labels, lost, notes
    if parsed.utc is not None:
        return parsed.utc, lost, notes
    zone, source = options.tz, "as stated"
    if zone is None and parsed.zone is not None:
        zone, source = parsed.zone, "the zone written in the dates"
    if zone is None and options.default_tz is not None:
        zone, source = options.default_tz, options.default_tz_source or "the venue's zone"
    if zone is None:
        raise ParseError(
            "intraday timestamps without a UTC offset and no time zone given: they could be "
            "UTC, exchange time or your own time",
            path=path, column=name, value=_example(wall, good),
            fix=f"state the zone of the times, e.g. {options.hint('tz', 'America/New_York')} "
            f"or {options.hint('tz', 'UTC')}",
        )
    stamps = pd.DatetimeIndex(np.where(good, wall, np.iinfo(np.int64).min).view("M8[ns]"))
    try:
        local = stamps.tz_localize(zone, ambiguous="infer", nonexistent="NaT")
    except (ValueError, TypeError):  # a repeated hour that order cannot settle: report the rows
        local = stamps.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    utc = np.asarray(local.tz_convert("UTC").asi8)
    lost = good & np.asarray(local.isna())
    notes.append(f"naive timestamps read as {zone} ({source}) and converted to UTC")
    return utc, lost, notes


def _choose_format(
    filled: pd.Series, options: ImportOptions, *, path: str, name: str, notes: list[str]
) -> str:
    candidates = [
        f for f in DATE_FORMATS
        if not (options.dayfirst is True and f in _MONTH_FIRST)
        and not (options.dayfirst is False and f in _DAY_FIRST)
    ]
    sample = filled.head(200)
    best, best_count = None, 0
    for fmt in candidates:
        count = int(pd.to_datetime(sample, format=fmt, errors="coerce").notna().sum())
        if count > best_count:
            best, best_count = fmt, count
    if best is None:
        return "ISO8601"
    twin = _TWINS.get(best)
    if twin is not None and twin in candidates:
        mine = int(pd.to_datetime(filled, format=best, errors="coerce").notna().sum())
        other = int(pd.to_datetime(filled, format=twin, errors="coerce").notna().sum())
        if other >= mine:
            example = next(
                (v for v in filled if pd.to_datetime(v, format=best, errors="coerce")
                 != pd.to_datetime(v, format=twin, errors="coerce")),
                filled.iloc[0],
            )
            raise ParseError(
                f"dates such as {example!r} read both day-first and month-first, and no date in "
                "the column tells which",
                path=path, column=name, value=example,
                fix=f"state the order: {options.hint('dayfirst', True)} (day/month/year) or "
                f"{options.hint('dayfirst', False)} (month/day/year), or give "
                f"{options.hint('date_format', best)}",
            )
        best = best if mine >= other else twin
    if best in _DAY_FIRST:
        why = "as stated" if options.dayfirst else "some days are above 12"
        notes.append(f"dates read day-first ({best}): {why}")
    return best


def _aware(text: pd.Series, filled: pd.Series, has_offset: pd.Series, n: int) -> ParsedDates:
    utc_index = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", errors="coerce",
                                                utc=True)).tz_localize(None)
    wall_text = text.str.replace(_OFFSET, "", regex=True)
    wall_index = pd.DatetimeIndex(pd.to_datetime(wall_text, format="ISO8601", errors="coerce"))
    utc, bad_utc, reasons = _bounded(utc_index)
    wall, bad_wall, more = _bounded(wall_index)
    reasons.update(more)
    bad = bad_utc | bad_wall
    naive_rows = np.zeros(n, dtype=bool)
    naive_rows[np.flatnonzero((text != "").to_numpy())[~has_offset.to_numpy()]] = True
    for pos in np.flatnonzero(naive_rows & ~bad):
        reasons[int(pos)] = "this date has no UTC offset while the others have one"
    bad |= naive_rows
    return ParsedDates(wall, utc, bad, reasons, "ISO8601")


def _from_datetimes(index: pd.DatetimeIndex) -> ParsedDates:
    if index.tz is None:
        wall, bad, reasons = _bounded(index)
        return ParsedDates(wall, None, bad, reasons)
    utc, bad_utc, reasons = _bounded(index.tz_convert("UTC").tz_localize(None))
    wall, bad_wall, more = _bounded(index.tz_localize(None))
    reasons.update(more)
    return ParsedDates(wall, utc, bad_utc | bad_wall, reasons)


def _epoch_unit(numbers: np.ndarray) -> str | None:
    """The epoch unit when every number is a whole count of 10, 13, 16 or 19 digits."""
    finite = numbers[np.isfinite(numbers)]
    if finite.size == 0 or (finite != np.round(finite)).any() or (finite <= 0).any():
        return None
    digits = np.unique(np.floor(np.log10(finite)).astype(np.int64) + 1)
    return _EPOCH_DIGITS.get(int(digits[0])) if digits.size == 1 else None


def _from_epoch(numbers: np.ndarray, unit: str | None, options: ImportOptions) -> ParsedDates:
    unit = unit or _epoch_unit(numbers)
    if unit is None:
        unit = "s"
    with np.errstate(invalid="ignore", over="ignore"):
        ns = numbers * _UNIT_NS[unit]
        ok = np.isfinite(ns) & (ns > _LO_NS) & (ns < _HI_NS)
    values = np.where(ok, np.round(np.where(ok, numbers, 0)).astype(np.int64) * _UNIT_NS[unit], 0)
    bad = ~ok
    reasons = {
        int(p): f"outside the supported range {RANGE_TEXT} as epoch {_UNIT_WORD[unit]}"
        for p in np.flatnonzero(np.isfinite(numbers) & ~ok)
    }
    note = f"dates read as epoch {_UNIT_WORD[unit]} (UTC)"
    return ParsedDates(values, values.copy(), bad, reasons, f"epoch_{unit}", notes=[note])


def _bounded(index: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """int64 ns of ``index`` (any unit), the unreadable mask, and rows outside the ns range."""
    raw = index.asi8
    per_ns = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}[index.unit]
    missing = np.asarray(index.isna())
    lo, hi = _LO_NS // per_ns, _HI_NS // per_ns
    outside = ~missing & ((raw < lo) | (raw > hi))
    ok = ~missing & ~outside
    values = np.where(ok, raw, 0).astype(np.int64) * per_ns
    reasons = {int(p): f"outside the supported range {RANGE_TEXT}" for p in np.flatnonzero(outside)}
    return values, missing | outside, reasons


def _daily(stamps: np.ndarray, timeframe: str | None) -> bool:
    """Bars of a day or longer: as declared, else all at midnight, or one per date and rows a
    day or more apart."""
    if (stamps % _DAY_NS == 0).all():  # dates alone (a declared 1h is checked by the store)
        return True
    if timeframe is not None:
        from signaltrust.core.timeframe import Timeframe

        return not Timeframe.parse(timeframe).is_intraday
    unique = np.unique(stamps)
    dates = np.unique(unique - unique % _DAY_NS)
    return (
        unique.size >= 2
        and dates.size == unique.size
        and float(np.median(np.diff(unique))) >= _DAY_NS
    )


def _ib_cells(text: pd.Series) -> tuple[pd.Series, str | None]:
    """Interactive Brokers cells: collapse spaces, take off a trailing zone name (one per file)."""
    squeezed = text.str.replace(r"\s+", " ", regex=True).str.strip()
    parts = squeezed.str.extract(_IB)
    zones = parts[1].dropna().unique()
    if len(zones) == 1:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(str(zones[0]))
        except (ValueError, KeyError, OSError):
            return squeezed, None
        return parts[0].where(parts[0].notna(), squeezed), str(zones[0])
    return squeezed, None


def _example(wall: np.ndarray, good: np.ndarray) -> str:
    return str(pd.Timestamp(int(wall[good][0])))
