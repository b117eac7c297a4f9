"""The bundled dataset catalog: every dataset loads with the documented shape and labels."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.calendar import get_calendar
from signaltrust.core.errors import DatasetNotFoundError
from signaltrust.core.instrument import Instrument
from signaltrust.core.timeframe import Timeframe
from signaltrust.data import DatasetSpec, dataset_info, list_datasets, load

NAMES = [
    "sp500",
    "goog",
    "eurusd",
    "btcusd",
    "stocks",
    "vix",
    "wti",
    "crude",
    "core_cpi",
    "credit_spreads",
    "fama_french",
]


def _data_lines(spec: DatasetSpec) -> list[str]:
    text = gzip.decompress(spec.path.read_bytes()).decode("utf-8-sig")
    return [line for line in text.splitlines()[1:] if line.strip()]


def test_list_datasets_when_called_then_all_eleven_names_in_order():
    assert [spec.name for spec in list_datasets()] == NAMES


@pytest.mark.parametrize("spec", list_datasets(), ids=lambda s: s.name)
def test_load_when_any_bundled_name_then_utc_ns_index_and_declared_columns(spec):
    frame = load(spec.name)
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert frame.index.name == "timestamp"
    assert tuple(frame.columns) == spec.columns
    assert len(frame) == len(_data_lines(spec))
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    assert isinstance(spec.instrument, Instrument)
    assert isinstance(spec.timeframe, Timeframe)
    assert get_calendar(spec.calendar).name == spec.calendar
    assert spec.kind in ("bars", "panel", "series")
    assert spec.source and spec.description


@pytest.mark.parametrize("spec", list_datasets(), ids=lambda s: s.name)
def test_load_when_any_bundled_name_then_timeframe_matches_the_index(spec):
    assert Timeframe.infer(load(spec.name).index) == spec.timeframe


def test_load_when_sp500_then_5031_daily_bars_1999_to_2018():
    frame = load("sp500")
    assert len(frame) == 5031
    assert frame.index[0] == pd.Timestamp("1999-01-04", tz="UTC")
    assert frame.index[-1] == pd.Timestamp("2018-12-31", tz="UTC")
    assert list(frame.columns) == ["open", "high", "low", "close", "volume", "adj_close"]


def test_load_when_goog_then_2148_bars():
    assert len(load("goog")) == 2148


def test_load_when_btcusd_then_month_end_dates_relabelled_to_month_start():
    spec = next(s for s in list_datasets() if s.name == "btcusd")
    file_dates = pd.to_datetime([line.split(",")[0] for line in _data_lines(spec)])
    frame = load("btcusd")
    assert (frame.index.day == 1).all()
    assert frame.index[0] == pd.Timestamp("2012-01-01", tz="UTC")
    assert (frame.index.month == file_dates.month).all() and (
        frame.index.year == file_dates.year
    ).all()
    assert "2012-01-01" in spec.description


def test_load_when_fama_french_then_first_of_month_and_percent_values():
    frame = load("fama_french")
    assert frame.index[0] == pd.Timestamp("1926-07-01", tz="UTC")
    assert (frame.index.day == 1).all()
    assert frame["mkt_rf"].iloc[0] == pytest.approx(2.96)  # percent, as published


def test_load_when_quirky_files_then_quirks_are_kept():
    stocks = load("stocks")
    assert stocks.index[-1] == pd.Timestamp("2022-06-28", tz="UTC")
    assert list(stocks.columns)[-2:] == ["^GSPC", "^IXIC"]
    np.testing.assert_array_equal(stocks.iloc[-1].to_numpy(), stocks.iloc[-2].to_numpy())
    assert load("wti")["wti"].isna().sum() > 0


def test_load_when_caller_mutates_result_then_next_load_is_unchanged():
    first = load("sp500")
    expected = float(first["close"].iloc[0])
    first.iloc[0, :] = -1.0
    first.index.name = "changed"
    first["extra"] = 1.0
    again = load("sp500")
    assert again.index.name == "timestamp"
    assert "extra" not in again.columns
    assert float(again["close"].iloc[0]) == expected


@pytest.mark.parametrize("name", ["nope", "SP-500", ""])
def test_load_when_unknown_name_then_error_lists_valid_names(name):
    with pytest.raises(DatasetNotFoundError) as info:
        load(name)
    for valid in NAMES:
        assert valid in str(info.value)


def test_load_when_name_has_other_case_then_same_dataset():
    pd.testing.assert_frame_equal(load("VIX"), load("vix"))


def test_dataset_info_when_sp500_then_range_count_and_source():
    info = dataset_info("sp500")
    assert info["bars"] == 5031
    assert info["start"].startswith("1999-01-04") and info["end"].startswith("2018-12-31")
    assert info["timeframe"] == "1d" and info["frequency"] == "daily"
    assert info["calendar"] == "XNYS"
    assert "Yahoo" in info["source"]
    assert info["instrument"]["symbol"] == "^GSPC"
    assert {"name", "kind", "file", "columns", "description"} <= set(info)
