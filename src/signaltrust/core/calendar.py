"""Trading calendars: exchange sessions for equities, 24/7 for crypto, 24/5 for FX. UTC throughout.

A calendar answers one question the rest of the platform needs: which bar labels should exist
between two timestamps for a timeframe. Gap checks compare a series against that answer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache

import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.instrument import AssetClass
from signaltrust.core.timeframe import Timeframe, TimeUnit


def _utc(ts: pd.Timestamp | str) -> pd.Timestamp:
    stamp = pd.Timestamp(ts)
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


def _ns(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """pandas 3 builds microsecond indexes; the platform's arrays are nanoseconds."""
    return pd.DatetimeIndex(index).as_unit("ns").rename("timestamp")


def _period_starts(start: pd.Timestamp, end: pd.Timestamp, timeframe: Timeframe) -> pd.DatetimeIndex:
    """Labels of calendar periods (weeks, months, ...) whose start lies in [start, end]."""
    rule = timeframe.pandas_rule
    first = start.floor("D")
    if timeframe.unit is TimeUnit.WEEK:
        first = first - pd.Timedelta(days=first.dayofweek)
    elif timeframe.unit is TimeUnit.MONTH:
        first = first.replace(day=1)
    elif timeframe.unit is TimeUnit.QUARTER:
        first = first.replace(day=1, month=3 * ((first.month - 1) // 3) + 1)
    elif timeframe.unit is TimeUnit.YEAR:
        first = first.replace(day=1, month=1)
    if timeframe.unit is TimeUnit.WEEK:
        return _ns(pd.date_range(first, end, freq=f"{7 * timeframe.count}D", tz="UTC"))
    return _ns(pd.date_range(first, end, freq=rule, tz="UTC"))


class TradingCalendar(ABC):
    """When a market trades, and hence which bars to expect."""

    name: str

    @abstractmethod
    def expected_bars(
        self, start: pd.Timestamp | str, end: pd.Timestamp | str, timeframe: Timeframe | str
    ) -> pd.DatetimeIndex:
        """Bar labels (period starts, UTC) the market should produce in [start, end]."""

    def missing_bars(self, index: pd.DatetimeIndex, timeframe: Timeframe | str) -> pd.DatetimeIndex:
        """Labels the calendar expects between the first and last bar of ``index`` that it lacks."""
        if len(index) == 0:
            return _ns(pd.DatetimeIndex([], tz="UTC"))
        expected = self.expected_bars(index.min(), index.max(), timeframe)
        have = index.tz_convert("UTC") if index.tz else index.tz_localize("UTC")
        return _ns(expected.difference(_ns(have)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class AlwaysOpenCalendar(TradingCalendar):
    """24/7 markets (crypto): every period is a trading period."""

    name = "24/7"

    def expected_bars(self, start, end, timeframe):
        tf = Timeframe.parse(timeframe)
        start, end = _utc(start), _utc(end)
        if tf.unit in (TimeUnit.WEEK, TimeUnit.MONTH, TimeUnit.QUARTER, TimeUnit.YEAR):
            return _period_starts(start, end, tf)
        first = start.floor(tf.pandas_rule) if tf.unit is not TimeUnit.DAY else start.floor("D")
        return _ns(pd.date_range(first, end, freq=tf.pandas_rule, tz="UTC"))


class ForexCalendar(TradingCalendar):
    """24/5 FX: opens Sunday 17:00 New York, closes Friday 17:00 New York."""

    name = "24/5"

    def expected_bars(self, start, end, timeframe):
        tf = Timeframe.parse(timeframe)
        start, end = _utc(start), _utc(end)
        if tf.unit in (TimeUnit.WEEK, TimeUnit.MONTH, TimeUnit.QUARTER, TimeUnit.YEAR):
            return _period_starts(start, end, tf)
        if tf.unit is TimeUnit.DAY:
            days = pd.date_range(start.floor("D"), end, freq="D", tz="UTC", name="timestamp")
            return _ns(days[days.day_of_week < 5])
        labels = pd.date_range(start.floor(tf.pandas_rule), end, freq=tf.pandas_rule, tz="UTC")
        local = labels.tz_convert("America/New_York")
        dow, hour = local.day_of_week, local.hour
        closed = (dow == 5) | ((dow == 4) & (hour >= 17)) | ((dow == 6) & (hour < 17))
        return _ns(labels[~closed])


class ExchangeCalendar(TradingCalendar):
    """An exchange's sessions from ``exchange_calendars`` (holidays, early closes, closures).

    Daily bars are labelled by the session date at 00:00 UTC, as daily data files are.
    """

    def __init__(self, code: str = "XNYS") -> None:
        self.name = code

    @property
    def _calendar(self):
        return _exchange_calendar(self.name)

    def expected_bars(self, start, end, timeframe):
        tf = Timeframe.parse(timeframe)
        start, end = _utc(start), _utc(end)
        if tf.unit in (TimeUnit.WEEK, TimeUnit.MONTH, TimeUnit.QUARTER, TimeUnit.YEAR):
            return _period_starts(start, end, tf)
        cal = self._calendar
        first = max(start.tz_localize(None).floor("D"), cal.first_session)
        last = min(end.tz_localize(None).floor("D"), cal.last_session)
        if first > last:
            return _ns(pd.DatetimeIndex([], tz="UTC"))
        sessions = cal.sessions_in_range(first, last)
        if tf.unit is TimeUnit.DAY:
            return _ns(pd.DatetimeIndex(sessions).tz_localize("UTC"))
        minutes = cal.sessions_minutes(sessions[0], sessions[-1])
        labels = minutes.floor(tf.pandas_rule).unique()
        labels = labels[(labels >= start) & (labels <= end)]
        return _ns(pd.DatetimeIndex(labels).tz_convert("UTC"))


@lru_cache(maxsize=16)
def _exchange_calendar(code: str):
    import exchange_calendars as xcals  # slow import; only when an exchange calendar is used

    try:
        return xcals.get_calendar(code, start="1990-01-01")
    except Exception as exc:  # exchange_calendars raises its own InvalidCalendarName
        raise ValidationError(
            "unknown exchange calendar",
            field="calendar",
            value=code,
            fix="use an ISO MIC such as XNYS, XNAS, XLON, XTKS (exchange_calendars.get_calendar_names())",
        ) from exc


_DEFAULT_BY_CLASS = {
    AssetClass.CRYPTO: "24/7",
    AssetClass.FX: "24/5",
}


def get_calendar(name: str | None = None, *, asset_class: AssetClass | str | None = None) -> TradingCalendar:
    """The calendar called ``name`` (``24/7``, ``24/5`` or an exchange code), or the asset class default.

    Equities, indices and most other classes default to the New York Stock Exchange (``XNYS``).
    """
    if name is None:
        cls = AssetClass(asset_class) if asset_class is not None else AssetClass.EQUITY
        name = _DEFAULT_BY_CLASS.get(cls, "XNYS")
    key = name.strip().upper()
    if key in ("24/7", "ALWAYS", "CRYPTO"):
        return AlwaysOpenCalendar()
    if key in ("24/5", "FX", "FOREX"):
        return ForexCalendar()
    return ExchangeCalendar(key)
