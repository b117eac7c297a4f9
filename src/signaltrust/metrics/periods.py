"""Periods per year: the annualisation factor of a bar index, a timeframe or a period name.

Conventions (docs/metrics.md, "Periods per year"):

- exchange-traded markets: 252 sessions a year; intraday bars scale by the bars in one session
  (1-hour bars on the NYSE, labelled 09:00 ... 15:00 New York, give 252 * 7 = 1764);
- 24/7 markets (crypto): 365 days of 24 hours (1-hour bars: 8760);
- 24/5 markets (FX): 52 weeks of 5 days = 260 days of 24 hours (1-hour bars: 6240);
- weekly 52, monthly 12, quarterly 4, yearly 1 (divided by the bar count: 2w gives 26) anywhere.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from signaltrust.core.calendar import (
    AlwaysOpenCalendar,
    ExchangeCalendar,
    ForexCalendar,
    TradingCalendar,
    get_calendar,
)
from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe, TimeUnit

DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
YEARLY = "yearly"

#: empyrical's ``period`` names and their annualisation factors
ANNUALIZATION_FACTORS: dict[str, int] = {
    DAILY: 252,
    WEEKLY: 52,
    MONTHLY: 12,
    QUARTERLY: 4,
    YEARLY: 1,
}

EXCHANGE_DAYS = 252.0
ALWAYS_OPEN_DAYS = 365.0
FOREX_DAYS = 260.0  # 52 weeks of 5 trading days

# a month of ordinary sessions on which the bars of a regular session are counted
_REFERENCE_MONTH = ("2019-03-04", "2019-03-29")


def annualization_factor(period: str = DAILY, annualization: float | None = None) -> float:
    """The annualisation factor of an empyrical ``period`` name, or ``annualization`` when given."""
    if annualization is not None:
        if not np.isfinite(annualization) or annualization <= 0:
            raise ValidationError(
                "annualization must be a positive number of periods per year",
                field="annualization",
                value=annualization,
                fix="pass e.g. 252 for daily exchange data, 365 for crypto, or leave it None",
            )
        return annualization
    try:
        return ANNUALIZATION_FACTORS[period]
    except (KeyError, TypeError):
        raise ValidationError(
            "unknown period",
            field="period",
            value=period,
            fix=f"use one of {', '.join(ANNUALIZATION_FACTORS)} or pass annualization=",
        ) from None


def _calendar_of(calendar: str | TradingCalendar | None) -> TradingCalendar | None:
    if calendar is None or isinstance(calendar, TradingCalendar):
        return calendar
    return get_calendar(str(calendar))


def _days_per_year(calendar: TradingCalendar) -> float:
    if isinstance(calendar, AlwaysOpenCalendar):
        return ALWAYS_OPEN_DAYS
    if isinstance(calendar, ForexCalendar):
        return FOREX_DAYS
    return EXCHANGE_DAYS


@lru_cache(maxsize=64)
def _bars_per_session(code: str, timeframe: Timeframe) -> float:
    """Bars in a regular session of exchange ``code``, counted on a month of its sessions."""
    labels = ExchangeCalendar(code).expected_bars(*_REFERENCE_MONTH, timeframe)
    per_day = pd.Series(1, index=labels).groupby(labels.date).size()
    return float(np.median(per_day.to_numpy())) if len(per_day) else float("nan")


def _from_timeframe(timeframe: Timeframe, calendar: TradingCalendar) -> float:
    if timeframe.unit in (TimeUnit.WEEK, TimeUnit.MONTH, TimeUnit.QUARTER, TimeUnit.YEAR):
        return timeframe.periods_per_year()
    days = _days_per_year(calendar)
    if not timeframe.is_intraday or not isinstance(calendar, ExchangeCalendar):
        return timeframe.periods_per_year(trading_days=days)
    return days * _bars_per_session(calendar.name, timeframe)


def _guess_calendar(index: pd.DatetimeIndex) -> TradingCalendar | None:
    """24/7 when Saturdays trade, else None (an exchange or 24/5, told apart later)."""
    if np.mean(_utc_day_of_week(index) == 5) >= 0.05:
        return AlwaysOpenCalendar()
    return None


_DAY_NS = 86_400_000_000_000


def _utc_days(index: pd.DatetimeIndex) -> np.ndarray:
    """Days since 1970-01-01 (UTC; a naive index is read as UTC) of each timestamp."""
    return index.as_unit("ns").asi8 // _DAY_NS


def _utc_day_of_week(index: pd.DatetimeIndex) -> np.ndarray:
    """Monday=0 ... Sunday=6 in UTC, as ``index.tz_convert("UTC").day_of_week`` (1970-01-01
    was a Thursday), from the integer times."""
    return (_utc_days(index) + 3) % 7


def _from_index(index: pd.DatetimeIndex, calendar: TradingCalendar | None) -> float:
    timeframe = Timeframe.infer(index)
    if timeframe.unit in (TimeUnit.WEEK, TimeUnit.MONTH, TimeUnit.QUARTER, TimeUnit.YEAR):
        return timeframe.periods_per_year()
    if calendar is None:
        calendar = _guess_calendar(index)
    if calendar is not None and not isinstance(calendar, ExchangeCalendar):
        return timeframe.periods_per_year(trading_days=_days_per_year(calendar))
    if not timeframe.is_intraday:
        return timeframe.periods_per_year(trading_days=EXCHANGE_DAYS)
    days = _utc_days(index)
    _, bars_per_day = np.unique(days[(days + 3) % 7 < 5], return_counts=True)
    per_day = float(np.median(bars_per_day))
    hours_covered = per_day * timeframe.approx_nanos / 3_600_000_000_000
    if calendar is None and hours_covered >= 20:  # round-the-clock weekdays: FX
        return timeframe.periods_per_year(trading_days=FOREX_DAYS)
    return EXCHANGE_DAYS * per_day


def periods_per_year(
    index_or_timeframe: pd.DatetimeIndex | pd.Series | pd.DataFrame | Timeframe | str,
    *,
    calendar: str | TradingCalendar | None = None,
) -> float:
    """Bars per year of a bar index, a series, a timeframe (``"1h"``) or a name (``"daily"``).

    ``calendar`` (``"XNYS"``, ``"24/7"``, ``"24/5"`` or a TradingCalendar) says how many days a
    year trade and, for an exchange, how many intraday bars a session holds. Without it a bare
    timeframe means an exchange (XNYS, as ``get_calendar`` defaults), while an index is read:
    Saturday bars mean 24/7, weekdays covered round the clock mean 24/5, else an exchange whose
    session holds the median number of bars seen per weekday.
    """
    cal = _calendar_of(calendar)
    source = index_or_timeframe
    if isinstance(source, (pd.Series, pd.DataFrame)):
        source = source.index
    if isinstance(source, pd.DatetimeIndex):
        return float(_from_index(source, cal))
    if isinstance(source, pd.Index):
        raise ValidationError(
            "periods per year need a DatetimeIndex",
            field="index",
            value=type(source).__name__,
            fix="index the series by timestamps or pass periods_per_year= explicitly",
        )
    timeframe = Timeframe.parse(source)
    return float(_from_timeframe(timeframe, cal if cal is not None else get_calendar("XNYS")))
