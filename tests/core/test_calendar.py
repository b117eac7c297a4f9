"""Calendars say which bars to expect: exchange sessions, 24/7 and 24/5."""

from __future__ import annotations

import pandas as pd

from signaltrust.core.calendar import get_calendar
from signaltrust.core.instrument import AssetClass, Instrument


def test_exchange_calendar_when_daily_then_skips_weekends_and_holidays():
    cal = get_calendar("XNYS")
    bars = cal.expected_bars("2018-12-20", "2019-01-03", "1d")
    days = [d.strftime("%Y-%m-%d") for d in bars]
    assert "2018-12-25" not in days  # Christmas
    assert "2018-12-22" not in days  # Saturday
    assert "2018-12-24" in days and "2019-01-02" in days
    assert "2018-12-05" not in cal.expected_bars("2018-12-03", "2018-12-07", "1d").strftime("%Y-%m-%d")  # Bush funeral


def test_crypto_calendar_when_daily_then_every_day():
    cal = get_calendar(asset_class=AssetClass.CRYPTO)
    assert len(cal.expected_bars("2024-01-01", "2024-01-31", "1d")) == 31


def test_fx_calendar_when_hourly_then_closed_from_friday_to_sunday_evening_new_york():
    cal = get_calendar(asset_class="fx")
    bars = cal.expected_bars("2018-01-05 00:00", "2018-01-08 00:00", "1h")
    ny = bars.tz_convert("America/New_York")
    assert not (ny.day_of_week == 5).any()
    assert pd.Timestamp("2018-01-05 22:00", tz="UTC") not in bars  # Friday 17:00 NY: closed
    assert pd.Timestamp("2018-01-05 21:00", tz="UTC") in bars  # Friday 16:00 NY: open
    assert pd.Timestamp("2018-01-07 22:00", tz="UTC") in bars  # Sunday 17:00 NY reopens


def test_missing_bars_when_a_session_is_absent_then_reported():
    cal = get_calendar("XNYS")
    index = cal.expected_bars("2018-01-01", "2018-01-31", "1d")
    gap = index.delete(5)
    assert list(cal.missing_bars(gap, "1d")) == [index[5]]


def test_instrument_when_symbol_has_path_characters_then_refused():
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError, match="symbol"):
        Instrument(symbol="../etc", venue="X")
    assert Instrument(symbol="EURUSD", venue="FX", asset_class="fx").key == "EURUSD.FX"
