"""Events of a text: by rules without an LLM, by the LLM when one is given (its answer
validated: only known types, triggers quoted from the text), by rules again when it fails."""

from __future__ import annotations

import json

from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from signaltrust.agents.events import EventExtractor

TEXT = "Acme agreed to acquire Widget Corp for $2 billion; the CEO will step down in May."


def _answering(payload: dict) -> FunctionModel:
    def reply(messages, info: AgentInfo) -> ModelResponse:
        tool = info.output_tools[0]
        return ModelResponse(parts=[ToolCallPart(tool.name, json.dumps(payload))])

    return FunctionModel(reply)


def test_events_without_llm_then_the_rules_answer():
    found = EventExtractor().extract(TEXT)
    assert found.source == "rules" and found.fallback is None
    assert {e.type for e in found.events} >= {"mna"}


def test_events_with_llm_when_the_answer_is_valid_then_the_llm_events_are_used():
    model = _answering({"events": [
        {"type": "mna", "direction": 1, "trigger": "agreed to acquire Widget Corp"},
        {"type": "management_change", "direction": 0, "trigger": "the CEO will step down"},
    ]})
    found = EventExtractor(model).extract(TEXT)
    assert found.source == "llm"
    assert [(e.type, e.direction) for e in found.events] == [("mna", 1),
                                                             ("management_change", 0)]


def test_events_with_llm_when_it_invents_a_trigger_then_the_rules_stand():
    model = _answering({"events": [
        {"type": "earnings", "direction": 1, "trigger": "record quarterly profit"}]})
    found = EventExtractor(model).extract(TEXT)
    assert found.source == "rules" and "not in the text" in found.fallback
    assert found.events == found.rules


def test_events_with_llm_when_the_answer_breaks_the_schema_then_the_rules_stand():
    def broken(messages, info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[TextPart("mna!!")])

    found = EventExtractor(FunctionModel(broken)).extract(TEXT)
    assert found.source == "rules" and found.fallback
    assert found.events == found.rules
