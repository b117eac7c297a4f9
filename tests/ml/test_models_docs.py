"""docs/ml_models.md stays true: its examples run and it names every registered model."""

from __future__ import annotations

import re
from pathlib import Path

from signaltrust.ml.models import list_models

DOCS = Path(__file__).resolve().parents[2] / "docs" / "ml_models.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)


def test_docs_examples_when_run_in_order_then_no_error(capsys):
    # Fits every kind of model, deep ones included: about 6 s on 2 cores.
    namespace: dict = {}
    for i, block in enumerate(_blocks()):
        exec(compile(block, f"docs/ml_models.md block {i}", "exec"), namespace)


def test_docs_when_read_then_every_registered_model_is_named():
    text = DOCS.read_text()
    assert [name for name in list_models() if f"`{name}`" not in text] == []
