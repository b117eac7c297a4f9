"""OrderManager: idempotent ids, events, fills, time in force, brackets and one-cancels-other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest

from signaltrust.core.errors import (
    DuplicateFillError,
    DuplicateOrderError,
    InvalidTransitionError,
    OrderNotFoundError,
    OverfillError,
    ValidationError,
)
from signaltrust.core.orders import Fill, Order, OrderStatus, OrderType
from signaltrust.execution.ids import IdGenerator
from signaltrust.execution.manager import OrderManager

S = OrderStatus
T0 = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
_fill_ids = count(1)


def fill_for(order: Order, qty, price, fee=0, ts=T0) -> Fill:
    return Fill(
        f"f-{next(_fill_ids)}",
        order.client_order_id,
        order.symbol,
        order.side,
        qty,
        price,
        fee=fee,
        timestamp=ts,
        strategy_id=order.strategy_id,
    )


def working(manager: OrderManager, order: Order) -> Order:
    manager.submit(order, T0)
    manager.mark_submitted(order.client_order_id, T0)
    manager.accept(order.client_order_id, T0)
    return order


def test_submit_when_same_id_twice_then_one_order_and_one_event():
    manager = OrderManager()
    events = []
    manager.add_listener(events.append)
    first = manager.submit(Order("s-1", "GOOG", "BUY", 10), T0)
    again = manager.submit(Order("s-1", "GOOG", "BUY", 10), T0)
    assert again is first and len(manager) == 1
    assert [(e.previous_status, e.status) for e in events] == [(None, S.NEW)]


def test_submit_when_different_order_reuses_an_id_then_duplicate_error():
    manager = OrderManager()
    manager.submit(Order("s-1", "GOOG", "BUY", 10))
    with pytest.raises(DuplicateOrderError) as err:
        manager.submit(Order("s-1", "GOOG", "BUY", 11))
    assert err.value.value == "s-1"
    assert manager.get("s-1").quantity == 10


def test_submit_when_resubmitted_after_it_progressed_then_existing_returned_unchanged():
    manager = OrderManager()
    order = working(manager, Order("s-1", "GOOG", "BUY", 10))
    assert manager.submit(Order("s-1", "GOOG", "BUY", 10)) is order
    assert order.status is S.ACCEPTED


def test_next_client_order_id_when_two_runs_then_same_unique_sequence():
    def ids():
        manager = OrderManager()
        manager.submit(Order("a-2", "GOOG", "BUY", 1))  # made elsewhere: never reissued
        return [manager.next_client_order_id(s) for s in ("a", "b", "a", "a")]

    assert ids() == ids() == ["a-3", "b-1", "a-4", "a-5"]
    assert IdGenerator("run7-").next_client_order_id("a") == "run7-a-1"


def test_get_when_unknown_id_then_not_found_error():
    with pytest.raises(OrderNotFoundError):
        OrderManager().get("nope")


def test_apply_fill_when_partial_fills_then_accumulate_with_exact_average_price():
    manager = OrderManager()
    order = working(manager, Order("s-1", "GOOG", "BUY", 10))
    events = manager.apply_fill(fill_for(order, 3, "100.10", fee="0.5"))
    assert events[0].status is S.PARTIALLY_FILLED and events[0].fill is not None
    manager.apply_fill(fill_for(order, 3, "100.20"))
    manager.apply_fill(fill_for(order, 4, "100.40", fee="0.25"))
    assert order.status is S.FILLED and order.filled_quantity == 10
    assert order.filled_notional == Decimal("1002.5")
    assert order.average_fill_price == Decimal("100.25")
    assert order.fees == Decimal("0.75")
    assert manager.open_orders() == []


def test_apply_fill_when_more_than_remaining_then_overfill_error_and_nothing_changes():
    manager = OrderManager()
    order = working(manager, Order("s-1", "GOOG", "BUY", 10))
    manager.apply_fill(fill_for(order, 6, 100))
    with pytest.raises(OverfillError):
        manager.apply_fill(fill_for(order, 5, 100))
    assert order.filled_quantity == 6 and order.status is S.PARTIALLY_FILLED


def test_apply_fill_when_order_not_accepted_then_invalid_transition():
    manager = OrderManager()
    order = manager.submit(Order("s-1", "GOOG", "BUY", 10))
    manager.mark_submitted("s-1", T0)
    with pytest.raises(InvalidTransitionError) as err:
        manager.apply_fill(fill_for(order, 1, 100))
    assert err.value.from_status is S.SUBMITTED
    assert order.filled_quantity == 0 and manager.fills == []


def test_apply_fill_when_same_fill_reported_twice_then_applied_once():
    manager = OrderManager()
    order = working(manager, Order("s-1", "GOOG", "BUY", 10))
    f = fill_for(order, 4, 100)
    manager.apply_fill(f)
    assert manager.apply_fill(f) == []
    assert order.filled_quantity == 4
    other = Fill(f.fill_id, "s-1", "GOOG", "BUY", 5, 100, timestamp=T0)
    with pytest.raises(DuplicateFillError):
        manager.apply_fill(other)


def test_apply_fill_when_side_differs_from_order_then_refused():
    manager = OrderManager()
    working(manager, Order("s-1", "GOOG", "BUY", 10))
    with pytest.raises(ValidationError) as err:
        manager.apply_fill(Fill("f-x", "s-1", "GOOG", "SELL", 1, 100, timestamp=T0))
    assert err.value.field == "side"


def test_deny_when_risk_refuses_then_denied_with_reason_and_listener_sees_it():
    manager = OrderManager()
    seen = []
    manager.add_listener(seen.append)
    manager.submit(Order("s-1", "GOOG", "BUY", 10))
    manager.deny("s-1", "max_notional: 1,000,000 > 500,000", T0)
    assert seen[-1].status is S.DENIED and seen[-1].reason.startswith("max_notional")
    with pytest.raises(InvalidTransitionError):
        manager.mark_submitted("s-1", T0)


def test_reject_when_accepted_then_invalid_because_venue_rejects_before_accepting():
    manager = OrderManager()
    working(manager, Order("s-1", "GOOG", "BUY", 10))
    with pytest.raises(InvalidTransitionError):
        manager.reject("s-1", "no", T0)


def test_after_match_attempt_when_ioc_partially_filled_then_rest_canceled():
    manager = OrderManager()
    order = working(manager, Order("s-1", "GOOG", "BUY", 10, time_in_force="IOC"))
    manager.apply_fill(fill_for(order, 4, 100))
    events = manager.after_match_attempt("s-1", T0)
    assert [e.status for e in events] == [S.CANCELED]
    assert order.filled_quantity == 4 and "IOC" in order.reason


def test_after_match_attempt_when_gtc_then_nothing_happens():
    manager = OrderManager()
    order = working(manager, Order("s-1", "GOOG", "BUY", 10))
    assert manager.after_match_attempt("s-1", T0) == []
    assert order.status is S.ACCEPTED


def test_fok_when_not_enough_then_no_partial_fill_and_canceled():
    manager = OrderManager()
    order = working(manager, Order("s-1", "GOOG", "BUY", 10, time_in_force="FOK"))
    assert not manager.fok_can_fill(order, 9) and manager.fok_can_fill(order, 10)
    with pytest.raises(ValidationError):
        manager.apply_fill(fill_for(order, 9, 100))
    manager.after_match_attempt("s-1", T0)
    assert order.status is S.CANCELED and order.filled_quantity == 0


def test_expire_day_orders_when_session_ends_then_day_orders_expire_and_gtc_stay():
    manager = OrderManager()
    day = working(
        manager, Order("s-1", "GOOG", "BUY", 10, "LIMIT", limit_price=99, time_in_force="DAY")
    )
    gtc = working(manager, Order("s-2", "GOOG", "BUY", 10, "LIMIT", limit_price=99))
    later = manager.submit(
        Order("s-3", "GOOG", "BUY", 1, time_in_force="DAY", created_at=T0 + timedelta(days=1))
    )
    events = manager.expire_day_orders(T0 + timedelta(hours=7))
    assert [(e.client_order_id, e.status) for e in events] == [("s-1", S.EXPIRED)]
    assert day.status is S.EXPIRED and gtc.status is S.ACCEPTED and later.status is S.NEW


def test_update_trailing_stop_when_price_moves_then_trigger_only_ratchets_favourably():
    manager = OrderManager()
    sell = manager.submit(Order("s-1", "GOOG", "SELL", 1, "TRAILING_STOP", trail_amount="2.5"))
    assert manager.update_trailing_stop("s-1", 100) == Decimal("97.5")
    assert manager.update_trailing_stop("s-1", 104) == Decimal("101.5")
    assert manager.update_trailing_stop("s-1", 90) == Decimal("101.5")
    assert sell.stop_price == Decimal("101.5")
    manager.submit(Order("s-2", "GOOG", "BUY", 1, "TRAILING_STOP", trail_percent=2))
    assert manager.update_trailing_stop("s-2", 100) == Decimal("102")
    assert manager.update_trailing_stop("s-2", 110) == Decimal("102")
    assert manager.update_trailing_stop("s-2", 50) == Decimal("51")


def _bracket(manager: OrderManager):
    entry = Order(manager.next_client_order_id("s"), "GOOG", "BUY", 10)
    stop = Order(
        manager.next_client_order_id("s"), "GOOG", "SELL", 10, OrderType.STOP, stop_price=95
    )
    take = Order(
        manager.next_client_order_id("s"), "GOOG", "SELL", 10, OrderType.LIMIT, limit_price=110
    )
    return manager.bracket(entry, stop, take, T0)


def test_bracket_when_entry_fills_then_exits_released_and_one_fill_cancels_the_other():
    manager = OrderManager()
    b = _bracket(manager)
    assert manager.is_held(b.stop_loss.client_order_id)
    with pytest.raises(ValidationError):
        manager.mark_submitted(b.take_profit.client_order_id, T0)
    working_entry = b.entry
    manager.mark_submitted(working_entry.client_order_id, T0)
    manager.accept(working_entry.client_order_id, T0)
    assert manager.take_released() == []
    manager.apply_fill(fill_for(working_entry, 10, 100))
    released = manager.take_released()
    assert released == [b.stop_loss, b.take_profit] and manager.take_released() == []
    for o in released:
        manager.mark_submitted(o.client_order_id, T0)
        manager.accept(o.client_order_id, T0)
    events = manager.apply_fill(fill_for(b.take_profit, 10, 110))
    assert [(e.client_order_id, e.status) for e in events] == [
        (b.take_profit.client_order_id, S.FILLED),
        (b.stop_loss.client_order_id, S.CANCELED),
    ]
    assert "OCO" in b.stop_loss.reason


def test_bracket_when_entry_canceled_unfilled_then_exits_canceled():
    manager = OrderManager()
    b = _bracket(manager)
    manager.mark_submitted(b.entry.client_order_id, T0)
    manager.accept(b.entry.client_order_id, T0)
    events = manager.cancel(b.entry.client_order_id, T0)
    assert [e.status for e in events] == [S.CANCELED] * 3
    assert manager.take_released() == [] and manager.open_orders() == []


def test_bracket_when_entry_ends_partially_filled_then_exits_released_resized():
    manager = OrderManager()
    b = _bracket(manager)
    manager.mark_submitted(b.entry.client_order_id, T0)
    manager.accept(b.entry.client_order_id, T0)
    manager.apply_fill(fill_for(b.entry, 4, 100))
    manager.cancel(b.entry.client_order_id, T0)
    released = manager.take_released()
    assert [o.quantity for o in released] == [4, 4]


def test_bracket_when_one_exit_partially_fills_then_the_other_shrinks_to_what_is_left():
    manager = OrderManager()
    b = _bracket(manager)
    manager.mark_submitted(b.entry.client_order_id, T0)
    manager.accept(b.entry.client_order_id, T0)
    manager.apply_fill(fill_for(b.entry, 10, 100))
    for o in manager.take_released():
        manager.mark_submitted(o.client_order_id, T0)
        manager.accept(o.client_order_id, T0)
    manager.apply_fill(fill_for(b.stop_loss, 3, 95))
    assert b.take_profit.quantity == 7 and b.take_profit.status is S.ACCEPTED


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("side", {"side": "BUY"}),
        ("quantity", {"quantity": 9}),
        ("symbol", {"symbol": "MSFT"}),
    ],
)
def test_bracket_when_exit_does_not_match_entry_then_error_names_field(field, change):
    manager = OrderManager()
    entry = Order("s-1", "GOOG", "BUY", 10)
    stop = Order(
        "s-2",
        **{"symbol": "GOOG", "side": "SELL", "quantity": 10, **change},
        order_type="STOP",
        stop_price=95,
    )
    with pytest.raises(ValidationError) as err:
        manager.bracket(entry, stop)
    assert err.value.field == f"stop_loss.{field}"
    assert len(manager) == 0


def test_bracket_when_stop_above_take_profit_for_a_long_then_error():
    manager = OrderManager()
    entry = Order("s-1", "GOOG", "BUY", 10)
    stop = Order("s-2", "GOOG", "SELL", 10, "STOP", stop_price=120)
    take = Order("s-3", "GOOG", "SELL", 10, "LIMIT", limit_price=110)
    with pytest.raises(ValidationError):
        manager.bracket(entry, stop, take)


def test_link_oco_when_one_fills_then_the_other_is_canceled():
    manager = OrderManager()
    a = working(manager, Order("s-1", "GOOG", "BUY", 5, "LIMIT", limit_price=90))
    b = working(manager, Order("s-2", "GOOG", "BUY", 5, "STOP", stop_price=110))
    manager.link_oco([a, b])
    manager.apply_fill(fill_for(b, 5, 110))
    assert a.status is S.CANCELED


def test_cancel_when_terminal_then_invalid_transition_names_allowed_none():
    manager = OrderManager()
    order = working(manager, Order("s-1", "GOOG", "BUY", 1))
    manager.apply_fill(fill_for(order, 1, 100))
    with pytest.raises(InvalidTransitionError) as err:
        manager.cancel("s-1", T0)
    assert err.value.allowed == () and "terminal" in str(err.value)


def test_events_when_listener_cancels_inside_callback_then_order_and_log_stay_consistent():
    manager = OrderManager()
    working(manager, Order("s-1", "GOOG", "BUY", 10))
    working(manager, Order("s-2", "GOOG", "BUY", 10))

    def cancel_other(event):
        if event.client_order_id == "s-1" and event.status is S.PARTIALLY_FILLED:
            manager.cancel("s-2", event.timestamp, "strategy")

    manager.add_listener(cancel_other)
    manager.apply_fill(fill_for(manager.get("s-1"), 1, 100))
    assert manager.get("s-2").status is S.CANCELED
    assert [e.client_order_id for e in manager.events[-2:]] == ["s-1", "s-2"]


def test_events_when_logged_compactly_then_built_in_order_on_read():
    manager = OrderManager(compact_log=True)
    first = manager.submit(Order("s-1", "GOOG", "BUY", 1), T0)
    second = manager.submit(Order("s-2", "GOOG", "BUY", 1), T0)
    manager.mark_submitted(second.client_order_id, T0)
    heard = []
    manager.add_listener(heard.append)  # a listener gets events as they happen
    manager.mark_submitted(first.client_order_id, T0)
    assert [(e.client_order_id, e.status) for e in heard] == [("s-1", S.SUBMITTED)]
    events = manager.events
    assert [(e.client_order_id, e.status) for e in events] == [
        ("s-1", S.NEW),
        ("s-2", S.NEW),
        ("s-2", S.SUBMITTED),
        ("s-1", S.SUBMITTED),
    ]
    assert all(type(e).__name__ == "OrderEvent" for e in events)
    assert events[2].previous_status is S.NEW and events[2].timestamp == T0
    assert manager.events is events  # the same list, built once


def test_client_order_ids_when_a_bad_strategy_id_follows_a_good_one_then_still_refused():
    manager = OrderManager()
    assert manager.next_client_order_id("sma") == "sma-1"
    assert manager.next_client_order_id("sma") == "sma-2"  # validated once, then cached
    for bad in ("sma cross", "", 7):
        with pytest.raises(ValidationError) as info:
            manager.next_client_order_id(bad)
        assert info.value.field == "strategy_id"
