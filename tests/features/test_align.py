"""align_asof: a value reaches a bar only once it is known, and it is the latest one known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import ValidationError
from signaltrust.features import align_asof, bar_ends


def _ts(*days: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(list(days), tz="UTC").as_unit("ns")


def test_align_when_value_published_later_then_absent_until_published():
    monthly = pd.Series([1.0, 2.0], index=_ts("2020-01-01", "2020-02-01"), name="cpi")
    available = _ts("2020-02-16", "2020-03-17")  # known at the end of Feb 15 / Mar 16
    days = _ts("2020-02-13", "2020-02-14", "2020-02-15", "2020-02-18", "2020-03-16", "2020-03-17")
    out = align_asof(monthly, days, available, decided_at=bar_ends(days, "1d"))
    assert out.name == "cpi"
    assert out.index.equals(days)
    np.testing.assert_array_equal(out.to_numpy(), [np.nan, np.nan, 1.0, 1.0, 2.0, 2.0])


def test_align_when_same_day_daily_close_then_used_at_that_days_close():
    vix = pd.Series([10.0, 11.0, 12.0], index=_ts("2020-01-02", "2020-01-03", "2020-01-06"))
    days = _ts("2020-01-02", "2020-01-03", "2020-01-06")
    out = align_asof(vix, days, vix.index + pd.Timedelta(days=1))
    np.testing.assert_array_equal(out.to_numpy(), [10.0, 11.0, 12.0])


def test_align_when_value_missing_then_latest_known_value_kept():
    series = pd.Series([1.0, np.nan, 3.0], index=_ts("2020-01-01", "2020-01-02", "2020-01-03"))
    days = _ts("2020-01-01", "2020-01-02", "2020-01-03")
    out = align_asof(series, days, series.index + pd.Timedelta(days=1))
    np.testing.assert_array_equal(out.to_numpy(), [1.0, 1.0, 3.0])


def test_align_when_value_older_than_max_age_then_nan():
    series = pd.Series([1.0], index=_ts("2020-01-01"))
    days = _ts("2020-01-01", "2020-01-05", "2020-01-20")
    out = align_asof(
        series,
        days,
        series.index + pd.Timedelta(days=1),
        decided_at=bar_ends(days, "1d"),
        max_age="7D",
    )
    np.testing.assert_array_equal(out.to_numpy(), [1.0, 1.0, np.nan])


def test_align_when_timestamps_naive_or_lengths_differ_then_validation_error():
    series = pd.Series([1.0, 2.0], index=_ts("2020-01-01", "2020-01-02"))
    days = _ts("2020-01-01", "2020-01-02")
    with pytest.raises(ValidationError, match="available_at"):
        align_asof(series, days, pd.DatetimeIndex(["2020-01-02", "2020-01-03"]))
    with pytest.raises(ValidationError, match="available_at"):
        align_asof(series, days, _ts("2020-01-02"))
    with pytest.raises(ValidationError, match="series"):
        align_asof(series.to_frame(), days, series.index)


def test_bar_ends_when_monthly_bars_then_calendar_month_ends():
    months = _ts("2020-01-01", "2020-02-01")
    assert list(bar_ends(months, "1mo")) == list(_ts("2020-02-01", "2020-03-01"))
    hours = pd.date_range("2020-01-01", periods=3, freq="h", tz="UTC").as_unit("ns")
    assert (bar_ends(hours) - hours == pd.Timedelta(hours=1)).all()


@settings(max_examples=200, deadline=None)
@given(
    known=st.lists(st.integers(0, 1000), min_size=1, max_size=40),
    decisions=st.lists(st.integers(-10, 1100), min_size=1, max_size=40),
)
def test_align_when_random_times_then_never_before_availability_and_latest_known(known, decisions):
    base = pd.Timestamp("2000-01-01", tz="UTC")
    ids = np.arange(len(known), dtype=float)  # each value names its observation
    series = pd.Series(ids, index=pd.RangeIndex(len(known)))
    available = pd.DatetimeIndex([base + pd.Timedelta(hours=h) for h in known]).as_unit("ns")
    decided = pd.DatetimeIndex([base + pd.Timedelta(hours=h) for h in sorted(decisions)]).as_unit(
        "ns"
    )
    out = align_asof(series, decided, available, decided_at=decided).to_numpy()
    for when, used in zip(decided, out, strict=True):
        visible = [i for i in range(len(known)) if available[i] <= when]
        if not visible:
            assert np.isnan(used)
            continue
        assert available[int(used)] <= when  # never before it is known
        latest = max(available[i] for i in visible)
        assert available[int(used)] == latest
        assert int(used) == max(i for i in visible if available[i] == latest)  # later row wins ties
