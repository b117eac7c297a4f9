"""docs/risk_measures.md stays true: its examples run and it names every public function."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "risk_measures.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_docs_example_when_run_then_no_error(index, capsys):
    exec(compile(BLOCKS[index], f"docs/risk_measures.md block {index}", "exec"), {})


def test_docs_when_read_then_every_measure_is_named():
    from signaltrust.risk import exposure, measures

    text = DOCS.read_text()
    names = [
        n
        for mod in (measures, exposure)
        for n in dir(mod)
        if not n.startswith("_")
        and callable(getattr(mod, n))
        and getattr(getattr(mod, n), "__module__", "") == mod.__name__
    ]
    missing = [
        n for n in names if f"`{n}(" not in text and n not in {"cornish_fisher_z", "moments"}
    ]
    assert not missing
