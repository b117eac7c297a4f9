"""Every Python example in docs/ runs: the pages a user copies from must not rot.

Pages whose examples have a dedicated test (which also pins their quoted figures) are run there;
this test runs the rest, each page's blocks in order in one namespace, in a temporary folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
DEDICATED = {  # page -> the test that runs its examples
    "agents.md": "tests/agents/test_docs.py",
    "api.md": "tests/api/test_docs.py",
    "dashboard.md": "tests/web/test_dashboard_docs.py",
    "strategies.md": "tests/backtest/test_strategies_docs.py",
    "sweeps.md": "tests/backtest/test_sweep.py",
    "tearsheets.md": "tests/backtest/test_tearsheet.py",
    "store.md": "tests/data/test_store.py",
    "execution.md": "tests/execution/test_docs.py",
    "features.md": "tests/features/test_docs.py",
    "metrics.md": "tests/metrics/test_summary.py",
    "ml_models.md": "tests/ml/test_models_docs.py",
    "ml_regimes_explain_registry.md": "tests/ml/test_registry.py",
    "ml_validation.md": "tests/ml/test_validation.py",
    "validation.md": "tests/optimize/test_docs.py",
    "lookahead.md": "tests/optimize/test_lookahead.py",
    "portfolio.md": "tests/portfolio/test_docs.py",
    "ml.md": "tests/research/test_evaluation.py",
    "rl.md": "tests/rl/test_docs.py",
    "risk.md": "tests/risk/test_engine.py",
    "risk_measures.md": "tests/risk/test_measures_docs.py",
}
PAGES = sorted(p.name for p in DOCS.glob("*.md") if p.name not in DEDICATED)


def _blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("page", PAGES)
def test_docs_page_when_examples_run_in_order_then_no_error(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for index, block in enumerate(_blocks(page)):
        exec(compile(block, f"docs/{page} block {index}", "exec"), namespace)


def test_dedicated_docs_tests_when_listed_then_they_exist():
    root = DOCS.parent
    assert all((root / test).exists() for test in DEDICATED.values())
    assert all((DOCS / page).exists() for page in DEDICATED)


OUTSIDE = ("DESIGN.md", "../shared")  # files that only the people building SignalTrust have


def test_docs_and_sources_when_read_then_no_file_outside_the_repository_is_cited():
    root = DOCS.parent
    files = [root / "README.md", *DOCS.rglob("*.md"), *(root / "src").rglob("*.py"),
             *(root / "src").rglob("*.md")]
    cited = [f"{path.relative_to(root)}: {name}" for path in files
             for name in OUTSIDE if name in path.read_text(encoding="utf-8")]
    assert not cited, cited
