"""Oversight agents: each a job, a trigger, typed inputs, a typed report and its tools.

Every agent answers from rules and templates by default; when ``[llm]`` names a backend, a
:class:`Reasoner` (pydantic-ai) adds its reasoning, validated against the report's schema,
within daily quotas, every step in the audit trail. Hard limits and vetoes never depend on it.
The coordinator runs workflows and resolves conflicts, the supervisor watches health, quotas
and failures; :func:`explained_signal` is the explained signal of a symbol. Agents that act on
the trading domain (the compliance veto as a pre-trade check, risk requests through the risk
engine, the portfolio agent) live in :mod:`signaltrust.research.agents`. Names load on first
use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signaltrust.core.lazy import lazy_exports

if TYPE_CHECKING:
    from signaltrust.agents.audit import ApprovalQueue, AuditTrail
    from signaltrust.agents.base import Agent, AgentSpec, MarketInputs
    from signaltrust.agents.compliance import ComplianceOfficer, ComplianceRules
    from signaltrust.agents.coordinator import Coordinator, Supervisor
    from signaltrust.agents.llm import Reasoner, build_model
    from signaltrust.agents.memory import LongTermMemory, WorkflowMemory
    from signaltrust.agents.reports import AgentReport
    from signaltrust.agents.signal import ExplainedSignal, SignalEngine, explained_signal

__all__ = [
    "Agent", "AgentReport", "AgentSpec", "ApprovalQueue", "AuditTrail", "ComplianceOfficer",
    "ComplianceRules", "Coordinator", "ExplainedSignal", "LongTermMemory", "MarketInputs",
    "Reasoner", "SignalEngine", "Supervisor", "WorkflowMemory", "build_model", "catalogue",
    "explained_signal",
]
_WHERE = {
    "Agent": "base", "AgentSpec": "base", "MarketInputs": "base", "AgentReport": "reports",
    "ApprovalQueue": "audit", "AuditTrail": "audit", "ComplianceOfficer": "compliance",
    "ComplianceRules": "compliance", "Coordinator": "coordinator", "Supervisor": "coordinator",
    "Reasoner": "llm", "build_model": "llm", "LongTermMemory": "memory",
    "WorkflowMemory": "memory", "ExplainedSignal": "signal", "SignalEngine": "signal",
    "explained_signal": "signal",
}
__getattr__, __dir__ = lazy_exports(
    globals(), {name: f"signaltrust.agents.{module}:{name}" for name, module in _WHERE.items()})


def catalogue() -> list[dict[str, object]]:
    """Every agent's card (name, job, trigger, inputs, report, tools), rule-based by default."""
    from signaltrust.agents.compliance import ComplianceOfficer
    from signaltrust.agents.explainer import Explainer
    from signaltrust.agents.macro import MacroAgent
    from signaltrust.agents.market import CryptoAnalyst, StockAnalyst
    from signaltrust.agents.news import NewsSentimentAgent, SocialSentimentAgent
    from signaltrust.agents.onchain import WhaleWatcher
    from signaltrust.agents.options import OptionsAgent
    from signaltrust.agents.risk import RiskManager

    cards = [a.spec.__plain__() for a in (StockAnalyst, CryptoAnalyst, NewsSentimentAgent,
                                          SocialSentimentAgent, MacroAgent, OptionsAgent,
                                          WhaleWatcher, RiskManager, ComplianceOfficer,
                                          Explainer)]
    cards.append({"name": "portfolio", "job": "target weights with the optimisers and Kelly "
                  "sizing", "trigger": "on rebalance (daily)", "inputs": "PortfolioInputs",
                  "report": "PortfolioReport", "tools": ["optimiser_weights"],
                  "module": "signaltrust.research.agents.portfolio"})
    cards += [{"name": "coordinator", "job": "runs workflows, resolves conflicts",
               "trigger": "per workflow", "inputs": "agents and their inputs",
               "report": "WorkflowResult", "tools": []},
              {"name": "supervisor", "job": "health, quotas, failures, fallbacks",
               "trigger": "every agent run", "inputs": "agent runs", "report": "status",
               "tools": []}]
    return cards
