"""One name for any data: bundled datasets, stored series and files open the same way."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.backtest.api import load_bars, run
from signaltrust.core.errors import DatasetNotFoundError, ValidationError
from signaltrust.data import ImportOptions, load, open_bars, open_data
from signaltrust.data.sources import parse_series
from signaltrust.data.store import ParquetLake

OHLCV = ["open", "high", "low", "close", "volume"]


@pytest.fixture
def lake(tmp_path):
    store = ParquetLake(tmp_path / "lake")
    store.write(load("goog")[OHLCV], symbol="GOOG", venue="XNAS", timeframe="1d")
    store.write(load("sp500")[OHLCV], symbol="^GSPC", venue="XNYS", timeframe="1d")
    return store


def write_bars(path, frame: pd.DataFrame) -> str:
    out = frame.rename(columns=str.title)
    out.index = out.index.strftime("%Y-%m-%d")
    out.index.name = "Date"
    out.to_csv(path)
    return str(path)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("GOOG", ("GOOG", None, None)), ("GOOG.XNAS", ("GOOG", "XNAS", None)),
     ("^IXIC@1d", ("^IXIC", None, "1d")), ("BTC/USD.CRYPTO@1h", ("BTC/USD", "CRYPTO", "1h")),
     ("EURUSD@daily", ("EURUSD", None, "1d"))],
)
def test_parse_series_when_written_symbol_venue_timeframe_then_split(spec, expected):
    assert parse_series(spec) == expected


def test_open_data_when_bundled_stored_or_file_then_the_same_bars(lake, tmp_path):
    path = write_bars(tmp_path / "goog.csv", load("goog")[OHLCV])
    bundled = open_data("goog")
    stored = open_data("GOOG.XNAS@1d", store=lake)
    from_file = open_data(path)
    for source in (bundled, stored, from_file):
        assert source.kind == "bars"
        pd.testing.assert_frame_equal(source.frame[OHLCV], load("goog")[OHLCV], check_freq=False)
    assert (bundled.origin, stored.origin, from_file.origin) == ("bundled", "stored", "file")
    assert stored.name == "GOOG" and from_file.name == "goog"
    assert "GOOG.XNAS@1d" in stored.description


def test_open_data_when_symbol_alone_then_the_only_stored_series_of_it(lake):
    source = open_data("^GSPC", store=lake)
    assert source.name == "^GSPC" and len(source.frame) == 5031


def test_open_data_when_symbol_stored_twice_then_asks_which(lake):
    lake.write(load("goog")[OHLCV].iloc[:5], symbol="GOOG", venue="BATS", timeframe="1d")
    with pytest.raises(ValidationError, match="several stored series") as caught:
        open_data("GOOG", store=lake)
    assert "SYMBOL.VENUE@TIMEFRAME" in caught.value.fix


def test_open_data_when_nothing_matches_then_error_says_what_was_tried(lake):
    with pytest.raises(DatasetNotFoundError) as caught:
        open_data("^IXIC", store=lake)
    message = str(caught.value)
    assert "bundled dataset" in message and "GOOG.XNAS@1d" in message and "file" in message


def test_open_data_when_wide_file_of_prices_then_a_panel_with_the_file_names(tmp_path):
    prices = load("stocks")[["AAPL", "MSFT"]]
    prices.index = prices.index.strftime("%Y-%m-%d")
    prices.to_csv(tmp_path / "p.csv")
    source = open_data(str(tmp_path / "p.csv"))
    assert source.kind == "prices" and list(source.frame.columns) == ["AAPL", "MSFT"]
    with pytest.raises(ValidationError, match="not bars"):
        open_bars(str(tmp_path / "p.csv"))


def test_open_data_when_file_lacks_low_then_refused_naming_the_column(tmp_path):
    frame = load("goog")[["open", "high", "close"]].iloc[:5]
    path = write_bars(tmp_path / "nolow.csv", frame)
    with pytest.raises(ValidationError, match="no low") as caught:
        open_data(path)
    assert "columns=" in caught.value.fix


def test_backtest_run_when_given_a_file_path_then_same_result_as_the_bundled_data(tmp_path):
    path = write_bars(tmp_path / "my_prices.csv", load("goog")[OHLCV])
    assert len(load_bars(path)) == 2148
    own = run(path, "sma_cross", params={"fast": 10, "slow": 30})
    bundled = run("goog", "sma_cross", params={"fast": 10, "slow": 30})
    assert own.stats["trades"] == bundled.stats["trades"] == 32
    assert own.stats["final_equity"] == pytest.approx(bundled.stats["final_equity"])


def test_open_bars_when_options_given_then_file_read_with_them(tmp_path):
    text = "When;Px;Hi;Lo;Op\n2024-03-06 09:30;1,5;2,0;1,0;1,2\n2024-03-06 09:31;1,6;2,0;1,0;1,5\n"
    (tmp_path / "eu.csv").write_text(text)
    options = ImportOptions(decimal=",", tz="America/New_York",
                            columns={"Px": "close", "Hi": "high", "Lo": "low", "Op": "open"})
    bars, description = open_bars(str(tmp_path / "eu.csv"), options=options)
    assert bars.index[0] == pd.Timestamp("2024-03-06 14:30", tz="UTC")
    assert bars["close"].tolist() == [1.5, 1.6] and "eu.csv" in description
