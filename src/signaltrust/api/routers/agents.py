"""The oversight agents (viewer): their cards, audit trail and LLM usage; the approval queue,
decided by a trader (audited with the actor).

The same records as ``signaltrust agents``: the audit trail (``agent_audit``: prompts,
answers, tool calls, fallbacks, usage, decisions) and the approval queue (``agent_approvals``)
of the application database. Approving an action records the decision; whoever holds the
risk engine applies it (``research.agents.risk.apply_approved``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from signaltrust.api.audit import audit
from signaltrust.api.errors import ApiError, ErrorBody
from signaltrust.api.security import Principal, require_role

router = APIRouter(prefix="/agents", tags=["agents"])
_NAME = r"^[A-Za-z0-9_:.-]{1,64}$"
Kind = Literal["prompt", "response", "tool_call", "tool_result", "usage", "fallback",
               "decision", "error", "approval"]
ApprovalStatus = Literal["pending", "approved", "rejected"]
Viewer = Annotated[Principal, Depends(require_role("viewer"))]


class AgentCard(BaseModel):
    name: str = Field(examples=["risk_manager"])
    job: str = Field(examples=["VaR, drawdown and exposure; may ask to reduce or halt"])
    trigger: str = Field(examples=["every bar"])
    inputs: str = Field(examples=["RiskInputs"])
    report: str = Field(examples=["RiskReport"])
    tools: list[str] = Field(examples=[["var", "drawdown"]])


class AuditRecordAnswer(BaseModel):
    ts_ns: int = Field(examples=[1796650000000000000])
    workflow: str = Field(examples=["cli:signal:sp500"])
    agent: str = Field(examples=["coordinator"])
    kind: str = Field(examples=["decision"])
    payload: dict[str, Any] = Field(examples=[{"symbol": "sp500", "consensus": 0.12}])


class UsageAnswer(BaseModel):
    requests: int = Field(examples=[3])
    input_tokens: int = Field(examples=[1800])
    output_tokens: int = Field(examples=[240])
    tokens: int = Field(examples=[2040])
    cost_usd: float = Field(examples=[0.0031])


class UsageDay(UsageAnswer):
    day: str = Field(description="the UTC day", examples=["2026-12-07"])
    agent: str = Field(examples=["stock_analyst"])


class UsageReport(BaseModel):
    day: str = Field(description="today (UTC)", examples=["2026-12-07"])
    quota_tokens: int = Field(description="per agent and day", examples=[200000])
    quota_cost_usd: float = Field(description="per agent and day", examples=[5.0])
    agents: dict[str, UsageAnswer] = Field(description="each agent's usage today")
    history: list[UsageDay] = Field(description="per agent and day, newest day first")


class ApprovalAnswer(BaseModel):
    id: int = Field(examples=[7])
    agent: str = Field(examples=["agent:risk_manager"])
    action: str = Field(examples=["set_state"])
    level: str = Field(examples=["halt"])
    payload: dict[str, Any] = Field(examples=[{"kind": "set_state", "state": "HALTED"}])
    status: str = Field(examples=["pending"])
    decided_by: str | None = Field(default=None, examples=[None])
    note: str | None = Field(default=None, examples=[None])


class Decision(BaseModel):
    approve: bool = Field(description="true approves, false rejects", examples=[True])
    note: str = Field(default="", max_length=500, examples=["drawdown confirmed"])


def _trail(request: Request) -> Any:
    from signaltrust.agents.audit import AuditTrail

    return AuditTrail(request.app.state.database)


def _queue(request: Request) -> Any:
    from signaltrust.agents.audit import ApprovalQueue

    return ApprovalQueue(request.app.state.database)


def _day(day: int) -> str:
    from signaltrust.agents.accounting import NS_PER_DAY

    return datetime.fromtimestamp(day * NS_PER_DAY / 1e9, UTC).date().isoformat()


@router.get("", response_model=list[AgentCard], summary="Every agent: its job, trigger, "
            "inputs, report and tools")
def agents(_: Viewer) -> list[AgentCard]:
    from signaltrust.agents import catalogue

    return [AgentCard.model_validate({k: c[k] for k in AgentCard.model_fields})
            for c in catalogue()]


@router.get("/audit", response_model=list[AuditRecordAnswer],
            summary="The audit trail: prompts, answers, tool calls, fallbacks and decisions")
def audit_trail(
    request: Request, _: Viewer,
    agent: Annotated[str | None, Query(pattern=_NAME)] = None,
    kind: Kind | None = None,
    workflow: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="the most recent N")] = 100,
) -> list[AuditRecordAnswer]:
    """The most recent ``limit`` records, newest first, of an agent, a kind or a workflow."""
    records = _trail(request).records(agent=agent, kind=kind, workflow=workflow, latest=limit)
    return [AuditRecordAnswer(**r.__plain__()) for r in reversed(records)]


@router.get("/usage", response_model=UsageReport,
            summary="LLM tokens and cost per agent: today against the daily quotas, and by day")
def usage(request: Request, _: Viewer,
          days: Annotated[int, Query(ge=1, le=366, description="days of history")] = 30
          ) -> UsageReport:
    """Rebuilt from the audit trail's ``usage`` records, priced with ``[llm]``'s prices."""
    from signaltrust.agents.accounting import UsageLedger, utc_day

    settings = request.app.state.settings
    ledger = UsageLedger.from_settings(settings.agents, settings.llm)
    ledger.replay(_trail(request).records(kind="usage"))
    today = utc_day(time.time_ns())
    history = [UsageDay(day=_day(d), agent=a, **u.__plain__())
               for (a, d), u in sorted(ledger.spent.items(), key=lambda x: (-x[0][1], x[0][0]))
               if d > today - days]
    return UsageReport(day=_day(today), quota_tokens=ledger.daily_tokens,
                       quota_cost_usd=ledger.daily_cost_usd,
                       agents={a: UsageAnswer(**u) for a, u in ledger.totals().items()},
                       history=history)


@router.get("/approvals", response_model=list[ApprovalAnswer],
            summary="Agent actions waiting for a person, and those decided (newest first)")
def approvals(request: Request, _: Viewer, status: ApprovalStatus | None = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[ApprovalAnswer]:
    """``status``: only pending, approved or rejected ones (default: all)."""
    return [ApprovalAnswer(**a.__plain__()) for a in _queue(request).recent(status=status,
                                                                            limit=limit)]


@router.post("/approvals/{approval_id}", response_model=ApprovalAnswer,
             responses={404: {"model": ErrorBody, "description": "no such approval"},
                        409: {"model": ErrorBody, "description": "already decided"}},
             summary="Approve or reject a pending agent action (trader, audited)")
def decide(request: Request, approval_id: Annotated[int, Path(ge=1, le=2**62)],
           body: Decision, principal: Annotated[Principal, Depends(require_role("trader"))]
           ) -> ApprovalAnswer:
    """Decided once, by the caller (recorded as ``decided_by``, in the agents' audit trail and
    in the audit log); the risk engine's holder applies an approved action."""
    from signaltrust.core.errors import ValidationError

    queue = _queue(request)
    try:
        current = queue.get(approval_id)
    except ValidationError:
        raise ApiError(404, "NotFound", "no such approval", field="approval_id",
                       value=approval_id, fix="list them: GET /api/v1/agents/approvals") from None
    if current.status != "pending":
        raise ApiError(409, "Conflict", f"approval {approval_id} was already decided",
                       field="approval_id", value=approval_id,
                       fix=f"it is {current.status} by {current.decided_by}")
    decided = queue.decide(approval_id, approve=body.approve, actor=principal.name,
                           note=body.note)
    _trail(request).record(decided.agent, "approval", {
        "id": decided.id, "status": decided.status, "by": principal.name, "note": body.note})
    audit(request, "agents.approval", str(approval_id),
          {"agent": decided.agent, "action": decided.action, "status": decided.status,
           "note": body.note})
    return ApprovalAnswer(**decided.__plain__())
