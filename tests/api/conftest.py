"""The API under test: an app on a temporary SQLite database, a TestClient, and a signed-in
viewer, trader and admin (users made through the users module, light argon2 parameters)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from signaltrust.api.app import create_app
from signaltrust.api.users import fast_password_hash
from signaltrust.core.config import load_settings
from signaltrust.storage import Database

PASSWORD = "correct horse battery"
ROLE_NAMES = ("viewer", "trader", "admin")


@dataclass(frozen=True)
class Tokens:
    """Access and refresh tokens of the three test users, and their Authorization headers."""

    access: dict[str, str]
    refresh: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access[role]}"}


def make_app(tmp_path, **api):
    """An app on a fresh SQLite file under ``tmp_path`` with ``[api]`` overrides."""
    settings = load_settings(api=api) if api else load_settings()
    database = Database(f"sqlite:///{tmp_path / 'api.db'}")
    return create_app(settings, database=database, password_hash=fast_password_hash())


def add_users(app) -> None:
    for role in ROLE_NAMES:
        app.state.access.users.add(role, role, PASSWORD)


def sign_in(client, name: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": name, "password": password})


@pytest.fixture
def database(tmp_path):
    """A fresh, migrated application database (SQLite) of its own."""
    db = Database(f"sqlite:///{tmp_path / 'app.db'}")
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    add_users(app)
    yield app
    app.state.database.dispose()


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def tokens(client) -> Tokens:
    access, refresh = {}, {}
    for role in ROLE_NAMES:
        answer = sign_in(client, role)
        assert answer.status_code == 200, answer.text
        access[role] = answer.json()["access_token"]
        refresh[role] = answer.json()["refresh_token"]
    return Tokens(access, refresh)


@pytest.fixture
def headers(tokens) -> dict[str, dict[str, str]]:
    """``headers[role]``: the Authorization header of the viewer, trader or admin."""
    return {role: tokens.headers(role) for role in ROLE_NAMES}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_database(request, tmp_path):
    """(in-process Database, the URL a worker process opens): the same installation, on SQLite
    and on the real PostgreSQL (tests/api/test_jobs_worker*.py)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
        database = Database(url)
    else:
        base = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        database = Database(base.replace("postgresql://", "postgresql+psycopg://"),
                            schema=schema)
        url = (base.replace("postgresql://", "postgresql+psycopg://")
               + f"?options=-csearch_path%3D{schema}")
    database.upgrade()
    yield database, url
    database.dispose()


@pytest.fixture
def installation(shared_database, tmp_path, isolated_home):
    """An API with the queue backend on ``shared_database``; its job workers end with the test."""
    from tests.api.job_workers import Installation  # it imports this module's helpers

    database, url = shared_database
    logs = tmp_path / "logs"
    logs.mkdir()
    found = Installation(database, url, isolated_home, logs)
    yield found
    found.close()
