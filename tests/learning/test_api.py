"""The learning routes: log and score signals, decisions, drift, job firings, rollback rules."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from signaltrust.api.app import ROUTERS
from tests.api.conftest import add_users, make_app, sign_in

ROUTER = "signaltrust.api.routers.learning"


@pytest.fixture
def client(tmp_path, monkeypatch):
    if ROUTER not in ROUTERS:
        monkeypatch.setattr("signaltrust.api.app.ROUTERS", [*ROUTERS, ROUTER])
    app = make_app(tmp_path)
    add_users(app)
    with TestClient(app) as client:
        client.headers_of = {role: {"Authorization": "Bearer " + sign_in(client, role).json()[
            "access_token"]} for role in ("viewer", "trader", "admin")}
        yield client
    app.state.database.dispose()


SIGNAL = {"symbol": "SPY", "ts": "2018-12-03T21:00:00Z", "model": "signal_spy",
          "model_version": "3", "feature_hash": "abc", "score": 0.7, "decision": "long"}


def test_log_signal_when_trader_posts_then_counted_and_viewer_may_not_post(client):
    h = client.headers_of
    assert client.post("/api/v1/learning/signals", json=SIGNAL, headers=h["viewer"]
                       ).status_code == 403
    answer = client.post("/api/v1/learning/signals", json=SIGNAL, headers=h["trader"])
    assert answer.status_code == 200 and answer.json()["id"] >= 1
    counts = client.get("/api/v1/learning/signals/counts", headers=h["viewer"]).json()
    assert counts == {"signal_spy": {"logged": 1, "matured": 0}}
    scores = client.get("/api/v1/learning/signals/signal_spy/scores", headers=h["viewer"]).json()
    assert scores["n"] == 0


def test_log_signal_when_served_mode_unknown_then_422(client):
    answer = client.post("/api/v1/learning/signals", json={**SIGNAL, "served": "paper"},
                         headers=client.headers_of["trader"])
    assert answer.status_code == 422


def test_drift_when_asked_then_psi_and_ks_per_feature(client):
    answer = client.get("/api/v1/learning/drift?data=sp500&window=60&reference=250",
                        headers=client.headers_of["viewer"])
    assert answer.status_code == 200
    payload = answer.json()
    assert payload["current_rows"] == 60 and payload["columns"][0]["psi"] >= 0


def test_decisions_and_jobs_when_none_yet_then_empty_lists(client):
    h = client.headers_of["viewer"]
    assert client.get("/api/v1/learning/decisions", headers=h).json() == []
    assert client.get("/api/v1/learning/jobs", headers=h).json() == []


def test_rollback_when_trader_asks_then_403(client):
    answer = client.post("/api/v1/learning/models/signal_spy/rollback",
                         json={"reason": "bad week"}, headers=client.headers_of["trader"])
    assert answer.status_code == 403
