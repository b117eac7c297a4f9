"""The layers hold: no upward import, no import cycle (import-linter contracts in pyproject.toml).

The layers and why they are ordered so are in docs/architecture.md.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
CHECKER = ROOT.parent / "shared" / "tools" / "check_layers.py"


def _contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def test_import_contracts_when_linted_then_every_one_is_kept(capsys):
    configuration.configure()  # what the lint-imports command does first
    kept = lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)
    report = capsys.readouterr().out
    assert kept, report


def test_layers_contract_when_read_then_core_is_lowest_and_interfaces_highest():
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    assert layers[-1] == "core"
    assert layers[0].startswith("cli")
    assert layers.index("research | (live)") < layers.index("optimize")
    domain = ["optimize", "backtest", "(trading)", "strategy | risk | portfolio", "execution"]
    assert [layers.index(name) for name in domain] == sorted(layers.index(n) for n in domain)


def test_acyclic_contract_when_read_then_it_covers_the_whole_package():
    acyclic = next(c for c in _contracts() if c["type"] == "acyclic_siblings")
    assert acyclic["ancestors"] == ["signaltrust"]
    assert "depth" not in acyclic or acyclic["depth"] >= 4


def test_contracts_when_read_then_no_import_is_exempted():
    assert not [i for c in _contracts() for i in c.get("ignore_imports", [])]


@pytest.mark.skipif(not CHECKER.exists(), reason="no layer checker laid beside the checkout")
def test_imports_when_checked_by_the_layer_checker_beside_the_checkout_then_none_goes_upward():
    out = subprocess.run(
        [sys.executable, str(CHECKER), str(ROOT / "src" / "signaltrust")],
        capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
