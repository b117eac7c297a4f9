"""No module imports upward through the layers of DESIGN.md (the shared layer check)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT.parent / "shared" / "tools" / "check_layers.py"


@pytest.mark.skipif(not CHECKER.exists(), reason="../shared/tools/check_layers.py is not beside the checkout")
def test_imports_when_checked_then_none_goes_upward():
    out = subprocess.run(
        [sys.executable, str(CHECKER), str(ROOT / "src" / "signaltrust")],
        capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
