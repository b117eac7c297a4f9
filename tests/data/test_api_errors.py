"""The Python API raises the project's error types, never a raw pandas, zoneinfo or pydantic one."""

from __future__ import annotations

from pathlib import Path

import pytest

from signaltrust.backtest.api import run
from signaltrust.backtest.grid import parse_grid
from signaltrust.core.config import load_settings
from signaltrust.core.errors import SignalTrustError
from signaltrust.data import check_file, open_data, read_csv, read_parquet
from signaltrust.data.store import ParquetLake, PostgresBarStore


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


CASES = {
    "unknown time zone": lambda d: read_csv(
        _file(d, "a.csv", "Date,Close\n2020-01-02,1\n"), tz="Mars/Base"),
    "unknown encoding": lambda d: read_csv(
        _file(d, "a.csv", "Date,Close\n2020-01-02,1\n"), encoding="klingon"),
    "date before 1677": lambda d: read_csv(_file(d, "a.csv", "Date,Close\n1500-01-02,1\n")),
    "date after 2262": lambda d: read_csv(_file(d, "a.csv", "Date,Close\n2300-01-02,1\n")),
    "a folder": lambda d: read_csv(d),
    "not parquet": lambda d: read_parquet(_file(d, "a.parquet", "text")),
    "separator two characters": lambda d: read_csv(
        _file(d, "a.csv", "Date,Close\n2020-01-02,1\n"), sep="||"),
    "ambiguous dates": lambda d: read_csv(_file(d, "a.csv", "Date,Close\n01/02/2020,1\n")),
    "naive intraday": lambda d: read_csv(
        _file(d, "a.csv", "Date,Close\n2020-01-02 09:30,1\n2020-01-02 09:31,1\n")),
    "lake path is a file": lambda d: ParquetLake(_file(d, "lake", "x")).list(),
    "malformed postgres url": lambda d: PostgresBarStore(
        "postgresql://u:pw@127.0.0.1:notaport/db").list(),
    "boolean for a number": lambda d: load_settings(backtest={"fees": True}),
    "unknown data name": lambda d: open_data("no-such-thing"),
    "header only": lambda d: check_file(_file(d, "a.csv", "Date,Open,High,Low,Close\n")),
    "bars without low": lambda d: check_file(
        _file(d, "a.csv", "Date,Open,High,Close\n2020-01-02,1,2,1\n2020-01-03,1,2,1\n")),
    "grid too large": lambda d: parse_grid(["fast=1:100000", "slow=2:100000"]),
    "backtest of a missing file": lambda d: run(str(d / "missing.csv"), "sma_cross"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_api_when_input_or_environment_is_wrong_then_a_signaltrust_error(tmp_path, case):
    with pytest.raises(SignalTrustError) as caught:
        CASES[case](tmp_path)
    assert caught.value.fix, f"{case}: the error should say how to fix it"


def test_backtest_run_when_file_breaks_a_hard_rule_then_bar_rule_error(tmp_path):
    from signaltrust.core.errors import BarRuleError

    path = _file(tmp_path, "b.csv", "Date,Open,High,Low,Close\n2020-01-02,1,2,0.5,1\n"
                 "2020-01-03,1,2,0.5,-1\n2020-01-06,1,2,0.5,1\n")
    with pytest.raises(BarRuleError) as caught:
        run(str(path), "sma_cross")
    assert "line 3" in str(caught.value) and "allow=" in caught.value.fix
