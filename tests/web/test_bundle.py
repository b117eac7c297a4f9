"""The dashboard's bundle shipped in the Python package is built from the committed sources
(``make web`` rebuilds it), is small, and is served by the API at ``/``."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from signaltrust.api.app import create_app
from signaltrust.api.web import bundle_dir
from signaltrust.storage import Database

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
#: what scripts/manifest.mjs hashes (keep the two lists the same)
SOURCES = ["index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts",
           "public", "src"]


def source_hash() -> str:
    """The same SHA-256 as web/scripts/manifest.mjs: each source file's path and bytes."""
    paths = []
    for name in SOURCES:
        path = WEB / name
        if path.is_dir():
            paths += [p for p in path.rglob("*") if p.is_file()]
        elif path.is_file():
            paths.append(path)
    rel = sorted(p.relative_to(WEB).as_posix() for p in paths)
    rel = [p for p in rel if not re.search(r"\.test\.tsx?$", p)]
    digest = hashlib.sha256()
    for name in rel:
        digest.update(name.encode() + b"\n")
        digest.update((WEB / name).read_bytes())
        digest.update(b"\n")
    return digest.hexdigest()


@pytest.fixture(scope="module")
def manifest() -> dict:
    path = bundle_dir() / "manifest.json"
    assert path.is_file(), "no dashboard bundle: run make web and commit src/signaltrust/web_dist"
    return json.loads(path.read_text())


def test_bundle_when_sources_change_then_its_manifest_hash_no_longer_matches(manifest):
    assert manifest["sources_sha256"] == source_hash(), (
        "the committed dashboard bundle is stale: run make web and commit "
        "src/signaltrust/web_dist")


def test_bundle_when_built_then_lists_only_files_that_exist_and_ships_under_1_mb(manifest):
    assets = sorted(p.name for p in (bundle_dir() / "assets").iterdir())
    assert assets == manifest["files"]
    assert 0 < manifest["js_gzip_bytes"] < 1_000_000


def test_api_when_asked_for_root_then_serves_the_dashboard_and_json_404_elsewhere(manifest):
    client = TestClient(create_app(database=Database("sqlite://")))
    page = client.get("/")
    assert page.status_code == 200 and '<div id="root">' in page.text
    script = re.search(r'src="(/assets/[^"]+\.js)"', page.text).group(1)
    asset = client.get(script)
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.json()["error"]
    assert client.get("/health").status_code == 200
