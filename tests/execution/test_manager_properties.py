"""OrderManager invariants under random operations (hypothesis): no skipped state, no over-fill."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import InvalidTransitionError, OverfillError, ValidationError
from signaltrust.core.orders import Fill, Order
from signaltrust.execution.manager import OrderManager
from signaltrust.execution.state import TRANSITIONS

T0 = datetime(2024, 1, 2, tzinfo=UTC)
ACTIONS = ["mark_submitted", "accept", "reject", "deny", "cancel", "expire", "fill", "ioc"]
actions = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.decimals(min_value="0.5", max_value="8", places=1)),
    max_size=25,
)


def _act(manager: OrderManager, order: Order, action: str, qty: Decimal, i: int):
    cid = order.client_order_id
    if action == "fill":
        return manager.apply_fill(Fill(f"f-{i}", cid, "GOOG", "BUY", qty, 100, timestamp=T0))
    if action == "ioc":
        return manager.after_match_attempt(cid, T0)
    if action in ("reject", "deny"):
        return getattr(manager, action)(cid, "because", T0)
    return getattr(manager, action)(cid, T0)


@settings(max_examples=300, deadline=None)
@given(actions, st.sampled_from(["GTC", "IOC", "DAY"]))
def test_manager_when_random_operations_then_no_state_skipped_and_never_overfilled(ops, tif):
    manager = OrderManager()
    order = manager.submit(Order("s-1", "GOOG", "BUY", 10, time_in_force=tif), T0)
    for i, (action, qty) in enumerate(ops):
        before_status, before_filled, n_events = (
            order.status,
            order.filled_quantity,
            len(manager.events),
        )
        try:
            events = _act(manager, order, action, qty, i)
        except (InvalidTransitionError, OverfillError, ValidationError):
            assert (order.status, order.filled_quantity) == (before_status, before_filled)
            assert len(manager.events) == n_events
            continue
        assert manager.events[n_events:] == events
        assert len(events) == (0 if order.status is before_status and action == "ioc" else 1)
        assert Decimal(0) <= order.filled_quantity <= order.quantity
    chain = manager.events
    assert chain[0].previous_status is None
    for prev, event in zip(chain, chain[1:], strict=False):
        assert event.previous_status is prev.status
        assert event.status in TRANSITIONS[prev.status]
    if order.is_terminal:
        for action in ACTIONS:
            with contextlib.suppress(InvalidTransitionError, OverfillError, ValidationError):
                _act(manager, order, action, Decimal(1), 999)
            assert manager.events == chain
