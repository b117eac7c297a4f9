"""docs/validation.md stays true: its examples run in order and pin the figures its text quotes."""

from __future__ import annotations

import re
from pathlib import Path

import signaltrust.optimize as optimize

DOCS = Path(__file__).resolve().parents[2] / "docs" / "validation.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)


def test_docs_examples_when_run_in_order_then_no_error_and_figures_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write reports into the working directory
    namespace: dict[str, object] = {}
    for index, block in enumerate(_blocks()):
        exec(compile(block, f"docs/validation.md block {index}", "exec"), namespace)


def test_docs_when_read_then_every_public_function_is_named():
    text = DOCS.read_text()
    missing = [
        name
        for name in optimize.__all__
        if name[0].islower() and name not in ("equity_returns",) and f"`{name}" not in text
    ]
    assert not missing
