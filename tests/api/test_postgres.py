"""The API on PostgreSQL: users, tokens, keys and the audit log in a schema of their own."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from signaltrust.api.app import create_app
from signaltrust.api.users import fast_password_hash
from signaltrust.core.config import load_settings
from signaltrust.storage import Database
from tests.api.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.postgres


def test_api_when_on_postgres_then_sign_in_refresh_keys_and_audit_work(postgres_url,
                                                                       postgres_schema):
    database = Database(postgres_url.replace("postgresql://", "postgresql+psycopg://"),
                        schema=postgres_schema)
    app = create_app(load_settings(), database=database, password_hash=fast_password_hash())
    try:
        app.state.access.users.add("ada", "admin", PASSWORD)
        with TestClient(app) as client:
            tokens = sign_in(client, "ada").json()
            renewed = client.post("/api/v1/auth/refresh",
                                  json={"refresh_token": tokens["refresh_token"]})
            assert renewed.status_code == 200
            headers = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
            key = client.post("/api/v1/auth/keys", headers=headers,
                              json={"name": "bot", "role": "viewer", "scopes": ["risk"]}).json()
            assert client.get("/api/v1/risk/limits",
                              headers={"X-API-Key": key["key"]}).status_code == 200
            client.post("/api/v1/risk/kill-switch", headers=headers,
                        json={"on": True, "reason": "drill"})
            verified = client.get("/api/v1/audit/verify", headers=headers).json()
            assert verified["ok"] and verified["entries"] == 2  # the key and the switch
            assert client.get("/ready").status_code == 200
    finally:
        database.dispose()
