"""Resampling bars to coarser timeframes: hand-computed values and real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import ValidationError
from signaltrust.data.catalog import load
from signaltrust.data.resample import resample


def bars_at(stamps, rows) -> pd.DataFrame:
    index = pd.DatetimeIndex(stamps, tz="UTC").as_unit("ns").rename("timestamp")
    return pd.DataFrame(
        rows, columns=["open", "high", "low", "close", "volume"], index=index, dtype=float
    )


@pytest.fixture
def two_weeks() -> pd.DataFrame:
    # Mon 2024-01-01 .. Wed 2024-01-03, then Mon 2024-01-08 .. Tue 2024-01-09, and Sun 2024-01-14
    return bars_at(
        ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-08", "2024-01-09", "2024-01-14"],
        [
            [10, 12, 9, 11, 100],
            [11, 15, 10, 14, 200],
            [14, 14, 8, 9, 300],
            [9, 10, 7, 8, 50],
            [8, 13, 8, 12, np.nan],
            [12, 12.5, 11, 11.5, 5],
        ],
    )


def test_resample_when_daily_to_weekly_then_hand_computed_ohlcv_labelled_monday(two_weeks):
    weekly = resample(two_weeks, "1w", source="1d")
    expected = bars_at(
        ["2024-01-01", "2024-01-08"],
        [[10, 15, 8, 9, 600], [9, 13, 7, 11.5, 55]],  # Sunday the 14th closes the week of the 8th
    )
    pd.testing.assert_frame_equal(weekly, expected)
    assert (weekly.index.day_of_week == 0).all()


def test_resample_when_a_period_has_no_bars_then_no_row_is_made(two_weeks):
    sparse = two_weeks.drop(two_weeks.index[3:5])
    weekly = resample(sparse, "1w", source="1d")
    assert list(weekly.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-08"]
    monthly = resample(
        pd.concat([two_weeks, bars_at(["2024-03-05"], [[1, 2, 0.5, 1.5, 1]])]), "1mo", source="1d"
    )
    assert list(monthly.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-03-01"]


def test_resample_when_volume_all_missing_in_period_then_volume_is_nan():
    bars = bars_at(
        ["2024-01-01", "2024-01-02", "2024-01-08"],
        [[1, 2, 0, 1, np.nan], [1, 2, 0, 1, np.nan], [1, 2, 0, 1, 7]],
    )
    weekly = resample(bars, "1w", source="1d")
    assert np.isnan(weekly["volume"].iloc[0]) and weekly["volume"].iloc[1] == 7


def test_resample_when_hourly_eurusd_to_daily_then_each_day_matches_its_hours():
    hourly = load("eurusd")
    daily = resample(hourly, "1d")
    day = hourly.loc["2017-06-14"]
    row = daily.loc[pd.Timestamp("2017-06-14", tz="UTC")]
    assert row["open"] == day["open"].iloc[0] and row["close"] == day["close"].iloc[-1]
    assert row["high"] == day["high"].max() and row["low"] == day["low"].min()
    assert row["volume"] == pytest.approx(day["volume"].sum(), rel=1e-12)
    assert len(daily) == hourly.index.normalize().nunique()


def test_resample_when_fx_calendar_then_sunday_evening_opens_the_monday_session():
    hourly = load("eurusd")
    daily = resample(hourly, "1d", calendar="24/5")
    # the only weekend days are Fridays' stray ticks at or after the 17:00 New York close
    local = hourly.index.tz_convert("America/New_York")
    after_close = local[(local.day_of_week == 4) & (local.hour >= 17)]
    saturdays = {(t + pd.Timedelta(hours=7)).strftime("%Y-%m-%d") for t in after_close}
    assert set(daily.index[daily.index.day_of_week >= 5].strftime("%Y-%m-%d")) == saturdays
    # 2017-06-11 is a Sunday; its evening hours (after 17:00 New York) belong to Monday the 12th
    sunday = hourly.loc["2017-06-11"]
    monday = daily.loc[pd.Timestamp("2017-06-12", tz="UTC")]
    assert len(sunday) > 0 and monday["open"] == sunday["open"].iloc[0]
    session = hourly.loc["2017-06-11 21:00":"2017-06-12 20:00"]
    assert monday["high"] == session["high"].max() and monday["close"] == session["close"].iloc[-1]


def test_resample_when_sp500_daily_to_monthly_then_matches_direct_computation():
    daily = load("sp500")
    monthly = resample(daily, "1mo")
    months = daily.index.tz_localize(None).to_period("M")
    grouped = daily.groupby(months)
    assert len(monthly) == len(grouped) == 240
    np.testing.assert_array_equal(monthly["open"].to_numpy(), grouped["open"].first().to_numpy())
    np.testing.assert_array_equal(monthly["high"].to_numpy(), grouped["high"].max().to_numpy())
    np.testing.assert_array_equal(monthly["low"].to_numpy(), grouped["low"].min().to_numpy())
    np.testing.assert_array_equal(monthly["close"].to_numpy(), grouped["close"].last().to_numpy())
    np.testing.assert_allclose(
        monthly["volume"].to_numpy(), grouped["volume"].sum().to_numpy(), rtol=1e-12
    )
    np.testing.assert_array_equal(
        monthly["adj_close"].to_numpy(), grouped["adj_close"].last().to_numpy()
    )
    assert list(monthly.index[:2].strftime("%Y-%m-%d")) == ["1999-01-01", "1999-02-01"]


def test_resample_when_exchange_calendar_then_session_crossing_midnight_utc_is_one_day():
    # Sydney (XASX) trades 10:00-16:00 local = 23:00-05:00 UTC in January (daylight saving)
    stamps = pd.date_range("2024-01-01 23:00", "2024-01-02 04:00", freq="h")
    rows = [[i, i + 1, i - 1, i + 0.5, 10] for i in range(1, len(stamps) + 1)]
    bars = bars_at(stamps, rows)
    daily = resample(bars, "1d", calendar="XASX", source="1h")
    assert list(daily.index.strftime("%Y-%m-%d")) == ["2024-01-02"]
    assert daily.iloc[0].tolist() == [1, 7, 0, 6.5, 60]
    assert len(resample(bars, "1d", source="1h")) == 2  # UTC days split the session


def test_resample_when_bar_outside_exchange_sessions_then_refused():
    bars = bars_at(["2024-01-02 15:00", "2024-01-02 23:00"], [[1, 2, 0, 1, 1], [1, 2, 0, 1, 1]])
    with pytest.raises(ValidationError, match="outside the sessions of XNYS"):
        resample(bars, "1d", calendar="XNYS", source="1h")


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("1d", "1h", "finer"),
        ("1h", "90m", "multiple"),
        ("1w", "1mo", "multiple"),
        ("2d", "1w", "multiple"),
        ("2mo", "1q", "multiple"),
    ],
)
def test_resample_when_target_finer_or_not_a_multiple_then_refused(
    two_weeks, source, target, message
):
    with pytest.raises(ValidationError, match=message) as caught:
        resample(two_weeks, target, source=source)
    assert caught.value.field == "timeframe" and caught.value.fix


def test_resample_when_bars_unsorted_then_refused(two_weeks):
    with pytest.raises(ValidationError, match="increasing"):
        resample(two_weeks.iloc[::-1], "1w", source="1d")


def test_resample_when_bars_straddle_target_periods_then_refused():
    bars = bars_at(pd.date_range("2024-01-01 00:30", periods=4, freq="h"), [[1, 2, 0, 1, 1]] * 4)
    with pytest.raises(ValidationError, match="straddle"):
        resample(bars, "2h")


def test_resample_when_monthly_to_quarterly_then_quarters_start_jan_apr_jul_oct():
    monthly = load("btcusd").loc["2013-01-01":"2013-12-31"]
    quarterly = resample(monthly, "1q")
    assert list(quarterly.index.month) == [1, 4, 7, 10]
    assert quarterly["close"].iloc[1] == monthly["close"].iloc[5]
    assert quarterly["high"].iloc[0] == monthly["high"].iloc[:3].max()


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(st.integers(1, 30), min_size=1, max_size=80),
    seed=st.integers(0, 2**32 - 1),
    nan_share=st.sampled_from([0.0, 0.3, 0.9]),
)
def test_resample_when_random_hourly_bars_then_matches_pandas_groupby(steps, seed, nan_share):
    stamps = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.cumsum(steps), unit="h")
    n = len(stamps)
    rng = np.random.default_rng(seed)
    arr = rng.uniform(1, 100, size=(n, 5))
    arr[rng.random((n, 5)) < nan_share] = np.nan
    bars = pd.DataFrame(
        arr,
        columns=["open", "high", "low", "close", "volume"],
        index=pd.DatetimeIndex(stamps).as_unit("ns").rename("timestamp"),
    )
    got = resample(bars, "1d", source="1h")
    groups = bars.groupby(bars.index.floor("D"))
    expected = pd.DataFrame(
        {
            "open": groups["open"].first(),
            "high": groups["high"].max(),
            "low": groups["low"].min(),
            "close": groups["close"].last(),
            "volume": groups["volume"].sum(min_count=1),
        }
    )
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12, equal_nan=True)
    assert (got.index == expected.index).all()
