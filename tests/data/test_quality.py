"""Data-quality checks on constructed bad data, on clean data and on the bundled files' quirks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.config import load_settings
from signaltrust.core.calendar import get_calendar
from signaltrust.core.errors import ValidationError
from signaltrust.data.quality import (
    CHECKS,
    QualityReport,
    check_bars,
    check_dataset,
    check_file,
    check_series,
)

N = 60


def clean_bars(n: int = N, start: str = "2021-01-04", seed: int = 7) -> pd.DataFrame:
    """Consistent daily bars on NYSE sessions: a random walk, high/low around open/close."""
    rng = np.random.default_rng(seed)
    first = pd.Timestamp(start, tz="UTC")
    sessions = get_calendar("XNYS").expected_bars(first, first + pd.Timedelta(days=2 * n), "1d")
    index = sessions[:n].as_unit("ns").rename("timestamp")
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[100.0, close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0.001, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0.001, 0.01, n))
    volume = rng.integers(1_000, 5_000, n).astype(float)
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index
    )


def clean_series(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    index = (
        pd.date_range("2000-01-01", periods=n, freq="MS", tz="UTC")
        .as_unit("ns")
        .rename("timestamp")
    )
    a = 50 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
    b = 20 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
    return pd.DataFrame({"a": a, "b": b}, index=index)


def check(frame: pd.DataFrame, **options) -> QualityReport:
    return check_bars(frame, timeframe="1d", calendar="XNYS", **options)


def names(report: QualityReport) -> set[str]:
    return {i.check for i in report.issues}


# ------------------------------------------------------------------------------ clean data


def test_check_when_bars_are_clean_then_no_issue_at_all():
    report = check(clean_bars())
    assert report.issues == []
    assert report.ok


def test_check_when_series_are_clean_then_no_issue_at_all():
    report = check_series(clean_series(), timeframe="1mo")
    assert report.issues == []


# ------------------------------------------------------------------------------ each check


def test_check_when_a_timestamp_repeats_then_duplicate_timestamp_error_names_both_rows():
    bars = clean_bars()
    bad = pd.concat([bars.iloc[:10], bars.iloc[[9]], bars.iloc[10:]])
    report = check(bad)
    found = report.by_check("duplicate_timestamp")
    assert [i.row for i in found] == [11]
    assert "row 10" in found[0].message
    assert found[0].severity == "error" and not report.ok


def test_check_when_two_rows_are_swapped_then_out_of_order_error_on_the_earlier_stamp():
    bars = clean_bars()
    order = list(range(N))
    order[20], order[21] = 21, 20
    report = check(bars.iloc[order])
    found = report.by_check("out_of_order")
    assert [i.row for i in found] == [22]
    assert found[0].timestamp == bars.index[20].isoformat()


def test_check_when_all_rows_descend_then_one_out_of_order_issue():
    report = check(clean_bars().iloc[::-1])
    assert len(report.by_check("out_of_order")) == 1
    assert "descending" in report.by_check("out_of_order")[0].message


def test_check_when_sessions_are_missing_then_calendar_gap_lists_runs_compactly():
    bars = clean_bars()
    bad = bars.drop(bars.index[[10, 11, 12, 30]])
    found = check(bad).by_check("calendar_gap")
    assert [(i.timestamp, i.value) for i in found] == [
        (bars.index[10].isoformat(), 3),
        (bars.index[30].isoformat(), 1),
    ]
    assert all(i.severity == "warning" for i in found)


def test_check_when_gaps_exceed_max_gap_report_then_the_rest_is_counted():
    bars = clean_bars()
    bad = bars.drop(bars.index[[5, 10, 15, 20, 25]])
    found = check(bad, max_gap_report=2).by_check("calendar_gap")
    assert len(found) == 3
    assert found[-1].value == 3 and "3 more gaps" in found[-1].message


def test_check_when_a_holiday_is_not_a_session_then_no_gap_is_reported():
    # 2021-01-18 (Martin Luther King day) lies inside the clean bars and is no XNYS session
    bars = clean_bars()
    assert pd.Timestamp("2021-01-18", tz="UTC") not in bars.index
    assert check(bars).by_check("calendar_gap") == []


def test_check_when_a_monthly_row_is_mid_month_then_off_grid_timestamp_warning():
    series = clean_series()
    stamps = series.index.tolist()
    stamps[40] = stamps[40] + pd.Timedelta(days=14)
    series.index = pd.DatetimeIndex(stamps).as_unit("ns")
    found = check_series(series, timeframe="1mo").by_check("off_grid_timestamp")
    assert [i.row for i in found] == [41]
    assert found[0].severity == "warning"


def test_check_when_monthly_data_is_dated_month_end_then_that_grid_is_accepted():
    series = clean_series()
    series.index = (series.index + pd.offsets.MonthEnd(0)).as_unit("ns")
    assert check_series(series, timeframe="1mo").by_check("off_grid_timestamp") == []


def test_check_when_an_hourly_bar_is_at_half_past_then_off_grid_timestamp():
    index = pd.date_range("2021-03-01 00:00", periods=48, freq="h", tz="UTC")
    frame = pd.DataFrame({"x": np.linspace(1.0, 2.0, 48)}, index=index)
    frame.index = frame.index.where(np.arange(48) != 20, index[20] + pd.Timedelta(minutes=30))
    found = check_series(frame, timeframe="1h", calendar="24/7").by_check("off_grid_timestamp")
    assert [i.row for i in found] == [21]


@pytest.mark.parametrize("value", [0.0, -5.0])
def test_check_when_a_price_is_not_positive_then_non_positive_price_error(value):
    bars = clean_bars()
    bars.iloc[15, bars.columns.get_loc("low")] = value
    found = check(bars).by_check("non_positive_price")
    assert [(i.row, i.column, i.value) for i in found] == [(16, "low", value)]


@pytest.mark.parametrize(
    ("column", "fragment"),
    [("high", "below max(open, close)"), ("low", "above min(open, close)")],
)
def test_check_when_high_or_low_is_inside_open_close_then_ohlc_inconsistent(column, fragment):
    bars = clean_bars()
    middle = (bars["open"].iloc[25] + bars["close"].iloc[25]) / 2
    bars.iloc[25, bars.columns.get_loc(column)] = middle
    found = check(bars).by_check("ohlc_inconsistent")
    assert [i.row for i in found] == [26]
    assert fragment in found[0].message and found[0].column == column


def test_check_when_high_is_below_low_then_ohlc_inconsistent_says_so():
    bars = clean_bars()
    high, low = bars["high"].iloc[8], bars["low"].iloc[8]
    bars.iloc[8, bars.columns.get_loc("high")] = low
    bars.iloc[8, bars.columns.get_loc("low")] = high
    found = check(bars).by_check("ohlc_inconsistent")
    assert [i.row for i in found] == [9]
    assert "below low" in found[0].message


def test_check_when_a_price_is_nan_then_missing_value_warning_names_the_column():
    bars = clean_bars()
    bars.iloc[12, bars.columns.get_loc("close")] = np.nan
    report = check(bars)
    found = report.by_check("missing_value")
    assert [(i.row, i.column) for i in found] == [(13, "close")]
    assert report.ok  # a warning, not an error


def test_check_when_a_volume_is_nan_then_missing_volume_unless_not_expected():
    bars = clean_bars()
    bars.iloc[3, bars.columns.get_loc("volume")] = np.nan
    assert [i.row for i in check(bars).by_check("missing_volume")] == [4]
    assert check(bars, expects_volume=False).by_check("missing_volume") == []


def test_check_when_the_volume_column_is_absent_then_one_missing_volume_issue():
    bars = clean_bars().drop(columns="volume")
    assert len(check(bars).by_check("missing_volume")) == 1
    assert check(bars, expects_volume=False).issues == []


def test_check_when_a_volume_is_negative_then_negative_volume_error():
    bars = clean_bars()
    bars.iloc[7, bars.columns.get_loc("volume")] = -100.0
    found = check(bars).by_check("negative_volume")
    assert [(i.row, i.value) for i in found] == [(8, -100.0)]


def test_check_when_one_close_jumps_then_outlier_return_on_that_bar():
    bars = clean_bars()
    row = 40
    for column in ("open", "high", "low", "close"):
        bars.iloc[row:, bars.columns.get_loc(column)] *= 1.5
    bars.iloc[row, bars.columns.get_loc("open")] = bars["close"].iloc[row - 1]
    bars.iloc[row, bars.columns.get_loc("low")] = bars["close"].iloc[row - 1] * 0.99
    found = check(bars).by_check("outlier_return")
    assert [i.row for i in found] == [row + 1]
    assert check(bars, outlier_sigma=1000).by_check("outlier_return") == []


def test_check_when_bars_freeze_then_stale_bars_from_stale_run():
    bars = clean_bars()
    bars.iloc[20:25] = bars.iloc[19].to_numpy()
    found = check(bars).by_check("stale_bars")
    assert [(i.row, i.value) for i in found] == [(20, 6)]
    assert check(bars, stale_run=7).by_check("stale_bars") == []


def test_check_when_a_series_value_repeats_five_times_then_stale_bars_on_that_column():
    series = clean_series()
    series.iloc[50:54, 1] = series.iloc[49, 1]
    found = check_series(series, timeframe="1mo").by_check("stale_bars")
    assert [(i.row, i.column, i.value) for i in found] == [(50, "b", 5)]


def test_check_when_last_row_copies_the_previous_off_grid_then_repeated_bar_error():
    series = clean_series()
    extra = series.iloc[[-1]].copy()
    extra.index = extra.index + pd.Timedelta(days=27)
    report = check_series(pd.concat([series, extra]), timeframe="1mo")
    found = report.by_check("repeated_bar")
    assert [i.row for i in found] == [len(series) + 1]
    assert not report.ok


def test_check_when_a_copy_sits_behind_an_empty_row_then_repeated_bar_still_found():
    series = clean_series()
    empty = pd.DataFrame(
        {"a": [np.nan], "b": [np.nan]}, index=[series.index[-1] + pd.Timedelta(days=8)]
    )
    copy = series.iloc[[-1]].copy()
    copy.index = [series.index[-1] + pd.Timedelta(days=20)]
    frame = pd.concat([series, empty, copy])
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    found = check_series(frame, timeframe="1mo").by_check("repeated_bar")
    assert [i.row for i in found] == [len(series) + 2]


def test_check_when_an_intraday_bar_copies_the_previous_on_grid_then_not_repeated_bar():
    bars = clean_bars()
    bars.iloc[30] = bars.iloc[29].to_numpy()  # same values a full bar later: a stale value, no copy
    assert check(bars).by_check("repeated_bar") == []


def test_check_when_a_cell_holds_text_then_unparsable_error():
    bars = clean_bars()
    frame = bars.astype({"close": object})
    frame.iloc[5, frame.columns.get_loc("close")] = "n/a?"
    found = check(frame).by_check("unparsable")
    assert [(i.row, i.column, i.value) for i in found] == [(6, "close", "n/a?")]


def test_check_when_called_then_every_issue_names_a_known_check_with_its_severity():
    bars = clean_bars()
    bars.iloc[3, 1] = 0.0
    bars.iloc[9, 3] = np.nan
    for i in check(bars).issues:
        assert i.check in CHECKS and i.severity == CHECKS[i.check][0]


# ----------------------------------------------------------------------- report and inputs


def test_check_when_data_is_bad_then_input_frame_is_unchanged():
    bars = clean_bars()
    bars.iloc[5, 1] = -1.0
    bars.iloc[9, 3] = np.nan
    bad = pd.concat([bars.iloc[:30], bars.iloc[[12]], bars.iloc[30:]])  # duplicate, out of order
    bad = bad.astype({"close": object})
    bad.iloc[2, bad.columns.get_loc("close")] = "oops"
    before = bad.copy(deep=True)
    index_before = bad.index.copy()
    report = check(bad)
    assert not report.ok
    pd.testing.assert_frame_equal(bad, before)
    assert bad.index.equals(index_before) and bad.index.dtype == index_before.dtype


def test_check_series_when_data_is_bad_then_input_frame_is_unchanged():
    series = clean_series()
    series.iloc[3, 0] = np.nan
    series.iloc[7, 1] = -2.0
    before = series.copy(deep=True)
    check_series(series, timeframe="1mo")
    pd.testing.assert_frame_equal(series, before)


def test_report_when_errors_and_warnings_then_views_summary_frame_and_json_agree():
    bars = clean_bars()
    bars.iloc[5, 1] = -1.0  # high: non-positive and ohlc
    bars.iloc[9, 3] = np.nan
    report = check(bars)
    assert {i.check for i in report.errors} == {"non_positive_price", "ohlc_inconsistent"}
    assert {i.check for i in report.warnings} == {"missing_value"}
    assert report.summary() == {"non_positive_price": 1, "ohlc_inconsistent": 1, "missing_value": 1}
    frame = report.to_frame()
    assert list(frame.columns) == [
        "check",
        "severity",
        "timestamp",
        "row",
        "column",
        "value",
        "message",
    ]
    assert len(frame) == 3
    payload = json.loads(json.dumps(report.to_dict()))
    assert payload["ok"] is False and payload["errors"] == 2 and payload["warnings"] == 1


def test_check_when_thresholds_come_from_settings_then_they_are_used(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__DATA__STALE_RUN", "3")
    bars = clean_bars()
    bars.iloc[20:22] = bars.iloc[19].to_numpy()  # three identical bars
    configured = load_settings().data  # the boundary reads the configuration
    assert len(check(bars, stale_run=configured.stale_run).by_check("stale_bars")) == 1
    assert check(bars, stale_run=4).by_check("stale_bars") == []
    assert check(bars).by_check("stale_bars") == []  # the default (5); the library never reads it


def test_check_when_a_threshold_is_invalid_then_validation_error_names_it():
    with pytest.raises(ValidationError, match="stale_run"):
        check(clean_bars(), stale_run=1)


def test_check_bars_when_price_columns_are_missing_then_validation_error():
    with pytest.raises(ValidationError, match="columns"):
        check(clean_bars().drop(columns="high"))


def test_by_check_when_name_is_unknown_then_validation_error():
    with pytest.raises(ValidationError):
        check(clean_bars()).by_check("nonsense")


# ------------------------------------------------------------------------------ real quirks


def test_check_dataset_when_stocks_then_the_repeated_last_row_is_an_error():
    report = check_dataset("stocks")
    found = report.by_check("repeated_bar")
    assert [i.timestamp for i in found] == ["2022-06-28T00:00:00+00:00"]
    assert "2022-06-01" in found[0].message
    assert not report.ok and report.summary()["repeated_bar"] == 1


def test_check_dataset_when_stocks_then_mid_month_rows_are_off_grid():
    report = check_dataset("stocks")
    stamps = {i.timestamp for i in report.by_check("off_grid_timestamp")}
    assert "1990-02-05T00:00:00+00:00" in stamps and "2022-06-28T00:00:00+00:00" in stamps
    assert "1990-03-01T00:00:00+00:00" not in stamps


def test_check_dataset_when_wti_then_missing_values_and_calendar_gaps_are_found():
    from signaltrust.data.catalog import load

    report = check_dataset("wti")
    empty = load("wti")["wti"].isna()
    assert len(report.by_check("missing_value")) == int(empty.sum()) > 0
    gaps = report.by_check("calendar_gap")
    assert gaps, "WTI's empty rows on NYSE sessions must show as calendar gaps"
    assert pd.Timestamp(gaps[0].timestamp) in set(empty[empty].index)
    assert report.ok  # gaps and holes are warnings


@pytest.mark.parametrize("name", ["sp500", "goog"])
def test_check_dataset_when_clean_daily_bars_then_no_errors(name):
    report = check_dataset(name)
    assert report.errors == [], report.errors[:3]


def test_check_dataset_when_btcusd_relabelled_to_month_start_then_on_grid():
    assert check_dataset("btcusd").by_check("off_grid_timestamp") == []


def test_check_dataset_when_fama_french_then_negative_returns_are_not_price_errors():
    report = check_dataset("fama_french")
    assert report.by_check("non_positive_price") == []


def test_check_dataset_when_loaded_data_is_checked_then_the_catalog_copy_is_unchanged():
    from signaltrust.data.catalog import load

    before = load("stocks")
    check_dataset("stocks")
    pd.testing.assert_frame_equal(load("stocks"), before)


# ------------------------------------------------------------------------------------ files


def test_check_file_when_a_price_is_text_then_unparsable_names_the_file_line(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(
        "Date,Open,High,Low,Close,Volume\n"
        "2021-01-04,10,11,9,10.5,100\n"
        "2021-01-05,10.5,11.5,10,eleven,100\n"
        "2021-01-06,11,10,12,11,100\n"
        "2021-01-07,11,12,10,11.5,100\n",
        encoding="utf-8",
    )
    report = check_file(path)
    unparsable = report.by_check("unparsable")
    assert [(i.row, i.value) for i in unparsable] == [(3, "eleven")]
    assert unparsable[0].timestamp == "2021-01-05T00:00:00+00:00"
    assert [i.row for i in report.by_check("ohlc_inconsistent")] == [4]
    assert not report.ok


def test_check_file_when_clean_then_ok(tmp_path):
    path = tmp_path / "clean.csv"
    clean_bars().rename_axis("Date").to_csv(path)
    report = check_file(path, calendar="XNYS")
    assert report.ok and report.issues == []


def test_check_file_when_parquet_then_rows_are_numbered_from_one(tmp_path):
    bars = clean_bars()
    bars.iloc[4, bars.columns.get_loc("volume")] = -1.0
    path = tmp_path / "bars.parquet"
    bars.to_parquet(path)
    found = check_file(path).by_check("negative_volume")
    assert [i.row for i in found] == [5]


def test_check_file_when_failing_then_a_store_that_held_data_still_holds_it(tmp_path):
    from signaltrust.data.store import open_store

    store = open_store(load_settings())
    bars = clean_bars()
    store.write(bars, symbol="TEST", timeframe="1d")
    before = store.read("TEST", "1d")
    path = tmp_path / "bad.csv"
    path.write_text(
        "Date,Open,High,Low,Close,Volume\n2021-01-04,10,9,11,10,100\n2021-01-05,x,11,9,10,100\n",
        encoding="utf-8",
    )
    assert not check_file(path).ok
    pd.testing.assert_frame_equal(store.read("TEST", "1d"), before)
    assert len(before) == len(bars)
