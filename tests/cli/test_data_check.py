"""``signaltrust data check NAME|FILE`` through Typer's test runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from signaltrust.cli.main import app

runner = CliRunner()

BAD_CSV = (
    "Date,Open,High,Low,Close,Volume\n"
    "2021-01-04,10,11,9,10.5,100\n"
    "2021-01-05,10.5,11.5,10,ten,100\n"
    "2021-01-06,11,11.8,10.6,11.2,100\n"
    "2021-01-07,11,10,12,11,100\n"
    "2021-01-08,11,12,10,11.5,100\n"
)
CLEAN_CSV = (
    "Date,Open,High,Low,Close,Volume\n"
    "2021-01-04,10,11,9,10.5,100\n"
    "2021-01-05,10.5,11.5,10,11,100\n"
    "2021-01-06,11,11.8,10.6,11.2,100\n"
    "2021-01-07,11.2,12,11,11.5,100\n"
)


def write(tmp_path, text, name="bars.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_data_check_when_file_has_text_price_and_high_below_low_then_exit_1_naming_both_rows(
    tmp_path,
):
    path = write(tmp_path, BAD_CSV)
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 1, result.output
    assert "unparsable" in result.output and "ohlc_inconsistent" in result.output
    rows = {int(line.split("│")[4]) for line in result.output.splitlines() if _is_row(line)}
    assert {3, 5} <= rows  # file lines of the text price and of the high below its low
    assert "FAILED" in result.output


def _is_row(line: str) -> bool:
    cells = line.split("│")
    return len(cells) > 5 and cells[4].strip().isdigit()


def test_data_check_when_json_then_output_parses_and_names_the_rows(tmp_path):
    path = write(tmp_path, BAD_CSV)
    result = runner.invoke(app, ["data", "check", str(path), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    found = {(i["check"], i["row"]) for i in payload["issues"]}
    assert ("unparsable", 3) in found and ("ohlc_inconsistent", 5) in found


def test_data_check_when_file_is_clean_then_exit_0(tmp_path):
    path = write(tmp_path, CLEAN_CSV)
    result = runner.invoke(app, ["data", "check", str(path), "--calendar", "XNYS"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_data_check_when_only_warnings_then_exit_0(tmp_path):
    path = write(tmp_path, CLEAN_CSV.replace("11.2,100\n", "11.2,\n"))
    result = runner.invoke(app, ["data", "check", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["summary"] == {"missing_volume": 1}
    quiet = runner.invoke(app, ["data", "check", str(path), "--no-volume", "--json"])
    assert json.loads(quiet.stdout)["issues"] == []


def test_data_check_when_file_is_missing_then_exit_1_with_a_clear_message(tmp_path):
    result = runner.invoke(app, ["data", "check", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "no bundled dataset or file" in result.output


def test_data_check_when_bundled_stocks_then_exit_1_and_the_repeated_row_is_listed():
    result = runner.invoke(app, ["data", "check", "stocks", "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    repeated = [i for i in payload["issues"] if i["check"] == "repeated_bar"]
    assert [i["timestamp"] for i in repeated] == ["2022-06-28T00:00:00+00:00"]


def test_data_check_when_many_issues_then_the_table_is_truncated_with_a_count():
    result = runner.invoke(app, ["data", "check", "wti", "--limit", "5"])
    assert result.exit_code == 0, result.output  # WTI only has warnings
    assert "more issues not shown" in result.output
    assert "missing_value" in result.output


def test_data_check_when_help_then_it_ends_with_the_example():
    result = runner.invoke(app, ["data", "check", "--help"])
    assert result.exit_code == 0
    assert "Example: signaltrust data check stocks" in result.output
