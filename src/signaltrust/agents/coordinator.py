"""The coordinator runs a workflow of agents and resolves their conflicts; the supervisor
watches each run (health, failures, quotas) and falls back to rules.

Workflow: each agent's rule report (:meth:`Agent.assess`), in order; when a reasoner (an LLM)
is configured and the agent's quota allows, its reasoning over that report, asked in worker
threads while the workflow goes on (:meth:`Coordinator.start`); the reports go to the workflow
memory, the long-term memory and the audit trail. An agent that raises is
replaced by a neutral ``fallback`` report saying why, and the workflow goes on.

Conflict resolution: the consensus score is the confidence-weighted mean of the directional
agents' scores; when agents with confidence >= ``conflict_confidence`` disagree in sign, the
conflict is named and the consensus confidence halved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from signaltrust.agents.audit import AuditTrail
from signaltrust.agents.base import Agent
from signaltrust.agents.memory import LongTermMemory, WorkflowMemory
from signaltrust.agents.reports import AgentReport, stance_of

#: how long the workflow waits for an LLM's question to go out before its next agent
SEND_WAIT_S = 0.5
#: agents whose score is a view of the market's direction
DIRECTIONAL = ("stock_analyst", "crypto_analyst", "market_analyst", "news_sentiment",
               "social_sentiment", "macro", "whale_watcher")


@dataclass
class Supervisor:
    """Runs agents safely: times them, counts failures and fallbacks, enforces quotas."""

    trail: AuditTrail = field(default_factory=AuditTrail)
    reasoner: Any = None
    health: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _stats(self, name: str) -> dict[str, Any]:
        return self.health.setdefault(name, {"runs": 0, "failures": 0, "fallbacks": 0,
                                             "llm": 0, "last_ms": None, "last_error": None})

    def assess(self, agent: Agent, inputs: Any, *, workflow: str = "default") -> AgentReport:
        """The agent's rule report; a neutral ``fallback`` report saying why when it fails."""
        started = time.perf_counter()
        stats = self._stats(agent.name)
        stats["runs"] += 1
        try:
            report = agent.assess(inputs)
        except Exception as exc:  # one agent's failure must not stop the workflow
            stats["failures"] += 1
            stats["last_error"] = f"{type(exc).__name__}: {exc}"[:300]
            self.trail.record(agent.name, "error", {"error": stats["last_error"]},
                              workflow=workflow)
            report = AgentReport(agent=agent.name, source="fallback",
                                 summary=f"failed ({type(exc).__name__}); left out",
                                 reasons=[stats["last_error"]])
        stats["last_ms"] = round(1000 * (time.perf_counter() - started), 3)
        return report

    def wants_llm(self, agent: Agent, report: AgentReport,
                  llm_agents: set[str] | None = None) -> bool:
        return (self.reasoner is not None and report.source == "rules"
                and (llm_agents is None or agent.name in llm_agents))

    def refine(self, agent: Agent, inputs: Any, report: AgentReport,
               sent: threading.Event | None = None) -> AgentReport:
        """The LLM's reasoning over the rule report (the rule report when it fails); ``sent``
        is set once the question has gone to the model."""
        started = time.perf_counter()
        refined = self.reasoner.refine(report, job=agent.spec.job,
                                       prompt=agent.prompt(inputs, report),
                                       tools=agent.tools(inputs), sent=sent)
        stats = self._stats(agent.name)
        stats["llm" if refined.source == "llm" else "fallbacks"] += 1
        stats["last_llm_ms"] = round(1000 * (time.perf_counter() - started), 3)
        return refined

    def run(self, agent: Agent, inputs: Any, *, workflow: str = "default") -> AgentReport:
        """Rules, then the LLM's reasoning when one is configured."""
        report = self.assess(agent, inputs, workflow=workflow)
        return self.refine(agent, inputs, report) if self.wants_llm(agent, report) else report

    def status(self) -> dict[str, Any]:
        """Each agent's health and, with an LLM, its usage today."""
        quotas = self.reasoner.ledger.totals() if self.reasoner is not None else {}
        return {"agents": self.health, "usage_today": quotas}


@dataclass
class WorkflowResult:
    workflow: str
    reports: list[AgentReport]
    consensus: float
    confidence: float
    conflicts: list[str]

    def views(self) -> dict[str, dict[str, Any]]:
        """Each agent's view, keyed by agent (what ``--json`` shows)."""
        return {r.agent: r.model_dump(mode="json", exclude={"data"}) for r in self.reports}

    def __plain__(self) -> dict[str, Any]:
        return {"workflow": self.workflow, "consensus": self.consensus,
                "confidence": self.confidence, "conflicts": self.conflicts,
                "agents": self.views()}


def resolve(reports: Sequence[AgentReport],
            conflict_confidence: float = 0.3) -> tuple[float, float, list[str]]:
    """(consensus score, its confidence, the conflicts) of the directional reports."""
    views = [r for r in reports if r.agent in DIRECTIONAL and r.source != "fallback"]
    weight = sum(r.confidence for r in views)
    if weight <= 0:
        return 0.0, 0.0, []
    score = sum(r.score * r.confidence for r in views) / weight
    sure = [r for r in views if r.confidence >= conflict_confidence and r.stance != "neutral"]
    bulls = [r.agent for r in sure if r.stance == "bullish"]
    bears = [r.agent for r in sure if r.stance == "bearish"]
    conflicts = [f"{', '.join(bulls)} bullish against {', '.join(bears)} bearish"] \
        if bulls and bears else []
    agree = sum(r.confidence for r in views if stance_of(r.score) == stance_of(score)) / weight
    confidence = agree * min(1.0, weight / len(views)) * (0.5 if conflicts else 1.0)
    return float(score), float(round(confidence, 4)), conflicts


class Coordinator:
    """Runs agents in order on their inputs, remembers, resolves and records the decision."""

    def __init__(self, agents: Sequence[Agent], *, supervisor: Supervisor | None = None,
                 memory: LongTermMemory | None = None) -> None:
        self.agents = list(agents)
        self.supervisor = supervisor if supervisor is not None else Supervisor()
        self.memory = memory

    @property
    def trail(self) -> AuditTrail:
        return self.supervisor.trail

    def start(self, inputs_for: Callable[[Agent, WorkflowMemory], Any], *,
              workflow: str = "default", symbol: str = "",
              llm_agents: set[str] | None = None) -> PendingWorkflow:
        """Run every agent's rules on ``inputs_for(agent, memory)`` in order, and start the
        LLM's reasoning (``llm_agents``, or all) in worker threads: the caller may work while
        the model answers, then takes :meth:`PendingWorkflow.result`."""
        memory = WorkflowMemory(workflow)
        pending: list[tuple[int, Future[AgentReport]]] = []
        pool: ThreadPoolExecutor | None = None
        for agent in self.agents:
            inputs = inputs_for(agent, memory)
            report = self.supervisor.assess(agent, inputs, workflow=workflow)
            if self.supervisor.wants_llm(agent, report, llm_agents):
                pool = pool or ThreadPoolExecutor(4, thread_name_prefix="agent-llm")
                sent = threading.Event()
                pending.append((len(memory.reports), pool.submit(
                    self.supervisor.refine, agent, inputs, report, sent)))
                # the few ms the framework takes to build the question are spent here, alone,
                # rather than at half speed beside the next agents (one GIL): the answer is
                # what the workflow waits for, so its question goes out first
                sent.wait(SEND_WAIT_S)
            memory.add(report)
        return PendingWorkflow(self, memory, symbol, pending, pool)

    def run(self, inputs_for: Callable[[Agent, WorkflowMemory], Any], *,
            workflow: str = "default", symbol: str = "",
            llm_agents: set[str] | None = None) -> WorkflowResult:
        """Run every agent on ``inputs_for(agent, memory)``; resolve; record the decision."""
        return self.start(inputs_for, workflow=workflow, symbol=symbol,
                          llm_agents=llm_agents).result()

    def finish(self, memory: WorkflowMemory, symbol: str) -> WorkflowResult:
        if self.memory is not None:
            self.memory.remember_reports(
                [r for r in memory.reports if r.source != "fallback"], symbol)
        score, confidence, conflicts = resolve(memory.reports)
        self.trail.record("coordinator", "decision", {
            "symbol": symbol, "consensus": score, "confidence": confidence,
            "conflicts": conflicts,
            "views": {r.agent: [r.stance, r.score, r.confidence, r.source]
                      for r in memory.reports}}, workflow=memory.workflow)
        return WorkflowResult(memory.workflow, memory.reports, score, confidence, conflicts)


@dataclass
class PendingWorkflow:
    """A workflow whose rule reports are in and whose LLM reasoning may still be running."""

    coordinator: Coordinator
    memory: WorkflowMemory
    symbol: str
    pending: list[tuple[int, Future[AgentReport]]]
    pool: ThreadPoolExecutor | None

    def result(self) -> WorkflowResult:
        """Wait for the LLM's answers (each falls back to its rules on failure), resolve."""
        try:
            for index, future in self.pending:
                self.memory.reports[index] = future.result()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
        return self.coordinator.finish(self.memory, self.symbol)


__all__ = ["DIRECTIONAL", "SEND_WAIT_S", "Coordinator", "PendingWorkflow", "Supervisor",
           "WorkflowResult", "resolve"]
