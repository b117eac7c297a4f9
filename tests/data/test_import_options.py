"""Reading a user's own files: separators, decimal commas, presets, and dates never guessed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import DatasetNotFoundError, ParseError, ValidationError
from signaltrust.data import ImportOptions, read_csv, read_parquet, scan_csv


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def yahoo_exports(folder: Path, sessions: int = 1303) -> tuple[Path, Path, pd.DatetimeIndex]:
    """The same stock twice, as Yahoo writes it: dates alone, and dates at New York midnight
    with their UTC offset (-05:00 in winter, -04:00 in summer)."""
    import exchange_calendars as xcals

    days = xcals.get_calendar("XNYS").sessions_in_range("2019-01-02", "2024-12-31")[:sessions]
    rng = np.random.default_rng(7)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    bars = pd.DataFrame({"Open": close * 0.999, "High": close * 1.01, "Low": close * 0.99,
                         "Close": close, "Adj Close": close, "Volume": 1e6})
    plain = bars.copy()
    plain.index = pd.Index(days.strftime("%Y-%m-%d"), name="Date")
    plain.to_csv(folder / "plain.csv")
    stamped = bars.copy()
    local = pd.DatetimeIndex(days).tz_localize("America/New_York")
    stamped.index = pd.Index([t.isoformat(sep=" ") for t in local], name="Date")
    stamped.to_csv(folder / "stamped.csv")
    return folder / "plain.csv", folder / "stamped.csv", pd.DatetimeIndex(days)


def test_read_when_two_yahoo_exports_with_and_without_offsets_then_same_1303_session_labels(
    tmp_path,
):
    plain, stamped, days = yahoo_exports(tmp_path)
    assert "00:00:00-05:00" in stamped.read_text().splitlines()[1]
    a, b = read_csv(plain), read_csv(stamped)
    assert len(a) == len(b) == 1303
    assert a.index.equals(b.index)
    assert (a.index == days.tz_localize("UTC")).all()  # session dates at 00:00 UTC
    pd.testing.assert_frame_equal(a, b)


def test_scan_when_semicolons_and_decimal_commas_then_read_with_decimal_and_told_without(
    tmp_path,
):
    path = _write(tmp_path / "eu.csv", "Date;Open;High;Low;Close\n02.01.2019;10,5;11,2;10,1;11,0\n"
                  "03.01.2019;11,0;11,5;10,9;11,3\n")
    with pytest.raises(ParseError) as caught:
        read_csv(path)
    assert "decimal=','" in caught.value.fix and caught.value.row == 2
    result = scan_csv(path, decimal=",")
    assert result.frame["close"].tolist() == [11.0, 11.3]
    assert result.frame.index[0] == pd.Timestamp("2019-01-02", tz="UTC")  # dotted: day first
    assert any("';'" in note for note in result.notes)


def test_scan_when_separator_stated_wrong_then_fix_names_the_header_separator(tmp_path):
    path = _write(tmp_path / "eu.csv", "Date;Close\n2019-01-02;1,5\n2019-01-03;1,6\n")
    with pytest.raises(ParseError) as caught:
        read_csv(path, sep=",")
    assert "sep=';'" in caught.value.fix and "decimal=','" in caught.value.fix


@pytest.mark.parametrize("stated", [True, False])
def test_read_when_dates_fit_day_and_month_first_then_refused_unless_order_stated(
    tmp_path, stated
):
    months = "".join(f"01/{m:02d}/2019,{m}\n" for m in range(1, 13))  # dd/mm: every day is 1
    path = _write(tmp_path / "m.csv", "Date,Close\n" + months)
    with pytest.raises(ParseError) as caught:
        read_csv(path)
    assert "dayfirst=True" in caught.value.fix and "dayfirst=False" in caught.value.fix
    frame = read_csv(path, dayfirst=stated)
    if stated:
        assert frame.index.month.tolist() == list(range(1, 13))
    else:
        assert (frame.index.month == 1).all() and frame.index.day.tolist() == list(range(1, 13))


def test_read_when_naive_intraday_times_then_refused_without_zone_and_venue_zone_used(tmp_path):
    path = _write(tmp_path / "ny.csv", "Datetime,Close\n2024-03-06 09:30,1\n2024-03-06 09:31,2\n")
    with pytest.raises(ParseError, match="no time zone") as caught:
        read_csv(path)
    assert "tz='America/New_York'" in caught.value.fix
    options = ImportOptions().for_venue("America/New_York", "the time zone of venue XNYS")
    result = scan_csv(path, options)
    assert result.frame.index[0] == pd.Timestamp("2024-03-06 14:30", tz="UTC")
    assert "venue XNYS" in result.notes[-1]
    cli = ImportOptions.make(hints="cli")
    with pytest.raises(ParseError) as caught:
        scan_csv(path, cli)
    assert "--tz America/New_York" in caught.value.fix


def test_read_when_binance_klines_preset_then_epoch_milliseconds_in_utc(tmp_path):
    path = _write(tmp_path / "BTCUSDT-1h.csv",
                  "1609459200000,28923.63,29031.34,28690.17,28995.13,2311.81,1609462799999,"
                  "67105966.2,58389,1158.7,33599149.6,0\n"
                  "1609462800000,28995.13,29470.0,28960.35,29409.99,4250.48,1609466399999,"
                  "124426683.5,103896,2489.9,72867640.0,0\n")
    with pytest.raises(ParseError, match="no header line") as caught:
        read_csv(path)
    assert "format='binance-klines'" in caught.value.fix
    frame = read_csv(path, format="binance-klines")
    assert frame.index.tolist() == [pd.Timestamp("2021-01-01 00:00", tz="UTC"),
                                    pd.Timestamp("2021-01-01 01:00", tz="UTC")]
    assert frame["close"].iloc[1] == 29409.99 and frame["trades"].iloc[0] == 58389


def test_read_when_binance_klines_in_microseconds_then_unit_read_from_the_digits(tmp_path):
    path = _write(tmp_path / "k.csv",
                  "1735689600000000,1,2,0.5,1.5,10,1735693199999999,1,1,1,1,0\n")
    frame = read_csv(path, format="binance-klines")
    assert frame.index[0] == pd.Timestamp("2025-01-01", tz="UTC")


def test_read_when_metatrader_export_then_date_and_time_joined_in_the_stated_zone(tmp_path):
    path = _write(tmp_path / "EURUSD1.csv", "2019.01.02,00:00,1.1461,1.1465,1.1459,1.1462,123\n"
                  "2019.01.02,00:01,1.1462,1.1466,1.1460,1.1465,99\n")
    frame = read_csv(path, format="mt4", tz="Europe/Athens")
    assert frame.index[0] == pd.Timestamp("2019-01-01 22:00", tz="UTC")
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]


def test_read_when_interactive_brokers_dates_then_zone_written_in_the_cells_used(tmp_path):
    path = _write(tmp_path / "ib.csv", "date,open,high,low,close,volume,average,barCount\n"
                  "20230103 09:30:00 US/Eastern,10,11,9,10.5,100,10.2,5\n"
                  "20230103 09:31:00 US/Eastern,10.5,11,10,10.8,100,10.6,3\n")
    result = scan_csv(path, format="ib")
    assert result.frame.index[0] == pd.Timestamp("2023-01-03 14:30", tz="UTC")
    assert "bar_count" in result.frame.columns


def test_read_when_alpaca_short_names_then_mapped_to_bars(tmp_path):
    path = _write(tmp_path / "a.csv", "t,o,h,l,c,v,n,vw\n"
                  "2021-01-04T05:00:00Z,1,2,0.5,1.5,10,3,1.2\n"
                  "2021-01-05T05:00:00Z,1.5,2,1,1.8,10,3,1.6\n")
    frame = read_csv(path, format="alpaca")
    assert list(frame.columns[:5]) == ["open", "high", "low", "close", "volume"]
    assert frame.index[0] == pd.Timestamp("2021-01-04", tz="UTC")  # a daily bar: its session


def test_read_when_yfinance_three_header_lines_then_read_as_one_header(tmp_path):
    path = _write(tmp_path / "y.csv", "Price,Close,High,Low,Open,Volume\nTicker,AAPL,AAPL,AAPL,"
                  "AAPL,AAPL\nDate,,,,,\n2024-01-02,185.6,188.4,183.9,187.1,82488700\n")
    frame = read_csv(path, format="yahoo")
    assert frame["close"].iloc[0] == 185.6 and frame.index[0] == pd.Timestamp("2024-01-02",
                                                                              tz="UTC")


def test_read_when_dates_outside_nanosecond_range_then_rows_reported_not_a_crash(tmp_path):
    path = _write(tmp_path / "o.csv", "Date,Close\n1500-01-01,1\n2019-01-02,2\n2300-01-01,3\n")
    result = scan_csv(path)
    assert len(result.frame) == 1
    assert [p.row for p in result.problems] == [2, 4]
    assert "1677" in str(result.problems[0])


def test_read_when_header_only_then_parse_error_names_the_file(tmp_path):
    path = _write(tmp_path / "h.csv", "Date,Open,High,Low,Close\n")
    with pytest.raises(ParseError, match="no data rows"):
        read_csv(path)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"tz": "Mars/Base"}, "tz"),
        ({"sep": ";;"}, "sep"),
        ({"decimal": "x"}, "decimal"),
        ({"encoding": "no-such-codec"}, "encoding"),
        ({"date_format": "dd/mm"}, "date_format"),
        ({"format": "excel"}, "format"),
        ({"columns": {"Px": 1}}, "columns"),
        ({"timeframe": "fortnightly"}, "timeframe"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_read_when_an_option_is_bad_then_validation_error_names_it(tmp_path, options, field):
    path = _write(tmp_path / "f.csv", "Date,Close\n2019-01-02,1\n")
    with pytest.raises(ValidationError) as caught:
        read_csv(path, **options)
    assert caught.value.field == field


def test_read_when_path_is_a_folder_or_missing_then_project_errors(tmp_path):
    with pytest.raises(ParseError, match="folder"):
        read_csv(tmp_path)
    with pytest.raises(DatasetNotFoundError):
        read_csv(tmp_path / "missing.csv")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(ParseError, match="Parquet"):
        read_parquet(tmp_path / "bad.parquet")
