"""The risk manager's requests, applied through the audited risk engine - never around it.

:func:`apply_request` may move the trading state to REDUCING or HALTED (the engine's
``set_state``, audited with the agent as actor) and may tighten a limit (``set_limit`` to a
stricter value). It refuses, and records the refusal in the engine's audit log, any request
that would loosen or exceed a limit, lift a hold (ACTIVE), or turn a limit off. A request at
or above ``approval_level`` waits in the approval queue for a person instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from signaltrust.agents.audit import ApprovalQueue, AuditTrail, needs_approval
from signaltrust.agents.reports import RiskRequest
from signaltrust.risk.engine import RiskEngine

#: limits where a larger number allows more (so an agent may only lower them)
_LOWER_IS_STRICTER = ("max_", "daily_loss_pct", "stale_after_seconds", "price_band_pct")


@dataclass(frozen=True)
class RiskDecision:
    request: RiskRequest
    outcome: str  # applied | refused | pending
    reason: str
    state: str
    approval_id: int | None = None

    @property
    def applied(self) -> bool:
        return self.outcome == "applied"

    def __plain__(self) -> dict[str, Any]:
        return {"request": self.request.model_dump(), "outcome": self.outcome,
                "reason": self.reason, "state": self.state, "approval_id": self.approval_id}


def _refuse(engine: RiskEngine, request: RiskRequest, actor: str, why: str,
            trail: AuditTrail | None) -> RiskDecision:
    engine.audit.append("agent_request_refused", {"request": request.model_dump(),
                                                  "why": why}, actor=actor)
    if trail is not None:
        trail.record(actor, "decision", {"request": request.model_dump(), "outcome": "refused",
                                         "why": why})
    return RiskDecision(request, "refused", why, str(engine.state))


def apply_request(engine: RiskEngine, request: RiskRequest, *,
                  actor: str = "agent:risk_manager", trail: AuditTrail | None = None,
                  approvals: ApprovalQueue | None = None,
                  approval_level: str = "halt") -> RiskDecision:
    """Apply a risk manager's request through ``engine``'s audited API, or refuse it."""
    if request.kind == "set_state":
        if request.state not in ("REDUCING", "HALTED"):
            return _refuse(engine, request, actor, "an agent may only restrict trading "
                           "(REDUCING or HALTED); lifting a hold is a person's decision", trail)
        level = "halt" if request.state == "HALTED" else "reduce"
    else:
        name = request.limit or ""
        if name not in type(engine.limits).model_fields:
            return _refuse(engine, request, actor, f"unknown risk limit {name!r}", trail)
        current = getattr(engine.limits, name)
        numeric = isinstance(current, (int, float, type(None))) and not isinstance(current, bool)
        if not name.startswith(_LOWER_IS_STRICTER) or not numeric:
            return _refuse(engine, request, actor,
                           f"{name} is not a limit an agent may change", trail)
        if request.value is None:
            return _refuse(engine, request, actor, f"turning {name} off would exceed it", trail)
        if current is not None and request.value >= current:
            return _refuse(engine, request, actor, f"{name} {request.value:g} would exceed the "
                           f"limit {current:g}: an agent may only tighten a limit", trail)
        level = "reduce"
    if approvals is not None and needs_approval(level, approval_level):
        queued = approvals.request(actor, request.kind, level, request.model_dump())
        if trail is not None:
            trail.record(actor, "approval", {"request": request.model_dump(), "id": queued.id})
        return RiskDecision(request, "pending", "waiting for a person's approval",
                            str(engine.state), queued.id)
    if request.kind == "set_state":
        engine.set_state(request.state, actor=actor, reason=request.reason or "risk agent")
    else:
        engine.set_limit(request.limit, request.value, actor=actor,
                         reason=request.reason or "risk agent")
    if trail is not None:
        trail.record(actor, "decision", {"request": request.model_dump(), "outcome": "applied",
                                         "state": str(engine.state)})
    return RiskDecision(request, "applied", "applied through the risk engine", str(engine.state))


def apply_approved(engine: RiskEngine, approvals: ApprovalQueue, approval_id: int, *,
                   trail: AuditTrail | None = None) -> RiskDecision:
    """Apply a request a person approved (a rejected or pending one is refused)."""
    item = approvals.get(approval_id)
    request = RiskRequest.model_validate(item.payload)
    if item.status != "approved":
        return _refuse(engine, request, item.agent, f"approval {approval_id} is {item.status}",
                       trail)
    return apply_request(engine, request, actor=f"{item.agent} (approved by {item.decided_by})",
                         trail=trail)


__all__ = ["RiskDecision", "apply_approved", "apply_request"]
