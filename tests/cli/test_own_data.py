"""A user's own data through the command line: every research command, ingest and check.

Each case asserts what the user sees: the exit code, the message, no traceback, and a store that
holds after a failure exactly what it held before.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.core.config import load_settings
from signaltrust.data.catalog import load
from signaltrust.data.store import ParquetLake, open_store
from tests.data.test_import_options import yahoo_exports

runner = CliRunner()
OHLCV = ["open", "high", "low", "close", "volume"]


class Seen:
    """What a command printed, with Rich's line wrapping undone (``text``)."""

    def __init__(self, result) -> None:
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.output = " ".join(result.output.split())


def cli(*args: str) -> Seen:
    """Run the command; a traceback (an exception other than the exit) fails the test."""
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback for {args}: {result.exception!r}\n{result.output}")
    assert "Traceback" not in result.output
    return Seen(result)


def stored() -> list[tuple]:
    listing = open_store(load_settings()).list()
    return [tuple(r) for r in listing[["symbol", "venue", "timeframe", "bars"]].itertuples(
        index=False)]


def yahoo_csv(path, bars: pd.DataFrame | None = None):
    bars = load("goog")[OHLCV] if bars is None else bars
    out = bars.rename(columns=str.title)
    out.insert(4, "Adj Close", out["Close"])
    out.index = out.index.strftime("%Y-%m-%d")
    out.index.name = "Date"
    out.to_csv(path)
    return str(path)


def minute_bars_new_york(path, days: int = 3) -> str:
    """Naive New York minute bars, as many brokers export them."""
    sessions = pd.bdate_range("2024-03-05", periods=days)
    stamps = [d + pd.Timedelta(hours=9, minutes=30 + i) for d in sessions for i in range(390)]
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 1e-3, len(stamps))))
    open_ = np.r_[close[0], close[:-1]]
    pd.DataFrame({"Datetime": [t.strftime("%Y-%m-%d %H:%M") for t in stamps], "Open": open_,
                  "High": np.maximum(open_, close) + 0.01, "Low": np.minimum(open_, close) - 0.01,
                  "Close": close, "Volume": rng.integers(100, 1000, len(stamps))}).to_csv(
        path, index=False)
    return str(path)


@pytest.fixture
def own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- research commands on a file, a stored series and a bundled name ----------------------------
def test_backtest_when_users_csv_then_it_runs_like_the_bundled_data(own):
    path = yahoo_csv(own / "my_prices.csv")
    mine = cli("backtest", "--data", path, "--strategy", "sma_cross", "--json")
    assert mine.exit_code == 0, mine.output
    bundled = cli("backtest", "--data", "goog", "--strategy", "sma_cross", "--json")
    a, b = json.loads(mine.stdout)["stats"], json.loads(bundled.stdout)["stats"]
    assert a["trades"] == b["trades"] and a["final_equity"] == pytest.approx(b["final_equity"])


def test_research_commands_when_data_is_an_ingested_series_then_they_run(own):
    assert cli("data", "ingest", yahoo_csv(own / "ixic.csv"), "--symbol", "^IXIC",
               "--venue", "XNAS").exit_code == 0
    for args in (
        ["backtest", "--data", "^IXIC"],
        ["backtest", "--data", "^IXIC.XNAS@1d", "--data", "goog"],
        ["sweep", "--data", "^IXIC", "--grid", "fast=5:15:5", "--grid", "slow=20:40:10"],
        ["walkforward", "--data", "^IXIC", "--grid", "fast=5,10", "--grid", "slow=30,40",
         "--train", "500", "--test", "250"],
        ["optimize", "--data", "^IXIC", "--grid", "fast=5,10", "--grid", "slow=30,40",
         "--storage", "memory"],
        ["check", "lookahead", "--data", "^IXIC", "--strategy", "sma_cross", "--points", "3"],
        ["risk", "report", "--data", "^IXIC"],
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)


@pytest.mark.slow
def test_ml_walkforward_when_users_csv_then_it_runs(own):
    result = cli("ml", "walkforward", "--data", yahoo_csv(own / "g.csv"), "--model", "logistic",
                 "--splits", "3", "--explain", "0", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["oos_bars"] > 0


def test_backtest_when_naive_intraday_file_then_tz_needed_and_the_zone_is_told(own):
    path = minute_bars_new_york(own / "aapl_1m.csv")
    refused = cli("backtest", "--data", path)
    assert refused.exit_code == 1 and "--tz America/New_York" in refused.output
    result = cli("backtest", "--data", path, "--tz", "America/New_York")
    assert result.exit_code == 0, result.output
    assert "naive timestamps read as America/New_York" in result.output


def test_risk_report_when_ohlcv_file_with_adj_close_then_one_instrument_and_said_so(own):
    result = cli("risk", "report", "--data", yahoo_csv(own / "prices.csv"))
    assert result.exit_code == 0, result.output
    assert "one instrument" in result.output


def test_risk_report_when_wide_file_of_prices_then_a_panel_with_its_names(own):
    prices = load("stocks")[["AAPL", "MSFT", "IBM"]]
    prices.index = prices.index.strftime("%Y-%m-%d")
    prices.to_csv(own / "panel.csv")
    result = cli("risk", "report", "--data", "panel.csv", "--weights", "AAPL=0.5,MSFT=0.5")
    assert result.exit_code == 0, result.output
    assert "panel of 3" in result.output


@pytest.mark.parametrize("command", [["backtest"], ["sweep"], ["walkforward"], ["optimize"],
                                     ["ml", "walkforward"], ["check", "lookahead"],
                                     ["risk", "report"]])
def test_research_command_when_data_names_nothing_then_exit_1_saying_what_was_tried(own, command):
    result = cli(*command, "--data", "nasdaq.csv", *(["--strategy", "sma_cross"]
                                                     if command == ["check", "lookahead"] else []))
    assert result.exit_code == 1
    assert "no data named 'nasdaq.csv'" in result.output and "bundled dataset" in result.output


# --- ingest and check with the import options ---------------------------------------------------
def test_ingest_when_naive_new_york_minutes_then_venue_zone_used_and_stored_in_utc(own):
    path = minute_bars_new_york(own / "aapl.csv", days=1)
    before = stored()
    refused = cli("data", "ingest", path, "--symbol", "AAPL")
    assert refused.exit_code == 1 and "--tz" in refused.output and stored() == before
    result = cli("data", "ingest", path, "--symbol", "AAPL", "--venue", "XNYS")
    assert result.exit_code == 0, result.output
    assert "America/New_York (the time zone of venue XNYS)" in result.output
    first = open_store(load_settings()).read("AAPL", "1m").index[0]
    assert first == pd.Timestamp("2024-03-05 14:30", tz="UTC")


def test_ingest_when_binance_klines_then_the_preset_reads_epoch_milliseconds(own):
    start_ms, hour_ms = 1_609_459_200_000, 3_600_000  # 2021-01-01 00:00 UTC, one hour
    rows = [f"{start_ms + h * hour_ms},{100 + h},{101 + h},{99 + h},{100.5 + h},12.5,"
            f"{start_ms + (h + 1) * hour_ms - 1},1250.0,42,6.1,610.0,0" for h in range(48)]
    (own / "BTCUSDT-1h-2021-01.csv").write_text("\n".join(rows) + "\n")
    refused = cli("data", "ingest", "BTCUSDT-1h-2021-01.csv")
    assert refused.exit_code == 1 and "--format binance-klines" in refused.output
    result = cli("data", "ingest", "BTCUSDT-1h-2021-01.csv", "--format", "binance-klines",
                 "--symbol", "BTCUSDT", "--venue", "BINANCE", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["timeframe"], payload["inserted"]) == ("1h", 48)


def test_ingest_when_semicolons_and_decimal_commas_then_diagnosed_and_read(own):
    frame = load("goog")[OHLCV].iloc[:30]
    out = frame.rename(columns=str.title)
    out.index = out.index.strftime("%d.%m.%Y")
    out.index.name = "Datum"
    out.to_csv(own / "eu.csv", sep=";", decimal=",")
    refused = cli("data", "check", "eu.csv")
    assert refused.exit_code == 1 and "--decimal ," in refused.output
    assert "more cells than the header" not in refused.output
    result = cli("data", "ingest", "eu.csv", "--decimal", ",", "--date-column", "Datum",
                 "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inserted"] == 30


def test_ingest_when_columns_mapped_and_date_format_given_then_read(own):
    (own / "odd.csv").write_text("When,Px,Hi,Lo,Op,Qty\n02/01/2019 16:00,10,11,9,10,5\n"
                                 "03/01/2019 16:00,10.5,11,10,10,5\n"
                                 "04/01/2019 16:00,11,12,10,10.5,5\n")
    result = cli("data", "ingest", "odd.csv", "--columns", "close=Px,high=Hi,low=Lo",
                 "--columns", "open=Op,volume=Qty", "--date-column", "When",
                 "--date-format", "%d/%m/%Y %H:%M", "--timeframe", "1d", "--json")
    assert result.exit_code == 0, result.output
    bars = open_store(load_settings()).read("ODD", "1d")
    assert bars.index[0] == pd.Timestamp("2019-01-02", tz="UTC")  # a daily bar: its session


def test_ingest_when_latin1_file_then_encoding_option_reads_it(own):
    (own / "l1.csv").write_bytes("Date,Close,Bemerkung\n2019-01-02,1,März\n2019-01-03,2,é\n"
                                 .encode("latin-1"))
    refused = cli("data", "check", "l1.csv")
    assert refused.exit_code == 1 and "--encoding latin-1" in refused.output
    assert cli("data", "check", "l1.csv", "--encoding", "latin-1").exit_code == 0


def test_check_when_monthly_day_first_dates_then_refused_until_the_order_is_stated(own):
    text = "Date,Close\n" + "".join(f"01/{m:02d}/{y},{m}\n" for y in (2019, 2020, 2021)
                                    for m in range(1, 13))
    (own / "monthly.csv").write_text(text)
    refused = cli("data", "check", "monthly.csv")
    assert refused.exit_code == 1
    assert "--dayfirst" in refused.output and "--monthfirst" in refused.output
    ok = cli("data", "check", "monthly.csv", "--dayfirst", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["context"]["timeframe"] == "1mo"  # 36 months, not January days


def test_ingest_when_two_yahoo_exports_of_one_stock_then_the_same_1303_bars(own):
    plain, stamped, _ = yahoo_exports(own)
    first = json.loads(cli("data", "ingest", str(plain), "--symbol", "ACME", "--json").stdout)
    second = cli("data", "ingest", str(stamped), "--symbol", "ACME", "--json")
    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    assert first["inserted"] == 1303
    assert (again["inserted"], again["unchanged"], again["conflicts"]) == (0, 1303, 0)
    assert stored() == [("ACME", "SIM", "1d", 1303)]


def test_ingest_when_daily_bars_declared_hourly_then_refused(own):
    result = cli("data", "ingest", "goog", "--timeframe", "1h")
    assert result.exit_code == 1 and "off_grid" in result.output and stored() == []


# --- hard rules at ingest -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [("close", -5.0, "non_positive_price"), ("open", 0.0, "non_positive_price"),
     ("high", 1.0, "ohlc_inconsistent"), ("volume", -10.0, "negative_volume"),
     ("close", np.inf, "non_finite")],
)
def test_ingest_when_a_bar_breaks_a_hard_rule_then_refused_naming_the_line_and_store_unchanged(
    own, column, value, rule
):
    cli("data", "ingest", yahoo_csv(own / "base.csv", load("goog")[OHLCV].iloc[:20]),
        "--symbol", "G")
    before = open_store(load_settings()).read("G", "1d")
    bars = load("goog")[OHLCV].iloc[:40].copy()
    bars.loc[bars.index[30], column] = value
    result = cli("data", "ingest", yahoo_csv(own / "bad.csv", bars), "--symbol", "G")
    assert result.exit_code == 1
    assert rule in result.output and "nothing was written" in result.output
    assert "│ 32 │" in result.output  # file line 32: the header is line 1, bar 31 is line 32
    pd.testing.assert_frame_equal(open_store(load_settings()).read("G", "1d"), before)


def test_ingest_when_rule_allowed_then_flagged_and_the_same_file_again_changes_nothing(own):
    bars = load("goog")[OHLCV].iloc[:40].copy()
    bars.loc[bars.index[10], ["high", "close"]] = np.inf
    path = yahoo_csv(own / "inf.csv", bars)
    result = cli("data", "ingest", path, "--symbol", "G", "--allow", "non_finite", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["flagged"] == 1
    again = json.loads(cli("data", "ingest", path, "--symbol", "G", "--allow", "non_finite",
                           "--json").stdout)
    assert (again["inserted"], again["unchanged"], again["conflicts"]) == (0, 40, 0)
    assert open_store(load_settings()).read("G", "1d", flags=True)["flags"].iloc[10] == 8


def test_ingest_when_rules_json_then_every_violation_listed(own):
    bars = load("goog")[OHLCV].iloc[:10].copy()
    bars.loc[bars.index[[2, 5]], "volume"] = -1.0
    result = cli("data", "ingest", yahoo_csv(own / "v.csv", bars), "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["error"] == "BarRuleError"
    assert [v["row"] for v in payload["violations"]] == [4, 7]


def test_ingest_when_allow_names_no_rule_then_usage_error():
    assert cli("data", "ingest", "goog", "--allow", "everything").exit_code == 2


# --- one-line errors, never a traceback ---------------------------------------------------------
@pytest.mark.parametrize("date", ["1500-01-03", "2300-01-03"])
def test_check_when_dates_outside_1677_2262_then_rows_reported(own, date):
    (own / "old.csv").write_text(f"Date,Open,High,Low,Close,Volume\n{date},1,2,0.5,1,10\n"
                                 "2019-01-02,1,2,0.5,1,10\n2019-01-03,1,2,0.5,1,10\n")
    result = cli("data", "check", "old.csv")
    assert result.exit_code == 1 and "1677" in result.output
    refused = cli("data", "ingest", "old.csv")
    assert refused.exit_code == 1 and stored() == []


@pytest.mark.parametrize("where", ["missing/folder/r.html", "file/r.html"])
def test_backtest_when_report_cannot_be_written_then_one_line_before_the_run(own, where):
    (own / "file").write_text("not a folder")
    result = cli("backtest", "--data", "goog", "--report", str(own / where))
    assert result.exit_code == 1
    assert "cannot write --report" in result.output and len(result.output.strip().splitlines()) <= 3


def test_backtest_when_report_write_fails_midway_then_one_line(own, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(own / "r.html"))

    monkeypatch.setattr("signaltrust.backtest.result.BacktestResult.report", refuse)
    result = cli("backtest", "--data", "goog", "--report", str(own / "r.html"))
    assert result.exit_code == 1 and "permission denied" in result.output


def test_ingest_when_store_path_is_a_file_then_one_line_naming_it(own, monkeypatch):
    (own / "lakefile").write_text("x")
    monkeypatch.setenv("SIGNALTRUST__STORE__PATH", str(own / "lakefile"))
    for args in (["data", "ingest", "goog"], ["data", "stored"]):
        result = cli(*args)
        assert result.exit_code == 1 and "lakefile" in result.output, result.output


def test_ingest_when_disk_is_full_then_one_line_and_store_unchanged(own, monkeypatch):
    import errno

    cli("data", "ingest", "goog")
    before = open_store(load_settings()).read("GOOG", "1d")

    def full(table, sink, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("signaltrust.data.store.lake.pq.write_table", full)
    result = cli("data", "ingest", "sp500")
    assert result.exit_code == 1 and "the disk is full" in result.output
    pd.testing.assert_frame_equal(open_store(load_settings()).read("GOOG", "1d"), before)
    assert [s[0] for s in stored()] == ["GOOG"]


def test_stored_when_one_lake_file_is_damaged_then_it_is_named_and_the_rest_listed(
    own, isolated_home
):
    cli("data", "ingest", "goog")
    cli("data", "ingest", "btcusd")
    ParquetLake(isolated_home / "lake").file_for("BTCUSD", "1mo", "CRYPTO").write_bytes(
        b"PAR1 damaged PAR1")
    result = cli("data", "stored", "--json")
    assert result.exit_code == 1
    assert [s["symbol"] for s in json.loads(result.stdout)] == ["GOOG"]
    assert "damaged store file" in result.output and "symbol=BTCUSD" in result.output


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("SIGNALTRUST_CONFIG", "{folder}", "folder"),
        ("SIGNALTRUST_CONFIG", "{folder}/missing.toml", "does not exist"),
        ("SIGNALTRUST__RISK__DRAWDOWN_LEVELS", "[[0.1,", "not valid JSON"),
        ("SIGNALTRUST__STOR__BACKEND", "postgres", "unknown section"),
    ],
)
def test_any_command_when_environment_is_wrong_then_exit_1_naming_it(
    own, monkeypatch, variable, value, words
):
    monkeypatch.setenv(variable, value.format(folder=own))
    result = cli("data", "stored")
    assert result.exit_code == 1 and words in result.output and variable in result.output


def test_config_when_slippage_is_true_then_refused(own, isolated_home):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text("[backtest]\nslippage_bps = true\n")
    result = cli("config", "show")
    assert result.exit_code == 1 and "backtest.slippage_bps" in result.output


def test_ingest_when_postgres_url_is_malformed_then_password_never_shown(own, monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__STORE__BACKEND", "postgres")
    monkeypatch.setenv("SIGNALTRUST__STORE__POSTGRES_URL",
                       "postgresql://trader:hunter2@127.0.0.1:notaport/test")
    for args in (["data", "ingest", "goog"], ["data", "stored"], ["config", "show"]):
        result = cli(*args)
        assert "hunter2" not in result.output, (args, result.output)
    assert cli("data", "stored").exit_code == 1


def test_check_when_header_only_or_no_low_then_errors_not_ok(own):
    (own / "h.csv").write_text("Date,Open,High,Low,Close\n")
    (own / "nolow.csv").write_text("Date,Open,High,Close\n2020-01-02,1,2,1.5\n2020-01-03,1,2,1.5\n")
    for name, words in (("h.csv", "no data rows"), ("nolow.csv", "no low")):
        result = cli("data", "check", name)
        assert result.exit_code == 1 and words in result.output and "OK" not in result.output


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["sweep", "--data", "goog", "--grid", "fast=1:100000", "--grid", "slow=2:100000"], 1,
         "too large"),
        (["sweep", "--data", "goog", "--grid", "fast=5,,10"], 1, "empty item"),
        (["sweep", "--data", "goog", "--grid", "fast=5,5,10"], 1, "repeats"),
        (["sweep", "--data", "goog", "--grid", "fast=5:10", "--param", "fast=7"], 1,
         "both as --grid and as --param"),
        (["backtest", "--data", "goog", "--param", "fast=5", "--param", "fast=7"], 1, "twice"),
        (["ml", "walkforward", "--data", "goog", "--threshold", "2"], 2, "probability"),
        (["ml", "walkforward", "--data", "goog", "--exit-threshold", "-0.1"], 2, "probability"),
        (["data", "check", "goog", "--tz", "Mars/Base"], 2, "unknown time zone"),
        (["data", "check", "goog", "--format", "excel"], 2, "preset"),
        (["data", "ingest", "goog", "--sep", ";;"], 2, "one character"),
    ],
)
def test_command_when_option_value_is_refused_then_exit_code_and_message(args, code, words):
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert words in result.output


def test_sweep_when_large_grid_flag_then_the_limit_is_lifted_on_purpose(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__BACKTEST__MAX_GRID_COMBINATIONS", "10")
    refused = cli("sweep", "--data", "goog", "--grid", "fast=5:10", "--grid", "slow=20:30")
    assert refused.exit_code == 1 and "limit 10 combinations" in refused.output
    allowed = cli("sweep", "--data", "goog", "--grid", "fast=5:10", "--grid", "slow=20:30",
                  "--large-grid", "--json")
    assert allowed.exit_code == 0, allowed.output


def test_backtest_when_file_has_an_infinite_close_then_refused_naming_the_line(own):
    bars = load("goog")[OHLCV].copy()
    bars.loc[bars.index[100], "close"] = np.inf
    result = cli("backtest", "--data", yahoo_csv(own / "inf.csv", bars))
    assert result.exit_code == 1
    assert "line 102" in result.output and "--allow non_finite" in result.output
