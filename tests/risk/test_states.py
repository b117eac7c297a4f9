"""Trading states: REDUCING allows only orders that shrink a position, HALTED nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.risk.engine import RiskEngine
from signaltrust.risk.states import TradingState, TradingStateMachine, state_denial
from tests.risk.test_limits import View, order

# (state, position, side, qty, expected denial)
RULES = [
    ("ACTIVE", 0, "BUY", 10, None),
    ("ACTIVE", 10, "BUY", 10, None),
    ("REDUCING", 10, "SELL", 10, None),
    ("REDUCING", 10, "SELL", 4, None),
    ("REDUCING", -10, "BUY", 10, None),
    ("REDUCING", 10, "SELL", 11, "reducing_only"),  # would cross zero into a short
    ("REDUCING", 10, "BUY", 1, "reducing_only"),
    ("REDUCING", -10, "SELL", 1, "reducing_only"),
    ("REDUCING", 0, "BUY", 1, "reducing_only"),
    ("REDUCING", 0, "SELL", 1, "reducing_only"),
    ("HALTED", 10, "SELL", 1, "trading_halted"),
    ("HALTED", 0, "BUY", 1, "trading_halted"),
]


@pytest.mark.parametrize(("state", "position", "side", "qty", "expected"), RULES)
def test_check_when_trading_state_then_design_rules_apply(state, position, side, qty, expected):
    risk = RiskEngine()
    risk.set_state(state, actor="ops", reason="test")
    view = View({"AAA": 100.0}, {"AAA": position})
    view.cash -= position * 100.0
    verdict = risk.check(order(side=side, qty=qty), view)
    assert verdict.allowed is (expected is None)
    if expected:
        assert verdict.check == expected


def test_state_denial_when_pending_reductions_then_counted():
    assert state_denial(TradingState.REDUCING, 10.0, -1, 6.0, pending_reduction=0.0) is None
    assert state_denial(TradingState.REDUCING, 10.0, -1, 6.0, pending_reduction=5.0) \
        == "reducing_only"


def test_hold_when_several_causes_then_most_severe_wins_and_changes_are_recorded():
    changes = []
    machine = TradingStateMachine(on_change=changes.append)
    machine.hold("drawdown", "REDUCING", "dd 20%", 1)
    machine.hold("daily_loss", "HALTED", "loss 4%", 2, until_ns=10)
    assert machine.state is TradingState.HALTED
    machine.expire(10, 0)
    assert machine.state is TradingState.REDUCING  # the drawdown hold remains
    machine.release("drawdown", 11, "recovered")
    assert machine.state is TradingState.ACTIVE
    assert [(c.previous, c.state, c.source) for c in changes] == [
        ("ACTIVE", "REDUCING", "drawdown"), ("REDUCING", "HALTED", "daily_loss"),
        ("HALTED", "REDUCING", "daily_loss"), ("REDUCING", "ACTIVE", "drawdown")]
    assert changes[0].time == pd.Timestamp(1, tz="UTC")
    assert changes[2].reason.endswith("expired")


def test_hold_when_bar_count_runs_out_then_released():
    machine = TradingStateMachine()
    machine.hold("volatility_spike", "REDUCING", "spike", 0, until_step=5)
    machine.expire(100, 4)
    assert machine.state is TradingState.REDUCING
    machine.expire(100, 5)
    assert machine.state is TradingState.ACTIVE


def test_set_state_when_unknown_name_then_validation_error():
    with pytest.raises(ValidationError, match="ACTIVE, REDUCING or HALTED"):
        RiskEngine().set_state("PAUSED", actor="ops", reason="x")


def test_set_state_when_changed_by_hand_then_audited_with_actor_and_reason():
    risk = RiskEngine()
    risk.set_state("halted", actor="bob", reason="news")
    risk.set_state("ACTIVE", actor="bob", reason="clear")
    kinds = [(r.kind, r.actor) for r in risk.audit]
    assert kinds == [("manual_state", "bob"), ("state_change", "manual"),
                     ("manual_state", "bob"), ("state_change", "manual")]
    assert risk.audit[1].payload["state"] == "HALTED"
    assert risk.state is TradingState.ACTIVE
