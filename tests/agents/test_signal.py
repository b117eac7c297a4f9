"""The explained signal: its keys with no LLM, the blend with an LLM's confidence, the
fallback when the LLM breaks the schema, as-of discipline, caching, and the CLI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic_ai.messages import ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from typer.testing import CliRunner

from signaltrust.agents.coordinator import Supervisor
from signaltrust.agents.llm import Reasoner
from signaltrust.cli.main import app
from signaltrust.core import to_plain
from signaltrust.data import load
from signaltrust.research.agents.signal import signal_engine

KEYS = {"score", "ml_probability", "confidence", "features", "explanation", "related_docs",
        "breakout_score", "agents", "timestamp"}


@pytest.fixture(scope="module")
def engine():
    return signal_engine()


@pytest.fixture(scope="module")
def sp500_signal(engine):
    return engine.explain("sp500")


@pytest.fixture(scope="module")
def recent():
    return load("sp500").iloc[-1200:]


def llm_answering(args):
    def model(messages, info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, args)])
    return FunctionModel(model)


def test_signal_when_no_llm_then_keys_are_present_and_llm_confidence_is_absent(sp500_signal):
    plain = to_plain(sp500_signal)
    assert set(plain) >= KEYS and "llm_confidence" not in plain
    assert plain["score"] == plain["ml_probability"]
    assert 0 <= plain["confidence"] <= 1
    assert {"stock_analyst", "macro", "risk_manager", "compliance", "explainer"} <= set(
        plain["agents"])
    assert all(v["source"] == "rules" for v in plain["agents"].values())


def test_signal_when_sp500_then_breakout_components_come_from_prices_and_the_vix(sp500_signal):
    breakout = sp500_signal.breakout_score
    assert set(breakout["components"]) == {"momentum", "onchain", "sentiment", "macro", "news"}
    assert breakout["components"]["momentum"] is not None
    assert breakout["components"]["macro"] is not None  # the VIX, bundled to 2019-01-03
    assert breakout["components"]["onchain"] is None  # an index has no chain
    assert 0 <= breakout["score"] <= 1


def test_signal_when_asked_twice_for_the_same_bar_then_the_cached_answer_comes_back(engine,
                                                                                    sp500_signal):
    again = engine.explain("sp500")
    assert again.cached and again.score == sp500_signal.score
    assert again.elapsed_ms < sp500_signal.elapsed_ms


def test_signal_when_as_of_is_in_the_past_then_nothing_after_it_is_used(engine):
    past = engine.explain("sp500", as_of="2015-06-30")
    assert past.timestamp == pd.Timestamp("2015-07-01", tz="UTC")
    model, _ = engine._models["sp500"]
    assert model.train_end_ < pd.Timestamp("2015-06-30", tz="UTC")
    published = [r.split("published ")[1][:10] for r in past.agents["macro"]["reasons"]]
    assert len(published) == 3 and max(published) <= "2015-07-01"


def test_signal_when_llm_answers_then_score_blends_probability_and_llm_confidence(recent):
    answer = {"stance": "bullish", "confidence": 0.8, "summary": "uptrend resumes",
              "reasons": ["momentum"]}
    reasoner = Reasoner(llm_answering(answer))
    engine = signal_engine(supervisor=Supervisor(trail=reasoner.trail, reasoner=reasoner))
    result = engine.explain("sp500", bars=recent)
    assert result.llm_confidence == pytest.approx(0.9)
    assert result.score == pytest.approx(0.6 * result.ml_probability + 0.4 * 0.9, abs=1e-6)
    assert result.agents["stock_analyst"]["source"] == "llm"
    assert result.agents["macro"]["source"] == "rules"  # only the analyst asks the LLM
    assert reasoner.trail.records(kind="response")


def test_signal_when_llm_configured_then_its_question_goes_out_before_shap_and_its_tool_waits(
        recent, monkeypatch):
    """The analyst's question is asked before the SHAP contributions are computed (the slow
    part of the model's view), and its ml_view tool still answers with them."""
    import time

    from signaltrust.agents.model import SignalModel

    events: list[tuple[str, float]] = []
    explain = SignalModel.explain

    def timed_explain(self, rows):
        events.append(("shap", time.perf_counter()))
        return explain(self, rows)

    monkeypatch.setattr(SignalModel, "explain", timed_explain)
    seen: list[dict] = []

    def model(messages, info: AgentInfo) -> ModelResponse:
        returns = [p for m in messages for p in getattr(m, "parts", [])
                   if getattr(p, "part_kind", "") == "tool-return"]
        if not returns:
            events.append(("asked", time.perf_counter()))
            return ModelResponse(parts=[ToolCallPart("ml_view", {})])
        seen.append(json.loads(returns[-1].content))
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {
            "stance": "neutral", "confidence": 0.5, "summary": "mixed", "reasons": []})])

    reasoner = Reasoner(FunctionModel(model))
    record = reasoner.trail.record

    def timed_record(agent, kind, *args, **kwargs):
        if kind == "prompt":
            events.append(("prompt", time.perf_counter()))
        return record(agent, kind, *args, **kwargs)

    monkeypatch.setattr(reasoner.trail, "record", timed_record)
    engine = signal_engine(supervisor=Supervisor(trail=reasoner.trail, reasoner=reasoner))
    engine._model("sp500", recent)  # trained first: training runs SHAP-free
    events.clear()
    result = engine.explain("sp500", bars=recent)
    order = [name for name, _ in sorted(events, key=lambda e: e[1])]
    assert order.index("prompt") < order.index("shap")  # asked first, explained meanwhile
    assert seen and seen[0]["contributions"] == result.model["top_contributions"] != []
    assert result.agents["stock_analyst"]["source"] == "llm"


def test_explain_with_when_the_view_is_pending_then_it_is_explained_after_the_analysts_report(
        engine, recent):
    from signaltrust.agents.base import MLView

    ml = MLView(probability=0.7, model="champion v1").pending()
    runs = lambda: engine.supervisor.health.get("stock_analyst", {}).get("runs", 0)  # noqa: E731
    before = runs()
    calls: list[int] = []

    def explain_ml() -> MLView:
        calls.append(runs())
        if ml.is_settled():
            return ml
        ml.settle([{"feature": "rsi_14", "contribution": 0.02}], "RSI(14) raised the score")
        return ml

    result = engine.explain_with("sp500", recent, ml, {"rsi_14": 55.0}, explain_ml=explain_ml)
    assert result.model["top_contributions"] == [{"feature": "rsi_14", "contribution": 0.02}]
    assert "RSI(14) raised the score" in result.explanation
    assert ml.is_settled() and calls[0] == before + 1  # the analyst had its report first


def test_explain_with_when_the_view_is_pending_without_its_explain_call_then_refused(
        engine, recent):
    from signaltrust.agents.base import MLView
    from signaltrust.core.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        engine.explain_with("sp500", recent, MLView(probability=0.6).pending(), {})
    assert caught.value.field == "explain_ml" and "explained_by" in caught.value.fix


def test_ml_view_when_its_explanation_fails_then_it_is_settled_all_the_same():
    from signaltrust.agents.base import MLView

    def broken():
        raise RuntimeError("no SHAP today")

    view = MLView(probability=0.6)
    explain = view.explained_by(broken)
    assert not view.is_settled()
    with pytest.raises(RuntimeError):
        explain()
    assert view.is_settled() and view.contributions == [] and explain() is view


def test_ml_view_when_pending_then_settled_waits_and_a_settled_view_pickles():
    import pickle
    import threading

    from signaltrust.agents.base import MLView

    view = MLView(probability=0.6).pending()
    assert not view.is_settled()
    threading.Timer(0.05, view.settle, ([{"feature": "rsi_14"}], "RSI raised it")).start()
    assert view.settled(timeout=5).sentence == "RSI raised it" and view.is_settled()
    assert pickle.loads(pickle.dumps(view)).contributions == [{"feature": "rsi_14"}]
    assert MLView(probability=0.5).settled(timeout=0).is_settled()


def test_signal_when_llm_breaks_the_schema_then_rule_signal_without_llm_confidence(recent):
    reasoner = Reasoner(llm_answering({"stance": "moon", "confidence": 7}))
    engine = signal_engine(supervisor=Supervisor(trail=reasoner.trail, reasoner=reasoner))
    result = engine.explain("sp500", bars=recent)
    assert result.llm_confidence is None and result.score == result.ml_probability
    assert result.agents["stock_analyst"]["source"] == "fallback"


def test_signal_when_documents_come_after_the_bar_then_they_are_not_read(recent):
    end = recent.index[-1] + pd.Timedelta(days=1)
    documents = pd.DataFrame({
        "first_seen_at": [end - pd.Timedelta(hours=5), end + pd.Timedelta(hours=5)],
        "title": ["Stocks rally as earnings beat estimates", "Stocks crash on fraud probe"],
        "body": ["", ""], "source": ["newswire", "newswire"], "url": ["u1", "u2"],
        "symbols": [("SP500",), ("SP500",)], "content_hash": ["h1", "h2"],
        "published_at": [end - pd.Timedelta(hours=6), end + pd.Timedelta(hours=4)]})
    result = signal_engine(documents=documents).explain("sp500", bars=recent)
    titles = [d["title"] for d in result.related_docs if d["kind"] == "document"]
    assert titles == ["Stocks rally as earnings beat estimates"]
    assert result.agents["news_sentiment"]["stance"] == "bullish"
    assert result.breakout_score["components"]["news"] is not None


def test_cli_signal_when_json_then_the_keys_and_a_nonempty_agents_map():
    out = CliRunner().invoke(app, ["signal", "sp500", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert set(payload) >= KEYS and payload["agents"]
    assert "llm_confidence" not in payload


def test_cli_signal_when_symbol_unknown_then_one_line_error_and_exit_1():
    out = CliRunner().invoke(app, ["signal", "nosuch"])
    assert out.exit_code == 1 and "bundled bar dataset" in out.output


def test_cli_agents_when_listed_then_every_agent_has_a_job_trigger_and_tools():
    out = CliRunner().invoke(app, ["agents", "list", "--json"])
    cards = json.loads(out.stdout)
    names = {c["name"] for c in cards}
    assert {"coordinator", "supervisor", "stock_analyst", "crypto_analyst", "news_sentiment",
            "social_sentiment", "macro", "whale_watcher", "risk_manager", "compliance",
            "portfolio", "explainer"} <= names
    assert all(c["job"] and c["trigger"] for c in cards)


def test_signal_when_the_vix_ended_long_before_the_bar_then_no_stale_macro_component(engine):
    btc = engine.explain("btcusd")  # monthly to 2024-12; the bundled VIX ends 2019-01-03
    assert btc.breakout_score["components"]["macro"] is None
    assert btc.breakout_score["components"]["momentum"] is not None
    assert "crypto_analyst" in btc.agents
