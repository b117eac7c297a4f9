"""Vintage tables: ALFRED CSV exports in both layouts, the fixed-lag fallback, and as-of lookups
that never show a revision before its release day has closed."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data.vintages import (
    AsOfVintages,
    load_folder,
    read_alfred_csv,
    vintages_from_lag,
)

# core CPI of January 2020 first published 13 Feb at 100.0, revised on 12 Mar to 101.0
BY_PERIOD = """realtime_start,realtime_end,date,value
2020-02-13,2020-03-11,2020-01-01,100.0
2020-03-12,9999-12-31,2020-01-01,101.0
2020-03-12,9999-12-31,2020-02-01,102.0
"""
BY_VINTAGE = """observation_date,CPILFESL_20200213,CPILFESL_20200312,CPILFESL_20200410
2020-01-01,100.0,101.0,101.0
2020-02-01,.,102.0,102.5
"""


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize("text", [BY_PERIOD, BY_VINTAGE])
def test_known_when_revision_released_then_seen_only_after_its_release_day_closes(text):
    vintages = read_alfred_csv(io.StringIO(text), "CPILFESL")
    table = AsOfVintages(vintages)
    assert table.known(utc("2020-02-13 20:00")).empty  # released that day: usable at its end
    assert table.known(utc("2020-02-14"))[utc("2020-01-01")] == 100.0
    on_revision_day = table.known(utc("2020-03-12 15:00"))
    assert on_revision_day[utc("2020-01-01")] == 100.0 and len(on_revision_day) == 1
    after = table.known(utc("2020-03-13"))
    assert after[utc("2020-01-01")] == 101.0 and after[utc("2020-02-01")] == 102.0
    assert after.attrs["usable_from"].iloc[-1] == utc("2020-03-13")


def test_read_alfred_csv_when_vintage_columns_then_repeated_values_merge_into_one_period():
    rows = read_alfred_csv(io.StringIO(BY_VINTAGE)).rows
    january = rows[rows["date"] == utc("2020-01-01")]
    assert list(january["value"]) == [100.0, 101.0]  # 101 held from 12 Mar through 10 Apr on
    assert pd.isna(january["realtime_end"].iloc[-1])
    assert AsOfVintages(read_alfred_csv(io.StringIO(BY_VINTAGE))).known(
        utc("2020-04-11"))[utc("2020-02-01")] == 102.5


def test_read_alfred_csv_when_value_not_a_number_then_error_names_it():
    with pytest.raises(ValidationError) as error:
        read_alfred_csv(io.StringIO(BY_PERIOD.replace("102.0", "n/a")), "CPILFESL")
    assert error.value.field == "value" and error.value.value == "n/a"


def test_read_alfred_csv_when_series_unnamed_then_error_asks_for_it():
    with pytest.raises(ValidationError) as error:
        read_alfred_csv(io.StringIO(BY_PERIOD))
    assert error.value.field == "series_id"


def test_read_alfred_csv_when_columns_unknown_then_error_names_the_layouts():
    with pytest.raises(ValidationError) as error:
        read_alfred_csv(io.StringIO("observation_date,price\n2020-01-01,1\n"))
    assert "SERIES_YYYYMMDD" in str(error.value)


def test_vintages_from_lag_when_never_revised_then_usable_exactly_at_the_lagged_time():
    series = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2020-01-01", "2020-02-01"],
                                                           tz="UTC"))
    table = AsOfVintages(vintages_from_lag(series, "X", lambda idx: idx + pd.Timedelta(days=46)))
    assert table.known(utc("2020-02-15 23:59")).empty
    assert list(table.known(utc("2020-02-16"))) == [1.0]
    assert list(table.known(utc("2020-03-18"))) == [1.0, 2.0]


def test_load_folder_when_csv_and_parquet_then_both_found_and_download_wins(tmp_path):
    (tmp_path / "CPILFESL.csv").write_text(BY_PERIOD)
    (tmp_path / "BAA.csv").write_text(BY_PERIOD)
    read_alfred_csv(io.StringIO(BY_VINTAGE), "BAA").save(tmp_path)
    found = load_folder(tmp_path)
    assert sorted(found) == ["BAA", "CPILFESL"]
    assert len(found["BAA"].rows) == len(read_alfred_csv(io.StringIO(BY_VINTAGE)).rows)
    assert load_folder(tmp_path / "absent") == {}
