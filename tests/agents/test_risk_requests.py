"""The risk manager asks; the audited risk engine decides: restricting trading is applied, a
request to exceed or loosen a limit is refused, and actions above the approval level wait
for a person."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.agents.audit import ApprovalQueue, AuditTrail, needs_approval
from signaltrust.agents.reports import RiskRequest
from signaltrust.agents.risk import RiskInputs, RiskManager
from signaltrust.core.errors import ValidationError
from signaltrust.research.agents.risk import apply_approved, apply_request
from signaltrust.risk import RiskEngine
from signaltrust.storage import open_database

AS_OF = pd.Timestamp("2020-03-20", tz="UTC")


def returns(drop: float, n: int = 60) -> pd.Series:
    """Flat returns, then one fall of ``drop``."""
    values = np.full(n, 0.001)
    values[-1] = -drop
    return pd.Series(values, index=pd.date_range(end=AS_OF, periods=n, freq="D"))


@pytest.fixture
def approvals(tmp_path):
    return ApprovalQueue(open_database(None, tmp_path))


def test_risk_manager_when_drawdown_passes_halt_level_then_asks_for_halted():
    report = RiskManager().assess(RiskInputs(as_of=AS_OF, returns=returns(0.25)))
    assert [r.state for r in report.requests] == ["HALTED"]
    assert report.drawdown == pytest.approx(0.25, abs=1e-9)


def test_risk_manager_when_within_limits_then_asks_nothing():
    report = RiskManager().assess(RiskInputs(as_of=AS_OF, returns=returns(0.0), exposure=0.5))
    assert report.requests == [] and report.stance == "neutral"


def test_risk_manager_when_drawdown_between_levels_then_asks_for_reducing():
    report = RiskManager().assess(RiskInputs(as_of=AS_OF, returns=returns(0.12)))
    assert [r.state for r in report.requests] == ["REDUCING"]


def test_apply_when_agent_asks_for_halted_then_engine_halts_and_audits_the_agent():
    engine = RiskEngine()
    decision = apply_request(engine, RiskRequest(kind="set_state", state="HALTED",
                                                 reason="drawdown 25%"))
    assert decision.applied and str(engine.state) == "HALTED"
    record = [r for r in engine.audit if r.kind == "manual_state"][-1]
    assert record.actor == "agent:risk_manager"


def test_apply_when_agent_asks_to_exceed_a_limit_then_refused_and_limit_unchanged():
    engine = RiskEngine({"max_position_notional": 100_000})
    trail = AuditTrail()
    decision = apply_request(engine, RiskRequest(kind="set_limit",
                                                 limit="max_position_notional",
                                                 value=250_000), trail=trail)
    assert decision.outcome == "refused" and "exceed" in decision.reason
    assert engine.limits.max_position_notional == 100_000
    assert [r.kind for r in engine.audit][-1] == "agent_request_refused"
    assert trail.records(kind="decision")[0].payload["outcome"] == "refused"


def test_apply_when_agent_asks_to_turn_a_limit_off_then_refused():
    engine = RiskEngine({"max_order_quantity": 50})
    decision = apply_request(engine, RiskRequest(kind="set_limit", limit="max_order_quantity",
                                                 value=None))
    assert decision.outcome == "refused" and engine.limits.max_order_quantity == 50


def test_apply_when_agent_asks_to_lift_a_hold_then_refused_and_state_stays():
    engine = RiskEngine()
    engine.set_state("HALTED", actor="ops", reason="test")
    decision = apply_request(engine, RiskRequest(kind="set_state", state="ACTIVE"))
    assert decision.outcome == "refused" and str(engine.state) == "HALTED"


def test_apply_when_agent_tightens_a_limit_then_engine_applies_it():
    engine = RiskEngine({"max_order_quantity": 50})
    decision = apply_request(engine, RiskRequest(kind="set_limit", limit="max_order_quantity",
                                                 value=20))
    assert decision.applied and engine.limits.max_order_quantity == 20
    assert [r.kind for r in engine.audit][-1] == "limit_change"


def test_apply_when_action_is_above_approval_level_then_it_waits_for_a_person(approvals):
    engine = RiskEngine()
    request = RiskRequest(kind="set_state", state="HALTED", reason="drawdown")
    decision = apply_request(engine, request, approvals=approvals, approval_level="halt")
    assert decision.outcome == "pending" and str(engine.state) == "ACTIVE"
    assert [a.id for a in approvals.pending()] == [decision.approval_id]
    approvals.decide(decision.approval_id, approve=True, actor="alice", note="agreed")
    applied = apply_approved(engine, approvals, decision.approval_id)
    assert applied.applied and str(engine.state) == "HALTED"
    assert approvals.pending() == []


def test_apply_approved_when_person_rejected_then_refused(approvals):
    engine = RiskEngine()
    decision = apply_request(engine, RiskRequest(kind="set_state", state="HALTED"),
                             approvals=approvals, approval_level="reduce")
    approvals.decide(decision.approval_id, approve=False, actor="bob")
    assert apply_approved(engine, approvals, decision.approval_id).outcome == "refused"
    assert str(engine.state) == "ACTIVE"
    with pytest.raises(ValidationError):
        approvals.decide(decision.approval_id, approve=True, actor="bob")


def test_needs_approval_when_levels_compared_then_at_or_above_threshold():
    assert needs_approval("halt", "halt") and not needs_approval("reduce", "halt")
    assert needs_approval("reduce", "none")
    with pytest.raises(ValidationError):
        needs_approval("nuke", "halt")


def test_audit_trail_when_database_given_then_records_survive_in_the_table(tmp_path):
    database = open_database(None, tmp_path)
    AuditTrail(database, workflow="w1").record("risk_manager", "decision", {"x": 1})
    again = AuditTrail(database).records(agent="risk_manager")
    assert [(r.workflow, r.kind, r.payload) for r in again] == [("w1", "decision", {"x": 1})]
