"""GET /api/v1/signals/{symbol} through the app: roles, the explained answer, errors."""

from __future__ import annotations

import pytest

from signaltrust.api.services.signals import SignalService


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return tmp_path_factory.mktemp("signals_api")


@pytest.fixture
def signals(app, registry):
    app.state.signals = SignalService(tracking_uri=f"sqlite:///{registry / 'mlflow.db'}",
                                      lock_dir=registry / "locks")
    return app.state.signals


@pytest.mark.slow
def test_signal_when_viewer_asks_a_fresh_install_then_trained_answer_then_cached(
        client, headers, signals):
    first = client.get("/api/v1/signals/sp500", headers=headers["viewer"])
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["symbol"] == "sp500" and body["trained"] is True
    assert 0.0 <= body["score"] <= 1.0
    assert body["explanation"]["contributions"] and body["explanation"]["sentences"]
    assert body["regime"]["label"] in body["regime"]["probabilities"]
    assert body["model_version"]["name"] == "signal_sp500"
    again = client.get("/api/v1/signals/sp500", headers=headers["viewer"])
    assert again.json() == body and signals.computed == 1


@pytest.mark.slow
def test_signal_when_computed_then_logged_once_per_bar_for_the_learning_loop(
        app, client, headers, signals):
    from signaltrust.api.services.state import PredictionLog
    from signaltrust.research.learning.signal_log import SignalLog

    signals.listeners.append(PredictionLog(app.state.database))
    body = client.get("/api/v1/signals/goog", headers=headers["viewer"]).json()
    client.get("/api/v1/signals/goog", headers=headers["viewer"])  # cached: not logged again
    logged = SignalLog(app.state.database).frame(symbol="goog")
    assert len(logged) == 1
    row = logged.iloc[0]
    assert row["score"] == pytest.approx(body["score"])
    assert row["model"] == "signal_goog" and row["decision"] == body["direction"]


def test_signal_when_anonymous_then_401(client, signals):
    answer = client.get("/api/v1/signals/sp500")
    assert answer.status_code == 401
    assert signals.computed == 0


@pytest.mark.parametrize(("symbol", "status", "field"), [
    ("vix", 400, "data"),
    ("nothing_here", 404, "data"),
    ("prices.csv", 400, "data"),
    ("..%2Fetc%2Fpasswd", 404, None),
])
def test_signal_when_symbol_is_not_a_bar_series_then_error_names_it(client, headers, signals,
                                                                    symbol, status, field):
    answer = client.get(f"/api/v1/signals/{symbol}", headers=headers["viewer"])
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field
    assert signals.computed == 0
