"""The coordinator runs a workflow of agents and resolves their conflicts; the supervisor
watches each run (health, failures, quotas) and falls back to rules.

Workflow: each agent's rule report (:meth:`Agent.assess`); when a reasoner (an LLM) is
configured and the agent's quota allows, its reasoning over that report; the report goes to
the workflow memory, the long-term memory and the audit trail. An agent that raises is
replaced by a neutral ``fallback`` report saying why, and the workflow goes on.

Conflict resolution: the consensus score is the confidence-weighted mean of the directional
agents' scores; when agents with confidence >= ``conflict_confidence`` disagree in sign, the
conflict is named and the consensus confidence halved.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from signaltrust.agents.audit import AuditTrail
from signaltrust.agents.base import Agent
from signaltrust.agents.memory import LongTermMemory, WorkflowMemory
from signaltrust.agents.reports import AgentReport, stance_of

#: agents whose score is a view of the market's direction
DIRECTIONAL = ("stock_analyst", "crypto_analyst", "market_analyst", "news_sentiment",
               "social_sentiment", "macro", "whale_watcher")


@dataclass
class Supervisor:
    """Runs agents safely: times them, counts failures and fallbacks, enforces quotas."""

    trail: AuditTrail = field(default_factory=AuditTrail)
    reasoner: Any = None
    health: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self, agent: Agent, inputs: Any, *, workflow: str = "default") -> AgentReport:
        started = time.perf_counter()
        stats = self.health.setdefault(agent.name, {"runs": 0, "failures": 0, "fallbacks": 0,
                                                    "llm": 0, "last_ms": None,
                                                    "last_error": None})
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
        else:
            if self.reasoner is not None:
                report = self.reasoner.refine(report, job=agent.spec.job,
                                              prompt=agent.prompt(inputs, report),
                                              tools=agent.tools(inputs))
                stats["llm" if report.source == "llm" else "fallbacks"] += 1
        stats["last_ms"] = round(1000 * (time.perf_counter() - started), 3)
        return report

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

    def run(self, inputs_for: Callable[[Agent, WorkflowMemory], Any], *,
            workflow: str = "default", symbol: str = "") -> WorkflowResult:
        """Run every agent on ``inputs_for(agent, memory)``; resolve; record the decision."""
        memory = WorkflowMemory(workflow)
        for agent in self.agents:
            report = self.supervisor.run(agent, inputs_for(agent, memory), workflow=workflow)
            memory.add(report)
            if self.memory is not None and report.source != "fallback":
                self.memory.remember_report(report, symbol)
        score, confidence, conflicts = resolve(memory.reports)
        self.trail.record("coordinator", "decision", {
            "symbol": symbol, "consensus": score, "confidence": confidence,
            "conflicts": conflicts,
            "views": {r.agent: [r.stance, r.score, r.confidence, r.source]
                      for r in memory.reports}}, workflow=workflow)
        return WorkflowResult(workflow, memory.reports, score, confidence, conflicts)


__all__ = ["DIRECTIONAL", "Coordinator", "Supervisor", "WorkflowResult", "resolve"]
