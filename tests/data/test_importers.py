"""The CSV and Parquet importers on every bundled file and on constructed awkward files."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import DatasetNotFoundError, ParseError
from signaltrust.data import read_csv, read_parquet, scan_csv, scan_parquet

BUNDLED = Path(__file__).resolve().parents[2] / "src" / "signaltrust" / "data" / "bundled"

# file: (rows, first date, last date, columns) as documented in bundled/SOURCES.md and the files
FILES = {
    "sp500_daily_1999_2018.csv.gz": (
        5031,
        "1999-01-04",
        "2018-12-31",
        ["open", "high", "low", "close", "adj_close", "volume"],
    ),
    "goog_daily_2004_2013.csv.gz": (
        2148,
        "2004-08-19",
        "2013-03-01",
        ["open", "high", "low", "close", "volume"],
    ),
    "eurusd_hourly_2017_2018.csv.gz": (
        5000,
        "2017-04-19 09:00",
        "2018-02-07 15:00",
        ["open", "high", "low", "close", "volume"],
    ),
    "btcusd_monthly_2012_2024.csv.gz": (
        156,
        "2012-01-31",
        "2024-12-31",
        ["open", "high", "low", "close", "volume"],
    ),
    "stocks_monthly_1990_2022.csv.gz": (
        524,
        "1990-01-01",
        "2022-06-28",
        ["ibm", "aapl", "msft", "xrx", "amzn", "dell", "googl", "adbe", "gspc", "ixic"],
    ),
    "vix_daily_2014_2019.csv.gz": (1305, "2014-01-03", "2019-01-03", ["vix"]),
    "wti_daily_1986_2019.csv.gz": (8611, "1986-01-02", "2019-01-03", ["dcoilwtico"]),
    "brent_wti_weekly_1987_2020.csv.gz": (393, "1987-05-15", "2020-01-15", ["brent", "wti"]),
    "us_core_cpi_monthly_1957_2018.csv.gz": (743, "1957-01-01", "2018-11-01", ["cpilfesl"]),
    "moody_aaa_baa_monthly_1919_2018.csv.gz": (1200, "1919-01-01", "2018-12-01", ["aaa", "baa"]),
    "fama_french_monthly_1926_2018.csv.gz": (
        1109,
        "1926-07-01",
        "2018-11-01",
        ["mkt_rf", "smb", "hml", "rf"],
    ),
}


# the catalog states what the bundled files leave open: US month/day dates, hourly times in UTC
AS_BUNDLED = {"dayfirst": False, "tz": "UTC"}


def _raw_lines(name: str) -> list[str]:
    return gzip.decompress((BUNDLED / name).read_bytes()).decode("utf-8-sig").splitlines()


def _write(path: Path, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    body = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    return path


def test_every_bundled_file_is_listed_here():
    assert sorted(FILES) == sorted(p.name for p in BUNDLED.glob("*.csv.gz"))


@pytest.mark.parametrize("name", sorted(FILES))
def test_scan_csv_when_bundled_file_then_rows_dates_and_columns_as_in_the_file(name):
    rows, first, last, columns = FILES[name]
    result = scan_csv(BUNDLED / name, **AS_BUNDLED)
    frame = result.frame
    assert result.problems == []
    assert frame.shape == (rows, len(columns))
    assert len(_raw_lines(name)) - 1 == rows
    assert list(frame.columns) == columns
    assert frame.index[0] == pd.Timestamp(first, tz="UTC")
    assert frame.index[-1] == pd.Timestamp(last, tz="UTC")
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert frame.index.name == "timestamp"
    assert all(dtype == np.float64 for dtype in frame.dtypes)


@pytest.mark.parametrize("name", sorted(FILES))
def test_scan_csv_when_bundled_file_then_last_row_values_match_the_text(name):
    frame = scan_csv(BUNDLED / name, **AS_BUNDLED).frame
    cells = _raw_lines(name)[-1].split(",")[1:]
    expected = [np.nan if c.strip() in ("", ".") else float(c) for c in cells]
    np.testing.assert_allclose(frame.iloc[-1].to_numpy(), expected, equal_nan=True)


def test_scan_csv_when_wti_has_dot_markers_then_nan_and_no_problem():
    dots = sum(1 for line in _raw_lines("wti_daily_1986_2019.csv.gz") if line.endswith(",."))
    result = scan_csv(BUNDLED / "wti_daily_1986_2019.csv.gz")
    assert dots > 0
    assert int(result.frame["dcoilwtico"].isna().sum()) == dots
    assert result.problems == []


def test_scan_csv_when_stock_panel_then_repeated_last_row_is_kept():
    frame = scan_csv(BUNDLED / "stocks_monthly_1990_2022.csv.gz").frame
    assert frame.index[-2] == pd.Timestamp("2022-06-01", tz="UTC")
    np.testing.assert_array_equal(frame.iloc[-1].to_numpy(), frame.iloc[-2].to_numpy())
    assert np.isnan(frame["amzn"].iloc[0])  # empty cell before the listing


def test_scan_csv_when_bom_and_crlf_then_header_and_values_are_clean(tmp_path):
    path = _write(
        tmp_path / "p.csv", "Date,Close\n2020-01-02,1.5\n2020-01-03,2.5\n", bom=True, crlf=True
    )
    frame = read_csv(path)
    assert list(frame.columns) == ["close"]
    assert frame["close"].tolist() == [1.5, 2.5]
    assert frame.index[0] == pd.Timestamp("2020-01-02", tz="UTC")


def test_scan_csv_when_gzip_then_same_as_plain(tmp_path):
    text = "Date,Close\n2020-01-02,1.5\n2020-01-03,2.5\n"
    plain = _write(tmp_path / "p.csv", text)
    packed = tmp_path / "p.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    pd.testing.assert_frame_equal(read_csv(plain), read_csv(packed))


def test_scan_csv_when_text_price_then_nan_and_problem_names_file_row_column(tmp_path):
    path = _write(
        tmp_path / "bad.csv",
        "Date,Open,High,Low,Close\n2020-01-02,1,2,0.5,1.5\n2020-01-03,1,two,0.5,1.5\n",
        crlf=True,
    )
    result = scan_csv(path)
    assert len(result.frame) == 2
    assert np.isnan(result.frame["high"].iloc[1])
    (problem,) = result.problems
    assert (problem.path, problem.row, problem.column, problem.value) == (
        str(path),
        3,
        "High",
        "two",
    )
    assert problem.fix
    with pytest.raises(ParseError, match="row 3") as info:
        read_csv(path)
    assert info.value.column == "High"


def test_read_csv_when_several_problems_then_first_raised_with_count(tmp_path):
    path = _write(tmp_path / "bad.csv", "Date,Close\n2020-01-02,x\n2020-01-03,y\n2020-01-04,z\n")
    with pytest.raises(ParseError, match="2 more problems") as info:
        read_csv(path)
    assert info.value.row == 2


def test_scan_csv_when_bad_date_then_row_left_out_and_reported(tmp_path):
    path = _write(tmp_path / "d.csv", "Date,Close\n2020-01-02,1\n2020-13-45,2\n2020-01-06,3\n")
    result = scan_csv(path)
    assert result.frame["close"].tolist() == [1.0, 3.0]
    (problem,) = result.problems
    assert (problem.row, problem.column, problem.value) == (3, "Date", "2020-13-45")


def test_scan_csv_when_blank_line_then_line_numbers_still_match_the_file(tmp_path):
    path = _write(tmp_path / "b.csv", "Date,Close\n2020-01-02,1\n\n2020-01-06,oops\n")
    (problem,) = scan_csv(path).problems
    assert problem.row == 4


def test_scan_csv_when_missing_markers_then_nan_without_problems(tmp_path):
    path = _write(
        tmp_path / "m.csv",
        "Date,A,B,C,D,E,F\n2020-01-02,,.,NA,NaN,null,N/A\n2020-01-03,1,2,3,4,5,6\n",
    )
    result = scan_csv(path)
    assert result.problems == []
    assert result.frame.iloc[0].isna().all()
    assert result.frame.iloc[1].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("192607", {}, "1926-07-01"),
        ("1/4/1999", {"dayfirst": False}, "1999-01-04"),
        ("1/4/1999", {"dayfirst": True}, "1999-04-01"),
        ("12/31/2018", {}, "2018-12-31"),
        ("31/12/2018", {}, "2018-12-31"),
        ("2017-04-19 09:00:00", {"tz": "UTC"}, "2017-04-19 09:00:00"),
        ("2004-08-19", {}, "2004-08-19"),
        ("04/01/1999", {"date_format": "%d/%m/%Y"}, "1999-01-04"),
        ("1609459200000", {}, "2021-01-01"),
        ("1609459200", {"date_format": "epoch_s"}, "2021-01-01"),
    ],
)
def test_scan_csv_when_date_format_then_parsed_to_utc(tmp_path, text, options, expected):
    path = _write(tmp_path / "f.csv", f"Date,Close\n{text},1\n")
    frame = read_csv(path, **options)
    assert frame.index[0] == pd.Timestamp(expected, tz="UTC")


def test_scan_csv_when_naive_new_york_times_then_converted_to_utc(tmp_path):
    path = _write(
        tmp_path / "ny.csv",
        "When,Px\n2021-01-04 09:30:00,10\n2021-01-04 10:30:00,10\n"
        "2021-07-01 09:30:00,11\n2021-07-01 10:30:00,11\n",
    )
    result = scan_csv(path, columns={"When": "timestamp", "Px": "close"}, tz="America/New_York")
    frame = result.frame
    assert list(frame.columns) == ["close"]
    assert frame.index[0] == pd.Timestamp("2021-01-04 14:30", tz="UTC")  # EST, UTC-5
    assert frame.index[2] == pd.Timestamp("2021-07-01 13:30", tz="UTC")  # EDT, UTC-4
    assert any("America/New_York" in note for note in result.notes)


def test_scan_csv_when_local_time_skipped_by_dst_then_reported(tmp_path):
    path = _write(
        tmp_path / "dst.csv", "Date,Close\n2021-03-14 01:30:00,1\n2021-03-14 02:30:00,2\n"
    )
    result = scan_csv(path, tz="America/New_York")
    assert len(result.frame) == 1
    assert result.problems[0].row == 3


def test_scan_csv_when_offsets_in_text_then_converted_to_utc(tmp_path):
    path = _write(
        tmp_path / "o.csv", "Date,Close\n2021-01-04T09:30:00-05:00,1\n2021-01-04T15:30:00+01:00,2\n"
    )
    frame = read_csv(path, tz="Asia/Tokyo")  # tz applies to naive stamps only
    assert frame.index.tolist() == [pd.Timestamp("2021-01-04 14:30", tz="UTC")] * 2


def test_scan_csv_when_columns_mapping_then_renamed_and_others_snake_cased(tmp_path):
    path = _write(tmp_path / "c.csv", "Day,Px,Adj Close,Mkt-RF\n2020-01-02,1,2,3\n")
    frame = read_csv(path, columns={"Day": "timestamp", "Px": "close"})
    assert list(frame.columns) == ["close", "adj_close", "mkt_rf"]


def test_scan_csv_when_mapping_names_absent_column_then_parse_error_lists_columns(tmp_path):
    path = _write(tmp_path / "c.csv", "Date,Px\n2020-01-02,1\n")
    with pytest.raises(ParseError, match="Px"):
        read_csv(path, columns={"Price": "close"})


def test_scan_csv_when_rows_unsorted_and_duplicated_then_kept_as_found(tmp_path):
    path = _write(tmp_path / "u.csv", "Date,Close\n2020-01-03,1\n2020-01-02,2\n2020-01-02,2\n")
    frame = read_csv(path)
    assert frame.index.strftime("%d").tolist() == ["03", "02", "02"]


def test_scan_csv_when_unnamed_first_column_then_it_is_the_date(tmp_path):
    path = _write(tmp_path / "n.csv", ",Open,Close\n2020-01-02,1,2\n")
    frame = read_csv(path)
    assert list(frame.columns) == ["open", "close"]


def test_scan_csv_when_file_missing_then_dataset_not_found_names_path(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="nothere.csv"):
        scan_csv(tmp_path / "nothere.csv")


def test_scan_csv_when_file_empty_then_parse_error_with_fix(tmp_path):
    path = _write(tmp_path / "e.csv", "")
    with pytest.raises(ParseError) as info:
        scan_csv(path)
    assert info.value.fix and info.value.path == str(path)


def test_scan_csv_when_no_date_column_then_parse_error_with_fix(tmp_path):
    path = _write(tmp_path / "x.csv", "a,b\n1,2\n")
    with pytest.raises(ParseError, match="date") as info:
        scan_csv(path)
    assert "date_column" in info.value.fix


def test_read_parquet_when_round_trip_then_frame_equal(tmp_path):
    frame = read_csv(BUNDLED / "goog_daily_2004_2013.csv.gz")
    frame.to_parquet(tmp_path / "g.parquet")
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "g.parquet"), frame)


def test_read_parquet_when_naive_index_and_tz_then_converted(tmp_path):
    naive = pd.DataFrame(
        {"Close": [1.0]}, index=pd.DatetimeIndex(["2021-01-04 09:30"], name="Date")
    )
    naive.to_parquet(tmp_path / "n.parquet")
    frame = read_parquet(tmp_path / "n.parquet", tz="America/New_York")
    assert frame.index[0] == pd.Timestamp("2021-01-04 14:30", tz="UTC")
    assert list(frame.columns) == ["close"]


def test_scan_parquet_when_text_cells_then_problems_name_row_and_column(tmp_path):
    raw = pd.DataFrame({"Date": ["2020-01-02", "2020-01-03", "bad"], "Close": ["1", "x", "3"]})
    raw.to_parquet(tmp_path / "s.parquet")
    result = scan_parquet(tmp_path / "s.parquet")
    assert len(result.frame) == 2
    assert [(p.row, p.column) for p in result.problems] == [(2, "Close"), (3, "Date")]


def test_scan_csv_when_line_has_extra_cells_then_parse_error_names_the_line(tmp_path):
    first = _write(tmp_path / "r1.csv", "Date,Close\n2020-01-01,1,2\n2020-01-02,1\n")
    later = _write(tmp_path / "r2.csv", "Date,Close\n2020-01-01,1\n2020-01-02,1\n2020-01-03,1,2\n")
    for path, line in ((first, 2), (later, 4)):
        with pytest.raises(ParseError) as info:
            scan_csv(path)
        assert info.value.row == line and info.value.fix


def test_scan_csv_when_yyyymm_date_missing_then_row_reported_as_missing_date(tmp_path):
    path = _write(tmp_path / "ym.csv", "Date,Close\n192607,1\n,2\n192609,3\n")
    result = scan_csv(path)
    assert result.frame.index.strftime("%Y-%m-%d").tolist() == ["1926-07-01", "1926-09-01"]
    (problem,) = result.problems
    assert problem.row == 3 and "missing" in str(problem)


def test_scan_csv_when_column_is_all_text_then_kept_as_text_without_problems(tmp_path):
    path = _write(tmp_path / "t.csv", "Date,Symbol,Close\n2020-01-02,AAPL,1\n2020-01-03,MSFT,2\n")
    result = scan_csv(path)
    assert result.problems == []
    assert result.frame["symbol"].tolist() == ["AAPL", "MSFT"]


def test_scan_csv_when_price_column_is_all_text_then_every_cell_is_a_problem(tmp_path):
    path = _write(tmp_path / "t.csv", "Date,Close\n2020-01-02,one\n2020-01-03,two\n")
    result = scan_csv(path)
    assert [p.row for p in result.problems] == [2, 3]
    assert result.frame["close"].isna().all()


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(allow_infinity=False, width=64), st.just(float("nan"))),
        min_size=1,
        max_size=40,
    ),
    start=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
)
def test_read_csv_when_any_floats_written_by_pandas_then_read_back_exactly(
    tmp_path_factory, values, start
):
    index = pd.date_range(
        start.replace(microsecond=0), periods=len(values), freq="37min", name="Date"
    )
    original = pd.DataFrame({"Close": values}, index=index)
    path = tmp_path_factory.mktemp("rt") / "rt.csv"
    original.to_csv(path, float_format="%.17g")
    frame = read_csv(path, tz="UTC")
    np.testing.assert_array_equal(frame["close"].to_numpy(), original["Close"].to_numpy())
    assert (frame.index == index.tz_localize("UTC")).all()
