"""The dashboard's component tests (Vitest, jsdom) run from pytest where web/node_modules is
installed (``make web`` installs it); elsewhere ``cd web && npm ci && npm test``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.mark.slow
@pytest.mark.skipif(not (WEB / "node_modules" / ".bin" / "vitest").exists()
                    or shutil.which("node") is None,
                    reason="web/node_modules not installed (make web installs it)")
def test_components_when_vitest_runs_then_every_component_test_passes():
    done = subprocess.run([str(WEB / "node_modules" / ".bin" / "vitest"), "run"], cwd=WEB,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
