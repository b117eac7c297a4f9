"""docs/data.md, "Your own data": the three files go through ingest and a backtest as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from signaltrust.cli.main import app

PAGE = Path(__file__).resolve().parents[2] / "docs" / "data.md"
runner = CliRunner()


def _section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("## Your own data")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_docs_own_data_when_commands_run_as_written_then_each_succeeds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    section = _section()
    for block in re.findall(r"```python\n(.*?)```", section, flags=re.S):
        exec(compile(block, "docs/data.md (own data)", "exec"), {"__name__": "__docs__"})
    commands = [line.split("#")[0].strip() for block in
                re.findall(r"```bash\n(.*?)```", section, flags=re.S)
                for line in block.splitlines() if line.startswith("signaltrust ")]
    assert len(commands) >= 8
    outputs = {}
    for command in commands:
        result = runner.invoke(app, shlex.split(command)[1:])
        assert result.exit_code == 0, (command, result.output)
        assert "Traceback" not in result.output
        outputs[command] = " ".join(result.output.split())
    file_run = outputs["signaltrust backtest --data my_prices.csv --strategy sma_cross"]
    store_run = outputs["signaltrust backtest --data ACME --strategy sma_cross"]
    assert re.search(r"trades │ (\d+)", file_run).group(1) == re.search(
        r"trades │ (\d+)", store_run).group(1)
    ingest = outputs["signaltrust data ingest aapl_1m.csv --symbol AAPL --venue XNAS"]
    assert "America/New_York" in ingest and "1950 inserted" in ingest


def test_docs_own_data_when_zone_or_preset_is_left_out_then_refused_with_the_fix(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for block in re.findall(r"```python\n(.*?)```", _section(), flags=re.S):
        exec(compile(block, "docs/data.md (own data)", "exec"), {"__name__": "__docs__"})
    naive = runner.invoke(app, ["backtest", "--data", "aapl_1m.csv"])
    assert naive.exit_code == 1 and "--tz America/New_York" in " ".join(naive.output.split())
    binance = runner.invoke(app, ["data", "ingest", "BTCUSDT-1h-2024-01.csv"])
    assert binance.exit_code == 1 and "--format binance-klines" in " ".join(binance.output.split())
