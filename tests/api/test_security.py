"""Tokens, refresh rotation and revocation, API key scopes, the lock-out, and the refusal to
listen beyond loopback without a strong secret and TLS."""

from __future__ import annotations

import time

import jwt
import pytest

from signaltrust.api.settings import check_bind, signing_secret
from signaltrust.api.users import AccountLocked, LoginRefused
from signaltrust.core.config import load_settings
from signaltrust.core.errors import ConfigError
from tests.api.conftest import PASSWORD, make_app, sign_in

STRONG = "k3Y-9fQ2_zR7mW4pL8xN1vB6cT0hJ5sD-aE"


def test_access_token_when_expired_then_401_says_refresh(app, client):
    token = app.state.access.tokens.access_token("viewer", "viewer", now=time.time() - 3600)
    answer = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert "expired" in answer.json()["message"] and "refresh" in answer.json()["fix"]


def test_access_token_when_accepted_once_then_still_refused_from_its_expiry(app, client):
    issuer = app.state.access.tokens
    token = issuer.access_token("viewer", "viewer", now=time.time() - issuer.access_s + 1.5)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200  # remembered
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    time.sleep(2.0)
    answer = client.get("/api/v1/auth/me", headers=headers)
    assert answer.status_code == 401 and "expired" in answer.json()["message"]


def test_openapi_when_read_then_every_signed_in_operation_names_both_ways_to_sign_in(client):
    document = client.get("/openapi.json").json()
    assert set(document["components"]["securitySchemes"]) == {"OAuth2PasswordBearer",
                                                              "APIKeyHeader"}
    assert document["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    operations = [op for path in document["paths"].values() for op in path.values()]
    for op in operations:
        signed_in = op["x-min-role"] != "public"
        assert (op.get("security") == [{"OAuth2PasswordBearer": []}, {"APIKeyHeader": []}]) \
            == signed_in, op["operationId"]


def test_bearer_when_scheme_in_any_case_then_accepted_and_other_schemes_refused(client, tokens):
    token = tokens.access["viewer"]
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"bearer {token}"}
                      ).status_code == 200
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Basic {token}"}
                      ).status_code == 401


def test_access_token_when_signed_with_another_secret_then_401(client):
    forged = jwt.encode({"sub": "viewer", "role": "admin", "iat": int(time.time()),
                         "exp": int(time.time()) + 60, "iss": "signaltrust", "typ": "access"},
                        "another secret, long enough for HS256 keys", algorithm="HS256")
    assert client.get("/api/v1/audit", headers={"Authorization": f"Bearer {forged}"}
                      ).status_code == 401


def test_access_token_when_issued_then_lives_fifteen_minutes(tokens):
    claims = jwt.decode(tokens.access["viewer"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60 and claims["role"] == "viewer"


def test_refresh_when_used_then_new_pair_and_old_token_is_spent(client, tokens):
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens.refresh["trader"]})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != tokens.refresh["trader"]
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    me = client.get("/api/v1/auth/me", headers=bearer)
    assert me.json()["name"] == "trader"
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens.refresh["trader"]})
    assert again.status_code == 401


def test_refresh_when_a_spent_token_is_replayed_then_the_whole_family_is_revoked(client, tokens):
    newer = client.post("/api/v1/auth/refresh",
                        json={"refresh_token": tokens.refresh["trader"]}).json()["refresh_token"]
    client.post("/api/v1/auth/refresh", json={"refresh_token": tokens.refresh["trader"]})
    answer = client.post("/api/v1/auth/refresh", json={"refresh_token": newer})
    assert answer.status_code == 401 and "revoked" in answer.json()["message"]


def test_logout_when_done_then_refresh_token_is_refused(client, tokens):
    assert client.post("/api/v1/auth/logout",
                       json={"refresh_token": tokens.refresh["viewer"]}).status_code == 204
    answer = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens.refresh["viewer"]})
    assert answer.status_code == 401


def test_login_when_password_wrong_then_401_without_saying_which(client):
    answer = sign_in(client, "viewer", "wrong password!")
    assert answer.status_code == 401
    unknown = sign_in(client, "nobody", "wrong password!")
    assert answer.json()["message"] == unknown.json()["message"]


def test_login_when_failed_five_times_then_locked_even_with_the_right_password(client):
    for _ in range(4):
        assert sign_in(client, "trader", "wrong password!").status_code == 401
    locked = sign_in(client, "trader", "wrong password!")
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert sign_in(client, "trader", PASSWORD).status_code == 429
    assert sign_in(client, "viewer", PASSWORD).status_code == 200


def test_login_when_the_lock_has_passed_then_the_right_password_works(app):
    users = app.state.access.users
    for _ in range(2):
        with pytest.raises((LoginRefused, AccountLocked)):
            users.authenticate("admin", "wrong password!", max_failures=2, lock_s=0.05)
    time.sleep(0.1)
    assert users.authenticate("admin", PASSWORD, max_failures=2).name == "admin"


def _key(client, headers, role="viewer", scopes=("data",)):
    answer = client.post("/api/v1/auth/keys", headers=headers,
                         json={"name": "bot", "role": role, "scopes": list(scopes)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_api_key_when_in_scope_then_allowed_and_out_of_scope_then_403(client, headers):
    key = _key(client, headers["trader"])["key"]
    assert client.get("/api/v1/data/datasets", headers={"X-API-Key": key}).status_code == 200
    refused = client.get("/api/v1/strategies", headers={"X-API-Key": key})
    assert refused.status_code == 403 and refused.json()["field"] == "scopes"


def test_api_key_when_role_above_its_owner_then_refused(client, headers):
    answer = client.post("/api/v1/auth/keys", headers=headers["trader"],
                         json={"name": "bot", "role": "admin", "scopes": ["*"]})
    assert answer.status_code == 400 and answer.json()["field"] == "role"


def test_api_key_when_revoked_then_401(client, headers):
    created = _key(client, headers["viewer"], scopes=["*"])
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": created["key"]}).status_code == 200
    assert client.delete(f"/api/v1/auth/keys/{created['id']}",
                         headers=headers["viewer"]).status_code == 200
    assert client.get("/api/v1/auth/me", headers={"X-API-Key": created["key"]}).status_code == 401


def test_api_key_when_stored_then_only_its_hash_is_kept(app, client, headers):
    created = _key(client, headers["viewer"])
    with app.state.database.engine.connect() as connection:
        dump = " ".join(str(v) for row in connection.exec_driver_sql("SELECT * FROM api_keys")
                        for v in row)
    assert created["key"].split("_", 2)[2] not in dump


def test_api_key_when_sent_as_bearer_then_accepted_like_prometheus_does(client, headers):
    key = _key(client, headers["viewer"], scopes=["*"])["key"]
    assert client.get("/metrics", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_key_creation_when_called_with_a_key_then_refused(client, headers):
    key = _key(client, headers["admin"], role="admin", scopes=["*"])["key"]
    answer = client.post("/api/v1/auth/keys", headers={"X-API-Key": key},
                         json={"name": "child", "role": "viewer", "scopes": ["*"]})
    assert answer.status_code == 403


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "api.example.com"])
def test_bind_when_beyond_loopback_without_secret_then_refused_naming_the_setting(host):
    with pytest.raises(ConfigError) as caught:
        check_bind(load_settings().api, host)
    assert caught.value.field == "api.secret_key"


def test_bind_when_secret_is_weak_then_refused():
    settings = load_settings(api={"secret_key": "changeme"})
    with pytest.raises(ConfigError, match="strong secret"):
        check_bind(settings.api, "0.0.0.0")


def test_bind_when_strong_secret_but_no_tls_then_refused_naming_tls(tmp_path):
    settings = load_settings(api={"secret_key": STRONG})
    with pytest.raises(ConfigError) as caught:
        check_bind(settings.api, "0.0.0.0")
    assert caught.value.field == "api.tls_certfile"


def test_bind_when_strong_secret_and_tls_then_allowed(tmp_path):
    (tmp_path / "cert.pem").write_text("x")
    (tmp_path / "key.pem").write_text("x")
    settings = load_settings(api={"secret_key": STRONG, "tls_certfile": tmp_path / "cert.pem",
                                  "tls_keyfile": tmp_path / "key.pem"})
    check_bind(settings.api, "0.0.0.0")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.5"])
def test_bind_when_loopback_then_allowed_without_secret(host):
    check_bind(load_settings().api, host)


def test_signing_secret_when_unset_then_one_is_kept_under_home_for_every_worker(tmp_path):
    api = load_settings().api
    first = signing_secret(api, tmp_path)
    assert first == signing_secret(api, tmp_path) and len(first) >= 32
    assert (tmp_path / "api_secret.key").stat().st_mode & 0o077 == 0


def test_tokens_when_app_restarts_then_still_valid(tmp_path):
    one = make_app(tmp_path)
    one.state.access.users.add("ada", "viewer", PASSWORD)
    token = one.state.access.tokens.issue("ada", "viewer").access_token
    two = make_app(tmp_path)
    assert two.state.access.tokens.check_access(token).name == "ada"


def test_api_key_when_scoped_to_a_group_the_app_lacks_then_400_lists_the_groups(client, headers):
    answer = client.post("/api/v1/auth/keys", headers=headers["viewer"],
                         json={"name": "bot", "role": "viewer", "scopes": ["dataz"]})
    assert answer.status_code == 400
    assert answer.json()["field"] == "scopes" and "data" in answer.json()["fix"]


def test_route_groups_when_read_then_every_mounted_group_but_auth(app):
    from signaltrust.api.app import route_groups
    from signaltrust.api.security import route_group, route_roles

    mounted = {route_group(r.path) for r in route_roles(app)} - {None, "auth"}
    assert mounted <= set(route_groups())  # and WebSocket groups, which route_roles skips
    assert "auth" not in route_groups()


def test_access_token_when_its_user_is_removed_then_refused_within_the_check_interval(
        app, client, tokens):
    app.state.access.user_check_s = 0.0
    app.state.access.users.remove("viewer")
    answer = client.get("/api/v1/auth/me", headers=tokens.headers("viewer"))
    assert answer.status_code == 401 and "no longer exists" in answer.json()["message"]


def test_access_token_when_its_user_is_demoted_then_the_new_role_counts(app, client, tokens):
    app.state.access.user_check_s = 0.0
    assert client.get("/api/v1/audit", headers=tokens.headers("admin")).status_code == 200
    app.state.access.users.set_role("admin", "viewer")
    assert client.get("/api/v1/audit", headers=tokens.headers("admin")).status_code == 403


def test_role_when_lowered_then_keys_above_it_are_revoked(app):
    users, keys = app.state.access.users, app.state.access.keys
    high, _ = keys.create("high", owner="trader", role="trader")
    low, _ = keys.create("low", owner="trader", role="viewer")
    users.set_role("trader", "viewer")
    assert [k.id for k in keys.list("trader")] == [low.id]


def test_sign_in_when_old_refresh_tokens_expired_then_they_are_deleted(app):
    from sqlalchemy import func, select

    from signaltrust.storage.api_tables import refresh_tokens

    tokens = app.state.access.tokens
    tokens.refresh_s = -1  # born expired
    tokens.issue("viewer", "viewer")
    tokens.refresh_s = 3600
    tokens.issue("viewer", "viewer")
    with app.state.database.engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(refresh_tokens).where(
            refresh_tokens.c.user == "viewer")).scalar()
    assert count == 1
