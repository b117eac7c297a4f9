"""Shared fixtures: an isolated data home for every test, and the PostgreSQL server when present."""

from __future__ import annotations

import gc
import os
import uuid

import pytest

POSTGRES_URL = os.environ.get("SIGNALTRUST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Each test gets its own SIGNALTRUST_HOME and no SIGNALTRUST__* overrides from the caller."""
    home = tmp_path / "home"
    monkeypatch.setenv("SIGNALTRUST_HOME", str(home))
    monkeypatch.delenv("SIGNALTRUST_CONFIG", raising=False)
    for key in list(os.environ):
        if key.startswith("SIGNALTRUST__"):
            monkeypatch.delenv(key)
    return home


@pytest.fixture(autouse=True)
def collector_unfrozen():
    """What a command run in this process froze for a long-lived server (``paper``, ``api``:
    signaltrust.core.heap) is handed back to the collector after the test."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()


def _postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of the test PostgreSQL; skipped when unreachable, except in CI where it must exist."""
    if not _postgres_reachable(POSTGRES_URL):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is unreachable at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url):
    """A fresh schema name for one test, dropped afterwards."""
    import psycopg

    name = f"st_test_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
