"""The bar store: the same behaviour on the Parquet lake and on PostgreSQL."""

from __future__ import annotations

import errno

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signaltrust.core.config import load_settings
from signaltrust.core.errors import (
    BarConflictError,
    ConfigError,
    DatasetNotFoundError,
    StoreError,
    ValidationError,
)
from signaltrust.data.catalog import load
from signaltrust.data.store import ParquetLake, PostgresBarStore, open_store

OHLCV = ["open", "high", "low", "close", "volume"]


@pytest.fixture(params=["lake", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "lake":
        return ParquetLake(tmp_path / "lake")
    return PostgresBarStore(
        request.getfixturevalue("postgres_url"), request.getfixturevalue("postgres_schema")
    )


@pytest.fixture(scope="module")
def goog() -> pd.DataFrame:
    return load("goog")[OHLCV]


def make_bars(
    start: str = "2020-01-01", periods: int = 5, freq: str = "D", base: float = 100.0
) -> pd.DataFrame:
    index = (
        pd.date_range(start, periods=periods, freq=freq, tz="UTC").as_unit("ns").rename("timestamp")
    )
    close = base + np.arange(periods, dtype=float)
    return pd.DataFrame(
        {
            "open": close - 0.5,
            "high": close + 1.0,
            "low": close - 1.0,
            "close": close,
            "volume": 1000.0 + np.arange(periods),
        },
        index=index,
    )


def assert_same_bars(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(actual, expected[OHLCV], check_freq=False)


def test_read_when_real_bars_written_then_they_come_back_exactly(store, goog):
    result = store.write(goog, symbol="GOOG", timeframe="1d", venue="XNAS")
    assert (result.inserted, result.unchanged, result.conflicts) == (len(goog), 0, 0)
    back = store.read("GOOG", "1d", venue="XNAS")
    assert_same_bars(back, goog)
    assert str(back.index.dtype) == "datetime64[ns, UTC]" and back.index.name == "timestamp"


def test_write_when_same_bars_written_twice_then_nothing_changes(store, goog):
    store.write(goog, symbol="GOOG", timeframe="1d")
    before = store.list()
    again = store.write(goog, symbol="GOOG", timeframe="1d")
    assert (again.inserted, again.unchanged, again.conflicts) == (0, len(goog), 0)
    pd.testing.assert_frame_equal(store.list(), before)
    assert_same_bars(store.read("GOOG", "1d"), goog)


def test_write_when_same_bars_twice_then_lake_file_is_byte_identical_and_untouched(tmp_path, goog):
    lake = ParquetLake(tmp_path / "lake")
    lake.write(goog, symbol="GOOG", timeframe="1d")
    file = lake.file_for("GOOG", "1d")
    content, mtime = file.read_bytes(), file.stat().st_mtime_ns
    lake.write(goog, symbol="GOOG", timeframe="daily")
    lake.write(goog.iloc[100:200], symbol="GOOG", timeframe="1d")
    assert file.read_bytes() == content
    assert file.stat().st_mtime_ns == mtime


def test_write_when_ranges_overlap_then_they_merge_into_one_series(store, goog):
    first = store.write(goog.iloc[:1200], symbol="GOOG", timeframe="1d")
    second = store.write(goog.iloc[1000:], symbol="GOOG", timeframe="1d")
    assert first.inserted == 1200
    assert (second.inserted, second.unchanged) == (len(goog) - 1200, 200)
    assert_same_bars(store.read("GOOG", "1d"), goog)
    listing = store.list()
    assert listing[["symbol", "timeframe", "bars"]].values.tolist() == [["GOOG", "1d", len(goog)]]
    assert listing["start"].iloc[0] == goog.index[0] and listing["end"].iloc[0] == goog.index[-1]


def test_write_when_a_bar_differs_then_conflict_raised_and_nothing_written(store):
    stored = make_bars(periods=5)
    store.write(stored, symbol="X", timeframe="1d")
    incoming = make_bars(periods=8)  # three new bars ...
    incoming.loc[incoming.index[2], ["high", "close"]] = [999.5, 999.0]  # ... and one clash
    with pytest.raises(BarConflictError) as caught:
        store.write(incoming, symbol="X", timeframe="1d")
    conflicts = caught.value.conflicts
    assert list(conflicts.index) == [incoming.index[2]]
    assert conflicts["stored_close"].iloc[0] == stored["close"].iloc[2]
    assert conflicts["incoming_close"].iloc[0] == 999.0
    assert incoming.index[2].isoformat() in str(caught.value)
    assert_same_bars(store.read("X", "1d"), stored)  # all or nothing: the new bars are not in


def test_write_when_on_conflict_keep_then_stored_values_stay_and_new_bars_go_in(store):
    stored = make_bars(periods=5)
    store.write(stored, symbol="X", timeframe="1d")
    incoming = make_bars(periods=8)
    incoming.loc[incoming.index[2], ["high", "close"]] = [999.5, 999.0]
    result = store.write(incoming, symbol="X", timeframe="1d", on_conflict="keep")
    assert (result.inserted, result.unchanged, result.conflicts, result.overwritten) == (3, 4, 1, 0)
    expected = make_bars(periods=8)
    assert_same_bars(store.read("X", "1d"), expected)


def test_write_when_on_conflict_overwrite_then_incoming_values_replace_stored(store):
    store.write(make_bars(periods=5), symbol="X", timeframe="1d")
    incoming = make_bars(periods=5)
    incoming.loc[incoming.index[1], ["high", "volume"]] = [500.0, np.nan]
    result = store.write(incoming, symbol="X", timeframe="1d", on_conflict="overwrite")
    assert (result.conflicts, result.overwritten, result.inserted) == (1, 1, 0)
    assert_same_bars(store.read("X", "1d"), incoming)


def test_write_when_values_differ_below_tolerance_or_both_nan_then_unchanged(store):
    bars = make_bars(periods=4)
    bars["volume"] = np.nan
    store.write(bars, symbol="X", timeframe="1d")
    nudged = bars.copy()
    nudged["close"] = nudged["close"] * (1 + 1e-14)
    result = store.write(nudged, symbol="X", timeframe="1d")
    assert (result.unchanged, result.conflicts) == (4, 0)
    nudged["close"] = bars["close"] * (1 + 1e-9)
    with pytest.raises(BarConflictError):
        store.write(nudged, symbol="X", timeframe="1d")


def test_write_when_volume_absent_then_it_reads_back_as_nan(store):
    bars = make_bars(periods=3).drop(columns="volume")
    store.write(bars, symbol="X", timeframe="1d")
    back = store.read("X", "1d")
    assert back["volume"].isna().all()
    pd.testing.assert_frame_equal(back[["open", "high", "low", "close"]], bars, check_freq=False)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: pd.concat([b, b.iloc[[1]]]), "timestamp"),
        (lambda b: b.drop(columns="low"), "columns"),
        (lambda b: b.assign(close=b["close"].astype(str)), "close"),
        (lambda b: b.reset_index(drop=True).set_index(pd.Index(list("abcde"))), "index"),
        (lambda b: b.set_axis(b.index + pd.Timedelta(1, "ns")), "timestamp"),
    ],
    ids=["duplicate-timestamps", "missing-column", "text-prices", "text-index", "nanoseconds"],
)
def test_write_when_bars_are_malformed_then_refused_and_store_keeps_earlier_data(
    store, mutate, field
):
    earlier = make_bars(start="2019-01-01", periods=5)
    store.write(earlier, symbol="X", timeframe="1d")
    with pytest.raises(ValidationError) as caught:
        store.write(mutate(make_bars(periods=5)), symbol="X", timeframe="1d")
    assert caught.value.field == field and caught.value.fix
    assert_same_bars(store.read("X", "1d"), earlier)


def test_write_when_policy_unknown_then_refused_naming_the_choices(store):
    with pytest.raises(ValidationError, match="on_conflict"):
        store.write(make_bars(), symbol="X", timeframe="1d", on_conflict="replace")
    assert store.list().empty


def test_write_when_index_in_new_york_time_then_stored_as_the_same_utc_instants(store):
    bars = make_bars(periods=3, freq="h")
    local = bars.set_axis(bars.index.tz_convert("America/New_York"))
    store.write(local, symbol="X", timeframe="1h")
    assert_same_bars(store.read("X", "1h"), bars)


def test_read_when_range_given_then_start_is_included_and_end_excluded(store, goog):
    store.write(goog, symbol="GOOG", timeframe="1d")
    part = store.read("GOOG", "1d", start="2010-01-04", end="2010-02-01")
    expected = goog.loc[(goog.index >= "2010-01-04") & (goog.index < "2010-02-01")]
    assert part.index[0] == pd.Timestamp("2010-01-04", tz="UTC")
    assert part.index[-1] < pd.Timestamp("2010-02-01", tz="UTC")
    assert_same_bars(part, expected)
    assert store.read("GOOG", "1d", start="2030-01-01").empty


def test_read_when_series_absent_then_error_lists_what_is_stored(store):
    store.write(make_bars(), symbol="AAA", timeframe="1d")
    with pytest.raises(DatasetNotFoundError) as caught:
        store.read("BBB", "1d")
    assert "AAA.SIM 1d" in str(caught.value) and "BBB" in str(caught.value)
    with pytest.raises(DatasetNotFoundError):
        store.read("AAA", "1h")


def test_read_when_symbol_stored_at_two_venues_then_venue_must_be_chosen(store):
    store.write(make_bars(base=10), symbol="X", timeframe="1d", venue="V1")
    store.write(make_bars(base=20), symbol="X", timeframe="1d", venue="V2")
    with pytest.raises(ValidationError, match="venue"):
        store.read("X", "1d")
    assert store.read("X", "1d", venue="V2")["close"].iloc[0] == 20.0


def test_delete_when_range_given_then_only_those_bars_go(store, goog):
    store.write(goog, symbol="GOOG", timeframe="1d")
    in_2010 = (goog.index >= "2010-01-01") & (goog.index < "2011-01-01")
    assert store.delete("GOOG", "1d", start="2010-01-01", end="2011-01-01") == in_2010.sum()
    assert_same_bars(store.read("GOOG", "1d"), goog.loc[~in_2010])
    assert store.delete("GOOG", "1d", start="2010-01-01", end="2011-01-01") == 0


def test_delete_when_whole_series_then_it_is_no_longer_listed(store):
    store.write(make_bars(), symbol="A", timeframe="1d")
    store.write(make_bars(), symbol="B", timeframe="1d")
    assert store.delete("A", "1d") == 5
    assert store.list()["symbol"].tolist() == ["B"]
    assert (
        not store.exists("A", "1d")
        and store.exists("B", "1d")
        and store.exists("B", "1d", venue="SIM")
    )
    with pytest.raises(DatasetNotFoundError):
        store.delete("A", "1d")


def test_list_when_several_series_then_one_row_each_with_range_and_count(store):
    store.write(make_bars(periods=5), symbol="B", timeframe="1d")
    store.write(make_bars(periods=24, freq="h"), symbol="A", timeframe="1h", venue="FX")
    listing = store.list()
    assert list(listing.columns) == ["symbol", "venue", "timeframe", "start", "end", "bars"]
    assert listing[["symbol", "venue", "timeframe", "bars"]].values.tolist() == [
        ["A", "FX", "1h", 24],
        ["B", "SIM", "1d", 5],
    ]
    assert listing["end"].iloc[0] == pd.Timestamp("2020-01-01 23:00", tz="UTC")


def test_write_when_symbol_has_path_characters_then_it_round_trips(store):
    for symbol in ("BTC/USD", "^GSPC", "..", "a b"):
        store.write(make_bars(), symbol=symbol, timeframe="1d")
        assert_same_bars(store.read(symbol, "1d"), make_bars())
    assert sorted(store.list()["symbol"]) == sorted(["BTC/USD", "^GSPC", "..", "a b"])


def test_write_when_symbol_has_a_slash_then_lake_path_stays_inside_its_folder(tmp_path):
    lake = ParquetLake(tmp_path / "lake")
    lake.write(make_bars(), symbol="../BTC/USD", timeframe="1d")
    file = lake.file_for("../BTC/USD", "1d")
    assert file.parent.name == "venue=SIM" and "symbol=%2E.%2FBTC%2FUSD" in str(file)
    assert lake.root in file.parents and file.exists()


def test_write_when_symbol_empty_or_has_control_characters_then_refused(store):
    for symbol in ("", "A\nB", " A"):
        with pytest.raises(ValidationError, match="symbol"):
            store.write(make_bars(), symbol=symbol, timeframe="1d")


def test_write_when_lake_crashes_mid_write_then_old_file_stays_whole(tmp_path, monkeypatch):
    lake = ParquetLake(tmp_path / "lake")
    lake.write(make_bars(periods=5), symbol="X", timeframe="1d")
    file = lake.file_for("X", "1d")
    content = file.read_bytes()

    def crash(table, sink, **kwargs):
        sink.write(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("signaltrust.data.store.lake.pq.write_table", crash)
    with pytest.raises(StoreError, match="the disk is full") as caught:
        lake.write(make_bars(periods=9), symbol="X", timeframe="1d")
    assert "nothing stored was changed" in str(caught.value)
    assert file.read_bytes() == content
    assert [p.name for p in file.parent.iterdir()] == ["bars.parquet"]


def test_open_store_when_default_configuration_then_lake_under_home(isolated_home):
    store = open_store(load_settings())
    assert isinstance(store, ParquetLake) and store.path == isolated_home / "lake"


def test_open_store_when_backend_postgres_then_postgres_store(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__STORE__BACKEND", "postgres")
    monkeypatch.setenv(
        "SIGNALTRUST__STORE__POSTGRES_URL", "postgresql://u:secret@127.0.0.1:5432/test"
    )
    monkeypatch.setenv("SIGNALTRUST__STORE__POSTGRES_SCHEMA", "bars_here")
    store = open_store(load_settings())
    assert isinstance(store, PostgresBarStore) and store.schema == "bars_here"
    assert "secret" not in repr(store)


def test_open_store_when_postgres_without_url_then_config_error(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__STORE__BACKEND", "postgres")
    with pytest.raises(ConfigError, match="POSTGRES_URL"):
        open_store(load_settings())


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunks=st.lists(st.tuples(st.integers(0, 59), st.integers(1, 30)), min_size=1, max_size=5))
def test_write_when_any_overlapping_pieces_written_then_store_holds_their_union(
    tmp_path_factory, chunks
):
    lake = ParquetLake(tmp_path_factory.mktemp("lake"))
    bars = make_bars(periods=60)
    covered = np.zeros(60, dtype=bool)
    for first, length in chunks:
        piece = bars.iloc[first : first + length]
        result = lake.write(piece, symbol="X", timeframe="1d")
        assert result.unchanged == covered[first : first + length].sum()
        covered[first : first + length] = True
    assert_same_bars(lake.read("X", "1d"), bars.loc[covered])


def test_docs_when_python_examples_run_then_they_work(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "store.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "docs/store.md", "exec"), {})
