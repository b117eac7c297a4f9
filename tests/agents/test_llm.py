"""The LLM layer without a network: pydantic-ai's test and function models, and a fake
OpenAI-compatible server on loopback (tool calls, streaming, timeouts)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from pydantic_ai.messages import ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel

from signaltrust.agents.accounting import UsageLedger
from signaltrust.agents.audit import AuditTrail
from signaltrust.agents.llm import Reasoner, build_model
from signaltrust.agents.reports import AgentReport
from signaltrust.core.config import AgentsSettings, LLMSettings
from signaltrust.core.errors import ValidationError
from tests.agents.fake_openai import FakeOpenAI

GOOD = {"stance": "bearish", "confidence": 0.8, "summary": "trend is down",
        "reasons": ["below the 200-day average"]}


def rule_report() -> AgentReport:
    return AgentReport(agent="stock_analyst", stance="bullish", score=0.3, confidence=0.4,
                       summary="rules say up", reasons=["RSI 60"])


def answer_with(args):
    def model(messages, info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, args)])
    return FunctionModel(model)


def test_refine_when_test_model_answers_then_report_is_the_llms_and_every_step_is_audited():
    trail = AuditTrail()
    out = Reasoner(TestModel(), trail=trail).refine(rule_report(), job="view", prompt="why?")
    assert out.source == "llm"
    assert out.data["rule_stance"] == "bullish"
    kinds = [r.kind for r in trail.records()]
    assert kinds[0] == "prompt" and "tool_call" in kinds and "usage" in kinds
    assert kinds[-1] == "response"


def test_refine_when_answer_breaks_the_schema_then_the_rule_report_stands():
    trail = AuditTrail()
    bad = {"stance": "to the moon", "confidence": 3.0, "summary": ""}
    out = Reasoner(answer_with(bad), trail=trail, output_retries=1).refine(
        rule_report(), job="view", prompt="why?")
    assert out.source == "fallback"
    assert (out.stance, out.score, out.confidence) == ("bullish", 0.3, 0.4)
    assert trail.records(kind="fallback")[0].payload["why"] == "UnexpectedModelBehavior"


def test_refine_when_answer_is_valid_then_stance_and_confidence_are_the_llms():
    out = Reasoner(answer_with(GOOD)).refine(rule_report(), job="view", prompt="why?")
    assert (out.stance, out.confidence, out.reasons) == ("bearish", 0.8, GOOD["reasons"])
    assert out.score == 0.3  # numbers stay the rules'


def test_refine_when_daily_token_quota_is_spent_then_model_is_not_asked():
    calls = []

    def model(messages, info):
        calls.append(1)
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, GOOD)])

    ledger = UsageLedger(daily_tokens=100)
    ledger.add("stock_analyst", 90, 20)
    trail = AuditTrail()
    out = Reasoner(FunctionModel(model), ledger=ledger, trail=trail).refine(
        rule_report(), job="view", prompt="why?")
    assert out.source == "fallback" and not calls
    assert trail.records(kind="fallback")[0].payload["why"] == "daily quota spent"


def test_usage_when_priced_then_cost_is_accounted_per_agent_and_day():
    ledger = UsageLedger(input_cost_per_mtok=2.0, output_cost_per_mtok=8.0)
    Reasoner(TestModel(), ledger=ledger).refine(rule_report(), job="view", prompt="why?")
    today = ledger.totals()["stock_analyst"]
    assert today["tokens"] > 0
    assert today["cost_usd"] == pytest.approx(
        (today["input_tokens"] * 2 + today["output_tokens"] * 8) / 1e6, abs=1e-6)


def test_build_model_when_backend_is_none_then_no_model():
    assert build_model(LLMSettings()) is None
    assert Reasoner.from_settings(LLMSettings(), AgentsSettings()) is None


def test_build_model_when_openai_without_key_or_url_then_validation_error():
    with pytest.raises(ValidationError) as err:
        build_model(LLMSettings(backend="openai"))
    assert err.value.field == "llm.api_key"


@pytest.mark.parametrize("stream", [False, True])
def test_fake_server_when_model_calls_a_tool_then_answers_then_report_is_the_llms(stream):
    script = [("tool", "rule_report", {}), ("final", GOOD)]
    with FakeOpenAI(script) as server:
        llm = LLMSettings(backend="openai", base_url=server.url, api_key=SecretStr("k"),
                          model="fake-1", input_cost_per_mtok=1.0)
        reasoner = Reasoner.from_settings(llm, AgentsSettings())
        reasoner.stream = stream
        out = reasoner.refine(rule_report(), job="view", prompt="why?")
    assert out.source == "llm" and out.stance == "bearish"
    assert len(server.requests) == 2
    assert all(r.get("stream", False) == stream for r in server.requests)
    tool_calls = reasoner.trail.records(kind="tool_call")
    assert [r.payload["tool"] for r in tool_calls] == ["rule_report"]
    assert reasoner.ledger.totals()["stock_analyst"]["input_tokens"] == 240


def test_fake_server_when_ollama_backend_then_the_local_url_scheme_is_used():
    with FakeOpenAI([("final", GOOD)]) as server:
        llm = LLMSettings(backend="ollama", base_url=server.url, model="llama3")
        out = Reasoner.from_settings(llm, AgentsSettings()).refine(
            rule_report(), job="view", prompt="why?")
    assert out.source == "llm"
    assert server.requests[0]["model"] == "llama3"


def test_fake_server_when_it_answers_prose_instead_of_the_schema_then_fallback():
    with FakeOpenAI([("text", "I think it goes up, trust me")]) as server:
        llm = LLMSettings(backend="openai", base_url=server.url, api_key=SecretStr("k"),
                          output_retries=1)
        out = Reasoner.from_settings(llm, AgentsSettings()).refine(
            rule_report(), job="view", prompt="why?")
    assert out.source == "fallback" and out.stance == "bullish"


def test_fake_server_when_slower_than_the_timeout_then_fallback():
    with FakeOpenAI([("final", GOOD)], delay_s=1.0) as server:
        llm = LLMSettings(backend="openai", base_url=server.url, api_key=SecretStr("k"),
                          timeout_s=0.2, retries=0)
        reasoner = Reasoner.from_settings(llm, AgentsSettings())
        out = reasoner.refine(rule_report(), job="view", prompt="why?")
    assert out.source == "fallback"
    assert reasoner.trail.records(kind="fallback")


def test_fake_server_when_first_request_fails_then_the_client_retries_and_succeeds():
    with FakeOpenAI([("error", 500), ("final", GOOD)]) as server:
        llm = LLMSettings(backend="openai", base_url=server.url, api_key=SecretStr("k"),
                          retries=1)
        out = Reasoner.from_settings(llm, AgentsSettings()).refine(
            rule_report(), job="view", prompt="why?")
    assert out.source == "llm" and len(server.requests) == 2


def test_fake_server_when_it_keeps_failing_and_no_retries_then_fallback():
    with FakeOpenAI([("error", 500), ("final", GOOD)]) as server:
        llm = LLMSettings(backend="openai", base_url=server.url, api_key=SecretStr("k"),
                          retries=0)
        reasoner = Reasoner.from_settings(llm, AgentsSettings())
        out = reasoner.refine(rule_report(), job="view", prompt="why?")
    assert out.source == "fallback" and len(server.requests) == 1
    why = reasoner.trail.records(kind="fallback")[0].payload
    assert why["why"] != "UnexpectedModelBehavior" and "500" in why["detail"]
