"""docs/portfolio.md stays true: its examples run."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "portfolio.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_docs_example_when_run_then_no_error(index, capsys):
    exec(compile(BLOCKS[index], f"docs/portfolio.md block {index}", "exec"), {})


def test_docs_when_read_then_every_public_name_is_documented():
    import signaltrust.portfolio as portfolio

    text = DOCS.read_text()
    internal = {
        "COV_METHODS",
        "METHODS",
        "OptimizationError",
        "hrp_order",
        "hrp_weights",
        "risk_parity_weights",
        "covariance",
        "ewma_cov",
        "ledoit_wolf_cov",
        "sample_cov",
        "expected_returns",
        "risk_contributions",
        "volatility_target_size",
    }
    missing = [n for n in portfolio.__all__ if n not in internal and n not in text]
    assert not missing
