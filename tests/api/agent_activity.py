"""Real agent activity in an application database, for the API's and the dashboard's tests.

The stock analyst and the risk manager assess the bundled S&P 500 by their rules, a
pydantic-ai ``FunctionModel`` (no network: it calls the agent's first tool, then answers with
the rule report's stance and its own words) reasons about each report, and the coordinator
decides: prompts, tool calls and results, usage, the responses and the decision land in the
audit trail. The risk manager reads the index's
returns up to ``as_of``: a drawdown beyond its halt level asks for HALTED, which waits in the
approval queue for a person.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

#: the S&P 500 is down about 45 % from its 2007 high here: the risk manager asks for HALTED
CRASH = "2008-11-20"


def reviewer() -> Any:
    """A model that reads one tool, then agrees with the rule report in its own words."""
    from pydantic_ai.messages import ModelResponse, ToolCallPart, ToolReturnPart, UserPromptPart
    from pydantic_ai.models.function import FunctionModel

    def answer(messages: list[Any], info: Any) -> Any:
        parts = [p for m in messages for p in m.parts]
        if info.function_tools and not any(isinstance(p, ToolReturnPart) for p in parts):
            return ModelResponse(parts=[ToolCallPart(info.function_tools[0].name, {})])
        prompt = next(str(p.content) for p in parts if isinstance(p, UserPromptPart))
        said = re.search(r"says (\w+) \(score ([-+.\d]+), confidence ([.\d]+)\): (.*)", prompt,
                         re.S)
        assert said, prompt
        stance, score, confidence, summary = said.groups()
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, {
            "stance": stance, "confidence": min(1.0, float(confidence) + 0.05),
            "summary": f"I read the tool's figures and agree with the rules: {summary.strip()}",
            "reasons": [f"the rules' score is {float(score):+.2f}"]})])

    return FunctionModel(answer)


def record_workflow(database: Any, workflow: str = "test:sp500") -> Any:
    """The stock analyst (on the technical features at ``CRASH``) and the risk manager (on the
    index's returns) in one workflow on the S&P 500, each reasoned by :func:`reviewer`."""
    from signaltrust.agents.accounting import UsageLedger
    from signaltrust.agents.audit import AuditTrail
    from signaltrust.agents.base import MarketInputs
    from signaltrust.agents.coordinator import Coordinator, Supervisor
    from signaltrust.agents.llm import Reasoner
    from signaltrust.agents.market import StockAnalyst
    from signaltrust.agents.risk import RiskInputs, RiskManager
    from signaltrust.data import load
    from signaltrust.research.ml_eval.dataset import compute_features, resolve_features

    bars = load("sp500").loc[:CRASH]
    last = compute_features(resolve_features("technical"), bars.iloc[-400:]).iloc[-1]
    market = MarketInputs(symbol="sp500", as_of=bars.index[-1], bars=bars,
                          features={k: float(v) for k, v in last.dropna().items()})
    risk = RiskInputs(as_of=bars.index[-1], returns=bars["close"].pct_change().iloc[-400:])
    trail = AuditTrail(database, workflow=workflow)
    reasoner = Reasoner(reviewer(), ledger=UsageLedger(), trail=trail)
    coordinator = Coordinator([StockAnalyst(), RiskManager()],
                              supervisor=Supervisor(trail=trail, reasoner=reasoner))
    return coordinator.run(lambda agent, memory: risk if agent.name == "risk_manager"
                           else market, workflow=workflow, symbol="sp500")


def request_halt(database: Any, as_of: str = CRASH) -> Any:
    """The risk manager on the S&P 500's returns to ``as_of``: its request, queued."""
    from signaltrust.agents.audit import ApprovalQueue, AuditTrail
    from signaltrust.agents.risk import RiskInputs, RiskManager
    from signaltrust.data import load
    from signaltrust.research.agents.risk import apply_request
    from signaltrust.risk import RiskEngine

    close = load("sp500")["close"].loc[:as_of]
    returns = close.pct_change().dropna().iloc[-400:]
    report = RiskManager().assess(RiskInputs(as_of=pd.Timestamp(as_of), returns=returns))
    assert [r.state for r in report.requests] == ["HALTED"], report
    return apply_request(RiskEngine(), report.requests[0], trail=AuditTrail(database),
                         approvals=ApprovalQueue(database), approval_level="halt")
