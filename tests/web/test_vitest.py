"""The dashboard's component tests (Vitest, jsdom) run from pytest where web/node_modules is
installed (``make test`` and ``make web`` install it with ``npm ci``); in CI they must run, so
a missing install fails there instead of skipping. By hand: ``cd web && npm ci && npm test``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
VITEST = WEB / "node_modules" / ".bin" / "vitest"
INSTALLED = VITEST.exists() and shutil.which("node") is not None

if not INSTALLED and os.environ.get("CI"):
    raise RuntimeError("CI runs the component tests: `make test` installs web/node_modules "
                       "with npm ci (Node.js 20 and the npm registry are needed)")


@pytest.mark.slow
@pytest.mark.skipif(not INSTALLED, reason="web/node_modules not installed (make test installs it)")
def test_components_when_vitest_runs_then_every_component_test_passes():
    done = subprocess.run([str(VITEST), "run"], cwd=WEB, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
