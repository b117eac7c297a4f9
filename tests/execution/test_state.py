"""The order state machine: the table, refusals that name the states, and random walks over it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import InvalidTransitionError
from signaltrust.core.orders import Order, OrderStatus
from signaltrust.execution.state import TRANSITIONS, allowed_transitions, can_transition, transition

S = OrderStatus
T0 = datetime(2024, 1, 2, tzinfo=UTC)
HAPPY_PATH = [S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED, S.FILLED]


def _order() -> Order:
    return Order("s-1", "GOOG", "BUY", 10)


def test_transition_when_following_the_happy_path_then_one_event_per_step():
    order = _order()
    events = [transition(order, s, T0) for s in HAPPY_PATH]
    assert [(e.previous_status, e.status) for e in events] == list(
        zip([S.NEW, *HAPPY_PATH[:-1]], HAPPY_PATH, strict=True)
    )
    assert order.status is S.FILLED


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], S.FILLED),
        ([], S.ACCEPTED),
        ([], S.REJECTED),
        ([S.SUBMITTED], S.FILLED),
        ([S.SUBMITTED], S.PARTIALLY_FILLED),
        ([S.SUBMITTED, S.ACCEPTED], S.DENIED),
        ([S.SUBMITTED, S.ACCEPTED], S.SUBMITTED),
    ],
)
def test_transition_when_skipping_a_state_then_refused_and_order_unchanged(path, target):
    order = _order()
    for s in path:
        transition(order, s, T0)
    before = order.status
    with pytest.raises(InvalidTransitionError) as err:
        transition(order, target, T0)
    assert order.status is before
    assert err.value.order_id == "s-1"
    assert err.value.from_status is before and err.value.to_status is target
    assert err.value.allowed == allowed_transitions(before)
    assert before.value in str(err.value) and target.value in str(err.value)


@pytest.mark.parametrize("terminal", [s for s in S if s.is_terminal])
def test_table_when_state_terminal_then_no_transition_allowed(terminal):
    assert TRANSITIONS[terminal] == frozenset()
    assert all(not can_transition(terminal, s) for s in S)


def test_table_when_read_then_matches_design_paths():
    assert TRANSITIONS[S.NEW] == {S.SUBMITTED, S.DENIED, S.CANCELED}
    assert TRANSITIONS[S.SUBMITTED] == {S.ACCEPTED, S.REJECTED, S.DENIED, S.CANCELED}
    assert S.REJECTED not in TRANSITIONS[S.ACCEPTED]  # the venue rejects before accepting
    assert S.DENIED not in TRANSITIONS[S.ACCEPTED]  # the risk engine acts before the venue
    assert all(s.is_terminal == (not TRANSITIONS[s]) for s in S)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_transition_when_random_walk_then_only_table_moves_succeed_each_with_one_event(targets):
    order = _order()
    for target in targets:
        before = order.status
        if target in TRANSITIONS[before]:
            event = transition(order, target, T0, reason="r")
            assert (event.previous_status, event.status) == (before, target)
            assert order.status is target
        else:
            with pytest.raises(InvalidTransitionError):
                transition(order, target, T0)
            assert order.status is before
        if order.status.is_terminal:
            assert all(not can_transition(order.status, s) for s in S)
