"""``signaltrust data ingest | stored | delete`` through Typer's test runner."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from signaltrust.core.config import load_settings
from signaltrust.cli.main import app
from signaltrust.data.catalog import load
from signaltrust.data.store import ParquetLake, open_store

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["data", *args])


def write_csv(path, bars: pd.DataFrame) -> str:
    out = bars.copy()
    out.index = out.index.strftime("%Y-%m-%d")
    out.index.name = "Date"
    out.to_csv(path)
    return str(path)


def test_ingest_when_bundled_dataset_twice_then_second_run_changes_nothing(isolated_home):
    first = invoke("ingest", "sp500", "--json")
    assert first.exit_code == 0, first.output
    payload = json.loads(first.stdout)
    assert (payload["symbol"], payload["venue"], payload["timeframe"]) == ("^GSPC", "XNYS", "1d")
    assert (payload["inserted"], payload["unchanged"], payload["conflicts"]) == (5031, 0, 0)
    assert payload["dropped_columns"] == ["adj_close"]
    file = ParquetLake(isolated_home / "lake").file_for("^GSPC", "1d", "XNYS")
    content, mtime = file.read_bytes(), file.stat().st_mtime_ns
    again = json.loads(invoke("ingest", "sp500", "--json").stdout)
    assert (again["inserted"], again["unchanged"], again["conflicts"]) == (0, 5031, 0)
    assert file.read_bytes() == content and file.stat().st_mtime_ns == mtime


def test_ingest_when_table_output_then_counts_are_printed():
    result = invoke("ingest", "goog")
    assert result.exit_code == 0, result.output
    assert "2148 inserted, 0 unchanged, 0 conflicts" in result.stdout


def test_ingest_when_file_conflicts_then_exit_1_lists_timestamps_and_store_untouched(tmp_path):
    bars = load("goog").iloc[:50]
    assert (
        invoke("ingest", write_csv(tmp_path / "goog.csv", bars), "--symbol", "GOOG").exit_code == 0
    )
    changed = load("goog").iloc[40:60].copy()
    changed.loc[changed.index[3], "close"] += 1.0
    result = invoke("ingest", write_csv(tmp_path / "new.csv", changed), "--symbol", "GOOG")
    assert result.exit_code == 1
    assert changed.index[3].isoformat() in result.output and "nothing was written" in result.output
    stored = open_store(load_settings()).read("GOOG", "1d")
    pd.testing.assert_frame_equal(stored, bars, check_freq=False)


def test_ingest_when_conflict_and_json_then_conflicts_listed_for_programs(tmp_path):
    bars = load("goog").iloc[:10]
    invoke("ingest", write_csv(tmp_path / "a.csv", bars), "--symbol", "G", "--json")
    bars.loc[bars.index[0], "volume"] = 1.0
    result = invoke("ingest", write_csv(tmp_path / "b.csv", bars), "--symbol", "G", "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["error"] == "BarConflictError"
    assert payload["conflict_timestamps"] == [bars.index[0].isoformat()]
    assert payload["conflict_rows"][0]["incoming_volume"] == 1.0


def test_ingest_when_on_conflict_keep_then_exit_0_and_conflicts_reported(tmp_path):
    bars = load("goog").iloc[:10]
    invoke("ingest", write_csv(tmp_path / "a.csv", bars.iloc[:5]), "--symbol", "G")
    bars.loc[bars.index[0], "open"] = 101.0  # within the bar's range, unlike the stored 100
    result = invoke(
        "ingest",
        write_csv(tmp_path / "b.csv", bars),
        "--symbol",
        "G",
        "--on-conflict",
        "keep",
        "--json",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["inserted"], payload["unchanged"], payload["conflicts"]) == (5, 4, 1)
    assert open_store(load_settings()).read("G", "1d")["open"].iloc[0] == load("goog")["open"].iloc[0]


def test_ingest_when_parquet_file_then_bars_stored_with_inferred_timeframe(tmp_path):
    path = tmp_path / "eur.parquet"
    load("eurusd").iloc[:100].to_parquet(path)
    result = invoke("ingest", str(path), "--symbol", "EURUSD", "--venue", "FX", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["timeframe"] == "1h"
    assert len(open_store(load_settings()).read("EURUSD", "1h", venue="FX")) == 100


@pytest.mark.parametrize(("source", "words"), [("wti", "not bars"), ("nosuchdata", "sp500")])
def test_ingest_when_not_a_bar_dataset_then_exit_1_with_the_fix(source, words):
    result = invoke("ingest", source)
    assert result.exit_code == 1
    assert words in result.output


def test_ingest_when_policy_unknown_then_usage_error():
    assert invoke("ingest", "goog", "--on-conflict", "replace").exit_code == 2


def test_stored_when_series_ingested_then_listed_with_range_and_count():
    assert "empty" in invoke("stored").stdout
    invoke("ingest", "goog")
    invoke("ingest", "btcusd")
    payload = json.loads(invoke("stored", "--json").stdout)
    assert [(p["symbol"], p["timeframe"], p["bars"]) for p in payload] == [
        ("BTCUSD", "1mo", len(load("btcusd"))),
        ("GOOG", "1d", 2148),
    ]
    assert payload[1]["start"].startswith("2004-08-19")
    assert "GOOG" in invoke("stored").stdout


def test_delete_when_range_given_then_bars_removed_and_count_reported():
    invoke("ingest", "goog")
    result = invoke("delete", "GOOG", "--timeframe", "1d", "--start", "2013-01-01", "--json")
    assert result.exit_code == 0, result.output
    goog = load("goog")
    assert json.loads(result.stdout)["deleted"] == (goog.index >= "2013-01-01").sum()
    assert open_store(load_settings()).read("GOOG", "1d").index[-1] < pd.Timestamp("2013-01-01", tz="UTC")
    assert invoke("delete", "GOOG", "--timeframe", "daily").exit_code == 0
    missing = invoke("delete", "GOOG", "--timeframe", "1d")
    assert missing.exit_code == 1 and "no bars stored" in missing.output


@pytest.mark.parametrize("command", ["ingest", "stored", "delete"])
def test_help_when_asked_then_it_ends_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example: signaltrust data " + command in result.stdout


@pytest.mark.postgres
def test_ingest_when_postgres_backend_configured_then_bars_go_there(
    monkeypatch, postgres_url, postgres_schema
):
    monkeypatch.setenv("SIGNALTRUST__STORE__BACKEND", "postgres")
    monkeypatch.setenv("SIGNALTRUST__STORE__POSTGRES_URL", postgres_url)
    monkeypatch.setenv("SIGNALTRUST__STORE__POSTGRES_SCHEMA", postgres_schema)
    first = json.loads(invoke("ingest", "eurusd", "--json").stdout)
    second = json.loads(invoke("ingest", "eurusd", "--json").stdout)
    assert (first["inserted"], second["inserted"], second["unchanged"]) == (5000, 0, 5000)
    payload = json.loads(invoke("stored", "--json").stdout)
    assert [(p["symbol"], p["venue"], p["bars"]) for p in payload] == [("EURUSD", "FX", 5000)]
