"""Operations: rate limits (memory and the real Redis), request size, request ids, errors that
name the field, CORS, /ready and /metrics."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import add_users, make_app, sign_in

REDIS = "redis://127.0.0.1:6379/0"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except Exception:
        pytest.skip("Redis unreachable at 127.0.0.1:6379")


@pytest.mark.parametrize("storage", ["memory://", REDIS])
def test_rate_limit_when_a_user_goes_over_then_429_with_retry_after(tmp_path, storage):
    if storage.startswith("redis"):
        _redis_or_skip()
    app = make_app(tmp_path, rate_limit="3/minute", rate_limit_storage=storage)
    add_users(app)
    with TestClient(app) as client:
        token = sign_in(client, "viewer").json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        statuses = [client.get("/api/v1/auth/me", headers=headers).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/api/v1/auth/me", headers=headers)
        assert int(refused.headers["retry-after"]) > 0
        other = sign_in(client, "trader").json()["access_token"]  # counted apart
        assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other}"}
                          ).status_code == 200


def test_rate_limit_when_in_redis_then_two_apps_on_one_database_share_the_count(tmp_path):
    _redis_or_skip()
    apps = [make_app(tmp_path, rate_limit="4/minute", rate_limit_storage=REDIS)
            for _ in range(2)]  # two workers of one installation
    add_users(apps[0])
    token = apps[0].state.access.tokens.issue("viewer", "viewer").access_token
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
        statuses = [c.get("/api/v1/auth/me", headers=headers).status_code
                    for c in (one, two, one, two, one)]
    assert statuses == [200, 200, 200, 200, 429]


def test_rate_limit_when_an_address_goes_over_then_429_before_any_auth(tmp_path):
    app = make_app(tmp_path, address_rate_limit="2/minute")
    with TestClient(app) as client:
        assert [client.get("/api/v1/auth/me").status_code for _ in range(3)] == [401, 401, 429]
        assert client.get("/health").status_code == 200  # probes are never limited


def test_login_rate_when_exceeded_then_429(tmp_path):
    app = make_app(tmp_path, login_rate_limit="2/minute")
    with TestClient(app) as client:
        statuses = [sign_in(client, "nobody", "wrong password!").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def test_request_when_body_is_too_large_then_413_names_the_limit(tmp_path):
    app = make_app(tmp_path, max_request_bytes=2048)
    with TestClient(app) as client:
        answer = client.post("/api/v1/auth/refresh", content=b"x" * 4096,
                             headers={"Content-Type": "application/json"})
        assert answer.status_code == 413
        assert "2048" in answer.json()["message"]

        def chunks():
            yield b'{"refresh_token": "'
            yield b"y" * 4096
            yield b'"}'

        chunked = client.post("/api/v1/auth/refresh", content=chunks(),
                              headers={"Content-Type": "application/json"})
        assert chunked.status_code == 413


def test_request_when_it_has_an_id_then_the_answer_carries_it(client):
    request_id = uuid.uuid4().hex
    answer = client.get("/health", headers={"X-Request-ID": request_id})
    assert answer.headers["x-request-id"] == request_id
    assert len(client.get("/health").headers["x-request-id"]) == 32


def test_request_when_a_field_is_invalid_then_422_names_field_value_and_fix(client, headers):
    answer = client.get("/api/v1/data/bars/sp500?start=2018-13-45", headers=headers["viewer"])
    assert answer.status_code == 422
    body = answer.json()
    assert (body["error"], body["field"], body["value"]) == ("ValidationError", "start",
                                                             "2018-13-45")
    assert body["fix"]


def test_cors_when_origin_is_listed_then_allowed_and_otherwise_not(tmp_path):
    app = make_app(tmp_path, cors_origins=["https://desk.example"])
    with TestClient(app) as client:
        ok = client.options("/api/v1/auth/me", headers={
            "Origin": "https://desk.example", "Access-Control-Request-Method": "GET"})
        assert ok.headers["access-control-allow-origin"] == "https://desk.example"
        other = client.options("/api/v1/auth/me", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in other.headers


def test_ready_when_database_and_limits_answer_then_200(client):
    assert client.get("/ready").json() == {"status": "ready",
                                           "checks": {"database": "ok", "rate_limits": "ok"}}


def test_ready_when_the_database_is_gone_then_503(app, client):
    app.state.database.engine.dispose()
    with app.state.database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE alembic_version")
    answer = client.get("/ready")
    assert answer.status_code == 503 and answer.json()["checks"]["database"] != "ok"


def test_metrics_when_requests_were_answered_then_latency_histogram_by_route(client, headers):
    client.get("/api/v1/auth/me", headers=headers["viewer"])
    text = client.get("/metrics", headers=headers["viewer"]).text
    assert 'signaltrust_api_request_seconds_count{method="GET",route="/api/v1/auth/me"}' in text
    for name in ("signaltrust_orders_total", "signaltrust_fills_total",
                 "signaltrust_rejections_total", "signaltrust_reconciliation_differences_total",
                 "signaltrust_ws_clients", "signaltrust_jobs"):
        assert name in text


def test_openapi_when_read_then_schemas_carry_examples(client):
    document = client.get("/openapi.json").json()
    token = document["components"]["schemas"]["TokenAnswer"]["properties"]["expires_in"]
    assert token["examples"] == [900]
