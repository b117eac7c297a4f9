"""The LLM an agent may ask for reasoning: built from ``[llm]``, guarded, accounted, audited.

Backends: ``none`` (the default: no model, every agent answers from its rules), ``openai``
(any OpenAI-compatible endpoint: ``base_url`` and ``api_key``), ``llamacpp`` and ``ollama``
(their local OpenAI-compatible servers). The model is a pydantic-ai model, so tests pass
pydantic-ai's ``TestModel`` or ``FunctionModel`` instead.

:class:`Reasoner` asks the model for a :class:`~signaltrust.agents.reports.Reasoning` about a
rule report: the answer is validated against that schema (re-asked ``output_retries`` times);
an answer that still breaks it, a timeout, a refused request or a spent quota leave the rule
report standing (``source="fallback"``), recorded in the audit trail with every prompt,
response, tool call and the tokens and cost.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

from signaltrust.agents.accounting import UsageLedger
from signaltrust.agents.audit import AuditTrail
from signaltrust.agents.reports import AgentReport, Reasoning
from signaltrust.core.errors import ValidationError

LOCAL_URLS = {"ollama": "http://127.0.0.1:11434/v1", "llamacpp": "http://127.0.0.1:8080/v1"}
INSTRUCTIONS = (
    "You are {agent}, one of the oversight agents of a trading platform. Your job: {job}. "
    "You are given the rule-based report and may call the tools listed. Answer with your "
    "stance (bullish, bearish or neutral), your confidence in [0, 1], a one-paragraph summary "
    "and up to five short reasons. Never invent numbers: quote the report's."
)


def build_model(llm: Any) -> Any:
    """The pydantic-ai model of an ``[llm]`` section, or None for ``backend = "none"``."""
    if llm.backend == "none":
        return None
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    base_url = llm.base_url or LOCAL_URLS.get(llm.backend)
    key = llm.api_key.get_secret_value() if llm.api_key is not None else None
    if llm.backend == "openai" and not key and not base_url:
        raise ValidationError("the OpenAI backend needs an API key or a base URL",
                              field="llm.api_key", value=None,
                              fix="set [llm] api_key, or base_url for a compatible server")
    client = AsyncOpenAI(base_url=base_url, api_key=key or "not-needed",
                         timeout=llm.timeout_s, max_retries=llm.retries)
    return OpenAIChatModel(llm.model, provider=OpenAIProvider(openai_client=client))


def _on_first_request(sent: threading.Event) -> Any:
    """A pydantic-ai capability that sets ``sent`` before each request to the model."""
    from pydantic_ai.capabilities.hooks import Hooks

    hooks: Any = Hooks()

    @hooks.on.before_model_request
    async def mark(ctx: Any, request_context: Any) -> Any:
        sent.set()
        return request_context

    return hooks


class Reasoner:
    """Asks the model to reason about an agent's rule report, within quotas, on the record."""

    def __init__(self, model: Any, *, ledger: UsageLedger | None = None,
                 trail: AuditTrail | None = None, output_retries: int = 1,
                 timeout_s: float = 20.0, stream: bool = False) -> None:
        self.model = model
        self.ledger = ledger if ledger is not None else UsageLedger()
        self.trail = trail if trail is not None else AuditTrail()
        self.output_retries = output_retries
        self.timeout_s = timeout_s
        self.stream = stream
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()

    @classmethod
    def from_settings(cls, llm: Any, agents: Any, *, trail: AuditTrail | None = None,
                      model: Any = None) -> Reasoner | None:
        """The reasoner of the configuration (None when no LLM is configured and none given)."""
        model = model if model is not None else build_model(llm)
        if model is None:
            return None
        return cls(model, ledger=UsageLedger.from_settings(agents, llm), trail=trail,
                   output_retries=llm.output_retries, timeout_s=llm.timeout_s)

    def _tools(self, agent: str, tools: dict[str, Callable[[], Any]]) -> list[Any]:
        from pydantic_ai import Tool

        def wrap(name: str, fn: Callable[[], Any]) -> Any:
            def call() -> str:
                self.trail.record(agent, "tool_call", {"tool": name})
                out = json.dumps(fn(), default=str)
                self.trail.record(agent, "tool_result", {"tool": name, "result": out[:4000]})
                return out
            return Tool(call, name=name, description=(fn.__doc__ or name).strip())

        return [wrap(name, fn) for name, fn in tools.items()]

    def refine(self, report: AgentReport, *, job: str, prompt: str,
               tools: dict[str, Callable[[], Any]] | None = None,
               sent: threading.Event | None = None) -> AgentReport:
        """``report`` with the model's stance, confidence and reasons (``source="llm"``), or
        ``report`` itself marked ``fallback`` when the model cannot give a valid answer.

        ``sent`` is set when the first question goes to the model (or when there will be
        none): a caller that started this in a thread may wait for it before going on."""
        try:
            return self._refine(report, job=job, prompt=prompt, tools=tools, sent=sent)
        finally:
            if sent is not None:
                sent.set()

    def _refine(self, report: AgentReport, *, job: str, prompt: str,
                tools: dict[str, Callable[[], Any]] | None,
                sent: threading.Event | None) -> AgentReport:
        agent = report.agent
        if not self.ledger.allows(agent):
            self.trail.record(agent, "fallback", {"why": "daily quota spent",
                                                  "usage": self.ledger.today(agent)})
            return report.model_copy(update={"source": "fallback"})
        from pydantic_ai import Agent

        tools = {"rule_report": lambda: report.model_dump(mode="json"), **(tools or {})}
        llm_agent = Agent(self.model, output_type=Reasoning, retries=self.output_retries,
                          instructions=INSTRUCTIONS.format(agent=agent, job=job),
                          tools=self._tools(agent, tools), name=agent,
                          capabilities=[_on_first_request(sent)] if sent is not None else None)
        self.trail.record(agent, "prompt", {"prompt": prompt, "tools": sorted(tools)})
        try:
            result = self._run(llm_agent, prompt)
        except Exception as exc:  # any failure of the model leaves the rule report standing
            self.trail.record(agent, "fallback", {"why": type(exc).__name__,
                                                  "detail": str(exc)[:500]})
            return report.model_copy(update={"source": "fallback"})
        usage = result.usage
        inputs, outputs = int(usage.input_tokens or 0), int(usage.output_tokens or 0)
        spent = self.ledger.add(agent, inputs, outputs, requests=int(usage.requests or 1))
        self.trail.record(agent, "usage", {"input_tokens": inputs, "output_tokens": outputs,
                                           "cost_usd": self.ledger.cost(inputs, outputs),
                                           "today": spent})
        answer: Reasoning = result.output
        self.trail.record(agent, "response", answer.model_dump(mode="json"))
        merged = report.model_dump()
        merged.update(answer.model_dump(), source="llm")
        merged["data"] = {**report.data, "rule_stance": report.stance,
                          "rule_confidence": report.confidence}
        return type(report).model_validate(merged)

    def _run(self, llm_agent: Any, prompt: str) -> Any:
        handler = self._stream_events if self.stream else None
        coro = asyncio.wait_for(llm_agent.run(prompt, event_stream_handler=handler),
                                self.timeout_s)
        return asyncio.run_coroutine_threadsafe(coro, self._event_loop()).result()

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """The reasoner's own event loop, in a daemon thread, made on first use: every call
        runs there, whichever thread asks (a workflow's worker, an async API route), so the
        model's HTTP client keeps its connections between calls and no call pays for a new
        loop."""
        with self._loop_lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="reasoner-loop",
                                 daemon=True).start()
                self._loop = loop
            return self._loop

    async def _stream_events(self, ctx: Any, events: Any) -> None:
        async for _event in events:  # consuming the stream is what streams the request
            pass


__all__ = ["LOCAL_URLS", "Reasoner", "build_model"]
