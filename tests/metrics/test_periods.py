"""Periods per year: 252 exchange days, 365 for 24/7, 260 for 24/5, scaled for intraday bars."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data import load
from signaltrust.metrics import annualization_factor, periods_per_year


def _index(start: str, periods: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=periods, freq=freq, tz="UTC").as_unit("ns")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sp500", 252.0), ("goog", 252.0), ("eurusd", 24 * 260.0), ("btcusd", 12.0), ("stocks", 12.0)],
)
def test_periods_per_year_when_bundled_data_then_matches_its_market(name, expected):
    assert periods_per_year(load(name).index) == expected


def test_periods_per_year_when_crypto_daily_bars_then_365():
    assert periods_per_year(_index("2021-01-01", 400, "D")) == 365.0


def test_periods_per_year_when_crypto_hourly_bars_then_hours_in_a_year():
    assert periods_per_year(_index("2021-01-01", 24 * 30, "h")) == 365.0 * 24


def test_periods_per_year_when_exchange_hourly_bars_then_bars_per_session_times_252():
    sessions = pd.bdate_range("2021-03-01", periods=40)
    stamps = [
        day + pd.Timedelta(hours=h) for day in sessions for h in range(14, 21)
    ]  # 7 bars a session
    assert periods_per_year(pd.DatetimeIndex(stamps, tz="UTC").as_unit("ns")) == 252.0 * 7


def test_periods_per_year_when_weekly_or_monthly_bars_then_52_or_12():
    assert periods_per_year(_index("2000-01-03", 200, "W-MON")) == 52.0
    assert periods_per_year(_index("2000-01-01", 120, "MS")) == 12.0
    assert periods_per_year(_index("2000-01-01", 40, "QS")) == 4.0


@pytest.mark.parametrize(
    ("timeframe", "calendar", "expected"),
    [
        ("1d", None, 252.0),
        ("daily", "24/7", 365.0),
        ("1d", "24/5", 260.0),
        ("1h", "24/7", 8760.0),
        ("1h", "24/5", 6240.0),
        ("15m", "24/7", 365.0 * 96),
        ("1h", "XNYS", 252.0 * 7),
        ("5m", "XNYS", 252.0 * 78),
        ("1w", "24/7", 52.0),
        ("2w", None, 26.0),
        ("1mo", None, 12.0),
    ],
)
def test_periods_per_year_when_timeframe_and_calendar_then_documented_factor(
    timeframe, calendar, expected
):
    assert periods_per_year(timeframe, calendar=calendar) == expected


def test_periods_per_year_when_series_then_reads_its_index():
    series = pd.Series(1.0, index=_index("2021-01-01", 50, "D"))
    assert periods_per_year(series) == 365.0
    assert periods_per_year(Timeframe.parse("1d")) == 252.0


def test_periods_per_year_when_calendar_is_given_then_it_overrides_the_guess():
    assert periods_per_year(_index("2021-01-04", 300, "B"), calendar="24/7") == 365.0


def test_periods_per_year_when_index_has_no_timestamps_then_error_names_index():
    with pytest.raises(ValidationError, match="index"):
        periods_per_year(pd.RangeIndex(10))


def test_annualization_factor_when_period_names_then_empyrical_factors():
    assert [
        annualization_factor(p) for p in ("daily", "weekly", "monthly", "quarterly", "yearly")
    ] == [252, 52, 12, 4, 1]
    assert annualization_factor("daily", 365) == 365


@pytest.mark.parametrize("tz", [None, "UTC", "America/New_York", "Asia/Tokyo"])
@pytest.mark.parametrize("freq", ["15min", "1h", "1D"])
def test_utc_day_of_week_when_any_zone_then_matches_pandas_in_utc(tz, freq):
    from signaltrust.metrics.periods import _utc_day_of_week

    index = pd.date_range("1969-12-25", periods=3000, freq=freq, tz=tz)  # before and after 1970
    utc = index.tz_convert("UTC") if tz else index
    assert (_utc_day_of_week(index) == utc.day_of_week.to_numpy()).all()


def test_periods_per_year_when_exchange_bars_with_gaps_then_median_bars_per_weekday():
    # 7 bars on most weekdays, 3 on a half day, none at weekends: an exchange of 7 bars a day
    days = pd.bdate_range("2024-01-01", periods=40, tz="UTC")
    stamps = [d + pd.Timedelta(hours=14, minutes=30 + 60 * k) for d in days for k in range(7)]
    stamps = [s for s in stamps if not (s.day == 5 and s.month == 1 and s.hour > 16)]
    assert periods_per_year(pd.DatetimeIndex(stamps)) == pytest.approx(252 * 7)
