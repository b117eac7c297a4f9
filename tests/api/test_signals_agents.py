"""GET /api/v1/signals/{symbol} runs the agents' workflow on the registered champion's view: each
agent's view, the breakout score, related documents, and the score blended with an LLM's
confidence when ``[llm]`` configures one (a fake OpenAI-compatible server on loopback)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from signaltrust.agents.audit import AuditTrail
from signaltrust.api.app import create_app
from signaltrust.api.services.signals import SignalService
from signaltrust.api.services.state import signal_engine_of
from signaltrust.api.users import fast_password_hash
from signaltrust.core.config import LLMSettings, load_settings
from signaltrust.storage import Database
from tests.agents.fake_openai import FakeOpenAI
from tests.api.conftest import add_users, sign_in

BULLISH = {"stance": "bullish", "confidence": 0.8, "summary": "uptrend resumes",
           "reasons": ["momentum"]}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    return tmp_path_factory.mktemp("signals_agents")


def _ask(tmp_path, registry, settings, symbol="sp500"):
    """The viewer's answer for ``symbol`` from an app on ``settings`` (asked twice: the second
    is the cached answer) and the app database's audit trail; the app's signal service keeps its
    models under ``registry`` and runs the engine the app builds from its settings."""
    app = create_app(settings, database=Database(f"sqlite:///{tmp_path / 'api.db'}"),
                     password_hash=fast_password_hash())
    add_users(app)
    app.state.signals = SignalService(tracking_uri=f"sqlite:///{registry / 'mlflow.db'}",
                                      lock_dir=registry / "locks",
                                      engine=signal_engine_of(app))
    try:
        with TestClient(app) as client:
            token = sign_in(client, "viewer").json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            first = client.get(f"/api/v1/signals/{symbol}", headers=headers)
            again = client.get(f"/api/v1/signals/{symbol}", headers=headers)
        assert first.status_code == 200, first.text
        assert again.json() == first.json() and app.state.signals.computed == 1
        return first.json(), AuditTrail(app.state.database).records()
    finally:
        app.state.database.dispose()


@pytest.mark.slow
def test_signal_when_no_llm_then_agents_views_breakout_and_score_is_the_probability(
        tmp_path, registry):
    body, _ = _ask(tmp_path, registry, load_settings())
    assert body["llm_confidence"] is None
    assert body["score"] == body["ml_probability"]
    assert body["blend"] == {"probability": 0.6, "llm": 0.0}
    agents = body["agents"]
    assert {"stock_analyst", "macro", "risk_manager", "compliance", "explainer"} <= set(agents)
    assert all(view["source"] == "rules" for view in agents.values())
    # the analyst read the champion's probability, not a model of its own
    assert any(f"{round(100 * body['ml_probability'])}% chance of a rise" in reason
               for reason in agents["stock_analyst"]["reasons"])
    breakout = body["breakout_score"]
    assert set(breakout["components"]) == {"momentum", "onchain", "sentiment", "macro", "news"}
    assert breakout["components"]["momentum"] is not None
    assert breakout["components"]["onchain"] is None  # an index has no chain
    assert isinstance(body["related_docs"], list)
    assert body["explanation"]["summary"].startswith("sp500: score")
    assert body["model_version"]["name"] == "signal_sp500"  # the fields it had are kept


@pytest.mark.slow
def test_signal_when_an_llm_is_configured_then_score_is_the_blend_and_llm_confidence_is_set(
        tmp_path, registry):
    with FakeOpenAI([("final", BULLISH)]) as server:
        llm = LLMSettings(backend="openai", base_url=server.url, api_key=SecretStr("k"),
                          model="fake-1")
        body, trail = _ask(tmp_path, registry, load_settings(llm=llm))
        assert server.requests  # the analyst asked the LLM
    assert body["llm_confidence"] == pytest.approx(0.9)
    assert body["score"] == pytest.approx(0.6 * body["ml_probability"] + 0.4 * 0.9, abs=1e-5)
    assert body["blend"] == {"probability": 0.6, "llm": 0.4}
    assert body["confidence"] == pytest.approx(abs(2 * body["score"] - 1))
    assert body["direction"] == ("long" if body["score"] > 0.5 else "flat")
    assert body["agents"]["stock_analyst"]["source"] == "llm"
    assert body["agents"]["macro"]["source"] == "rules"  # only the analyst asks the LLM
    # the app's audit trail (its database) holds the LLM's answer and the explainer's decision
    assert any(r.kind == "response" and r.agent == "stock_analyst" for r in trail)
    decision = [r for r in trail if r.agent == "explainer" and r.kind == "decision"][-1]
    assert decision.payload["score"] == pytest.approx(body["score"], abs=1e-5)

