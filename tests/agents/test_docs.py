"""docs/agents.md: its examples run in order (one namespace, a temporary folder) and print
what the page says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "agents.md"


@pytest.mark.slow
def test_agents_page_when_examples_run_then_they_print_what_the_page_says(tmp_path,
                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for index, block in enumerate(blocks):
            exec(compile(block, f"docs/agents.md block {index}", "exec"), namespace)
    out = printed.getvalue()
    assert "['prompt', 'fallback']" in out
    assert "restricted: SPX is on the restricted list" in out
    assert "would exceed the limit 100000" in out
    assert re.search(r"2018-06-30: score 0\.\d\d, confidence 0\.\d\d", out)
    assert "2020-03-12 18:00 2.6 2020-02-14 FRED vintages" in out  # before the revision
    assert "2020-03-13 4.0 2020-03-13 FRED vintages" in out
    assert "realised (no option chain)" in out and "a protective put at" in out
    assert "[(1, 'HALTED')]" in out and "approved ada" in out
    assert "409 it is approved by ada" in out
