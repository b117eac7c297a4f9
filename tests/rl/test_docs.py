"""docs/rl.md: every python block runs, in order, in one namespace; its quoted results hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "rl.md"


@pytest.mark.slow
def test_rl_page_when_examples_run_in_order_then_quoted_results_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = PAGE.read_text(encoding="utf-8")
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for index, block in enumerate(re.findall(r"```python\n(.*?)```", text, flags=re.S)):
        exec(compile(block, f"docs/rl.md block {index}", "exec"), namespace)
    bars, fill = namespace["bars"], namespace["fill"]
    assert fill["timestamp"] == bars.index[11]  # "long, decided at the close of row 10"
    assert fill["price"] / bars["open"].iloc[11] == pytest.approx(1.0002)
    assert namespace["env"].action_masks().tolist() == [False, True, True]
    report = namespace["report"]
    assert report.verdict.startswith("RL beat buy-and-hold: ")
    assert report.reproducibility["seeds"] == [0, 1]
    as_strategy = namespace["as_strategy"]
    assert as_strategy.equity.loc[:bars.index[200]].nunique() == 1  # flat before trade_from


def test_rl_page_when_it_names_options_then_the_cli_has_them():
    from typer.testing import CliRunner

    from signaltrust.cli.main import app

    text = PAGE.read_text(encoding="utf-8")
    for command in ("train", "evaluate", "run"):
        shown = CliRunner().invoke(app, ["rl", command, "--help"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0
        block = text[text.index(f"signaltrust rl {command} "):]
        block = re.split(r"signaltrust rl (?!" + command + r")|```", block)[0]
        for flag in set(re.findall(r"--[a-z-]+", block)):
            assert flag in shown.output, (command, flag)
