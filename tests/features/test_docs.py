"""docs/features.md stays true: its examples run and it names every feature and every lag."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from signaltrust.features import CrossAssetFeatures, MacroFeatures, TechnicalFeatures
from signaltrust.features.alpha158 import KBAR, PRICE, ROLLING
from signaltrust.features.macro import MACRO_LAGS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def _text() -> str:
    return DOCS.read_text()


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", _text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_docs_example_when_run_then_no_error(index, capsys):
    exec(compile(_blocks()[index], f"docs/features.md block {index}", "exec"), {})


@pytest.mark.parametrize(
    "feature_set", [TechnicalFeatures(), MacroFeatures(), CrossAssetFeatures()]
)
def test_docs_when_read_then_every_default_column_is_named(feature_set):
    text = _text()
    missing = [n for n in feature_set.get_feature_names_out() if f"`{n}`" not in text]
    assert not missing or type(feature_set) is CrossAssetFeatures and _cross_pattern_documented()
    assert not missing or all(re.match(r"^[a-z0-9]+_(ret_\d+|zscore_\d+)$", n) for n in missing)


def _cross_pattern_documented() -> bool:
    text = _text()
    return "`<source>_ret_<h>`" in text and "`<source>_zscore_<n>`" in text


def test_docs_when_read_then_every_alpha158_operator_and_lag_is_named():
    text = _text()
    for name in (*KBAR, *PRICE):
        assert f"`{name}`" in text, name
    for op in ROLLING:
        assert f"`{op}d`" in text, op
    for dataset in MACRO_LAGS:
        assert f"| `{dataset}` |" in text, dataset
