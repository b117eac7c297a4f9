"""Real agent activity in an application database, for the API's and the dashboard's tests.

The stock analyst assesses the bundled S&P 500 by its rules, pydantic-ai's ``TestModel`` (no
network) reasons about the report, and the coordinator decides: prompts, tool calls, usage,
the response and the decision land in the audit trail. The risk manager reads the index's
returns up to ``as_of``: a drawdown beyond its halt level asks for HALTED, which waits in the
approval queue for a person.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: the S&P 500 is down about 45 % from its 2007 high here: the risk manager asks for HALTED
CRASH = "2008-11-20"


def record_workflow(database: Any, workflow: str = "test:sp500") -> Any:
    """The stock analyst's workflow on the S&P 500, reasoned by ``TestModel``."""
    from pydantic_ai.models.test import TestModel

    from signaltrust.agents.accounting import UsageLedger
    from signaltrust.agents.audit import AuditTrail
    from signaltrust.agents.base import MarketInputs
    from signaltrust.agents.coordinator import Coordinator, Supervisor
    from signaltrust.agents.llm import Reasoner
    from signaltrust.agents.market import StockAnalyst
    from signaltrust.data import load

    bars = load("sp500").loc[:CRASH]
    trail = AuditTrail(database, workflow=workflow)
    reasoner = Reasoner(TestModel(), ledger=UsageLedger(), trail=trail)
    coordinator = Coordinator([StockAnalyst()], supervisor=Supervisor(trail=trail,
                                                                      reasoner=reasoner))
    return coordinator.run(lambda agent, memory: MarketInputs(
        symbol="sp500", as_of=bars.index[-1], bars=bars), workflow=workflow, symbol="sp500")


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
