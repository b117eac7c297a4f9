"""Events in a text by rules, and by the configured LLM when there is one.

:func:`signaltrust.text.events.detect_events` finds events with rules (always available). With a
pydantic-ai model (``build_model(settings.llm)``; tests pass ``TestModel`` or ``FunctionModel``),
:class:`EventExtractor` asks the model for the events instead: its answer must name only the
known event types, with a direction in {-1, 0, +1} and the words of the text that say so (a
trigger that is not in the text is refused: the model may not invent). An answer that breaks
the schema, a timeout or an error leaves the rules' answer standing (``source == "rules"``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from signaltrust.text.events import EVENT_TYPES, Event, detect_events

INSTRUCTIONS = (
    "You extract corporate and macro events from one financial text. Event types: "
    + ", ".join(EVENT_TYPES) + ". For each event give its type, its direction for the stock "
    "(1 good, -1 bad, 0 neither) and the exact words of the text that state it. Return no "
    "event rather than a guess."
)


class _LlmEvent(BaseModel):
    type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    direction: Literal[-1, 0, 1]
    trigger: str = Field(min_length=1, max_length=200)


class _LlmEvents(BaseModel):
    events: list[_LlmEvent] = Field(default_factory=list, max_length=len(EVENT_TYPES))


@dataclass(frozen=True)
class ExtractedEvents:
    """The events of a text and who found them (``llm`` or ``rules``; ``fallback`` says why
    the LLM's answer was not used)."""

    events: list[Event]
    source: str
    fallback: str | None = None
    rules: list[Event] = field(default_factory=list)


class EventExtractor:
    """Events by the LLM when ``model`` is given, else (and whenever it fails) by rules."""

    def __init__(self, model: Any = None, *, timeout_s: float = 20.0) -> None:
        self.model = model
        self.timeout_s = timeout_s

    def extract(self, text: str) -> ExtractedEvents:
        rules = detect_events(text)
        if self.model is None:
            return ExtractedEvents(rules, "rules", None, rules)
        try:
            answer = asyncio.run(asyncio.wait_for(self._ask(text), self.timeout_s)) \
                if not _running_loop() else None
        except Exception as exc:  # a schema the model broke, a timeout, a refused request
            return ExtractedEvents(rules, "rules", f"{type(exc).__name__}: {exc}"[:300], rules)
        if answer is None:
            return ExtractedEvents(rules, "rules", "called inside a running event loop", rules)
        low = " ".join(text.lower().split())
        invented = [e.trigger for e in answer.events if " ".join(e.trigger.lower().split())
                    not in low]
        if invented:
            return ExtractedEvents(rules, "rules", f"triggers not in the text: {invented}",
                                   rules)
        seen: dict[str, Event] = {}
        for item in answer.events:
            seen.setdefault(item.type, Event(item.type, int(item.direction), item.trigger))
        return ExtractedEvents(list(seen.values()), "llm", None, rules)

    async def _ask(self, text: str) -> _LlmEvents:
        from pydantic_ai import Agent

        agent = Agent(self.model, output_type=_LlmEvents, instructions=INSTRUCTIONS,
                      retries=1)
        result = await agent.run(text)
        return result.output


def _running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


__all__ = ["EventExtractor", "ExtractedEvents"]
