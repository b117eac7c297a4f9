"""Reconciliation over generated broker histories: every difference a crash can cause is found,
explained and repaired (inferred fills, applied cancels, unsent orders sent again under the same
id); a difference nobody can explain (a foreign trade, a position off by any amount, an
acknowledged order that vanished) puts the account in REDUCING or HALTED and is reported."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.events import ReportKind
from signaltrust.core.orders import OrderSide, OrderStatus
from signaltrust.execution.venue_state import VenueAccountState, VenueFill, VenueOrder
from signaltrust.live.reconcile import (
    BookOrder,
    NodeBook,
    apply_positions,
    reconcile,
)

FATES = ("filled", "partial_open", "partial_canceled", "canceled", "open", "never_received")


@st.composite
def histories(draw):
    """(node book, broker state, what the node missed): the broker holds the truth; the node
    saw a prefix of each order's reports, as a crash leaves it."""
    n = draw(st.integers(1, 8))
    book, vorders, vfills, positions = NodeBook(prefix="n-main-"), [], [], {}
    missed = {"fills": 0, "ended": 0, "unsent": []}
    for i in range(n):
        cid = f"n-main-{i + 1}"
        symbol = draw(st.sampled_from(["AAA", "BBB"]))
        side = draw(st.sampled_from([OrderSide.BUY, OrderSide.SELL]))
        quantity = Decimal(draw(st.integers(2, 20)))
        fate = draw(st.sampled_from(FATES))
        if fate == "never_received":
            book.orders[cid] = BookOrder(cid, symbol, side, quantity, Decimal(0),
                                         OrderStatus.SUBMITTED, False)
            missed["unsent"].append(cid)
            continue
        if fate == "filled":
            parts = draw(st.integers(1, 3))
            sizes = [quantity // parts] * (parts - 1)
            sizes.append(quantity - sum(sizes))
        elif fate.startswith("partial"):
            sizes = [Decimal(draw(st.integers(1, int(quantity) - 1)))]
        else:
            sizes = []
        fills = [VenueFill(f"v{i}-{k}", cid, f"o{i}", symbol, side, q,
                           Decimal(100 + k), Decimal("0.1"), 1_000 * i + k)
                 for k, q in enumerate(sizes)]
        status = {"filled": OrderStatus.FILLED, "partial_open": OrderStatus.PARTIALLY_FILLED,
                  "partial_canceled": OrderStatus.CANCELED, "canceled": OrderStatus.CANCELED,
                  "open": OrderStatus.ACCEPTED}[fate]
        vorders.append(VenueOrder(cid, f"o{i}", symbol, side, quantity, sum(sizes, Decimal(0)),
                                  status, 1_000 * i + 9))
        vfills += fills
        for f in fills:
            positions[symbol] = positions.get(symbol, Decimal(0)) + (
                f.quantity if side is OrderSide.BUY else -f.quantity)
        seen = draw(st.integers(0, len(fills)))
        saw_end = seen == len(fills) and status is not OrderStatus.ACCEPTED and draw(
            st.booleans())
        filled = sum((f.quantity for f in fills[:seen]), Decimal(0))
        if saw_end or (status is OrderStatus.FILLED and seen == len(fills)):
            node_status = status
        elif seen:
            node_status = OrderStatus.PARTIALLY_FILLED
        else:
            node_status = draw(st.sampled_from([OrderStatus.SUBMITTED, OrderStatus.ACCEPTED]))
        book.orders[cid] = BookOrder(cid, symbol, side, quantity, filled, node_status,
                                     node_status is not OrderStatus.SUBMITTED)
        for f in fills[:seen]:
            book.fill_ids.add(f.venue_fill_id)
            book.positions[symbol] = book.positions.get(symbol, Decimal(0)) + (
                f.quantity if side is OrderSide.BUY else -f.quantity)
        missed["fills"] += len(fills) - seen
        if status in (OrderStatus.CANCELED,) and node_status is not OrderStatus.CANCELED:
            missed["ended"] += 1
    venue = VenueAccountState(10**9, {"USD": Decimal(1000)},
                              {s: q for s, q in positions.items() if q}, tuple(vorders),
                              tuple(vfills))
    return book, venue, missed


@settings(max_examples=300, deadline=None)
@given(histories())
def test_reconcile_when_the_node_missed_reports_then_every_difference_is_explained_and_repaired(
        history):
    book, venue, missed = history
    result = reconcile(book, venue)
    assert result.state == "ACTIVE", [str(d) for d in result.differences]
    fills = [r for r in result.reports if r.kind is ReportKind.FILL]
    assert len(fills) == missed["fills"]
    assert len([r for r in result.reports if r.kind is ReportKind.CANCELED]) == missed["ended"]
    assert sorted(result.resend) == sorted(missed["unsent"])
    sides = {c: o.side for c, o in book.orders.items()}
    symbols = {c: o.symbol for c, o in book.orders.items()}
    repaired = apply_positions(book.positions, result.reports, sides, symbols)
    assert repaired == {s: q for s, q in venue.positions.items() if q}
    # reconciling the repaired book again finds nothing but the orders still to send
    assert all(d.explained for d in result.differences)


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(1, 50), st.sampled_from(["AAA", "BBB"]))
def test_reconcile_when_a_position_differs_by_any_amount_then_halted_and_reported(
        history, offset, symbol):
    book, venue, _ = history
    positions = dict(venue.positions)
    positions[symbol] = positions.get(symbol, Decimal(0)) + Decimal(offset)
    shifted = VenueAccountState(venue.ts_ns, venue.cash, positions, venue.orders, venue.fills)
    result = reconcile(book, shifted)
    assert result.state == "HALTED"
    assert any(d.kind == "position" and d.key == symbol and not d.explained
               for d in result.differences)


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(1, 9))
def test_reconcile_when_someone_else_traded_on_the_account_then_reducing_at_least(
        history, quantity):
    book, venue, _ = history
    foreign = VenueFill("x-1", "manual-77", "ox", "AAA", OrderSide.BUY, Decimal(quantity),
                        Decimal(101), Decimal(0), 5)
    positions = dict(venue.positions)
    positions["AAA"] = positions.get("AAA", Decimal(0)) + quantity
    state = VenueAccountState(venue.ts_ns, venue.cash, positions, venue.orders,
                              venue.fills + (foreign,))
    result = reconcile(book, state)
    assert result.state in ("REDUCING", "HALTED")
    assert [d.kind for d in result.unexplained] == ["foreign_fill"]
    assert not any(r.client_order_id == "manual-77" for r in result.reports)


def test_reconcile_when_an_acknowledged_order_vanished_then_halted_and_not_resent():
    order = BookOrder("n-main-1", "AAA", OrderSide.BUY, Decimal(5), Decimal(0),
                      OrderStatus.ACCEPTED, True)
    book = NodeBook({"n-main-1": order}, set(), {}, "n-main-")
    result = reconcile(book, VenueAccountState(1))
    assert result.state == "HALTED" and result.resend == []
    assert result.differences[0].kind == "vanished_order"


def test_reconcile_when_nothing_differs_then_clean():
    order = BookOrder("n-main-1", "AAA", OrderSide.BUY, Decimal(5), Decimal(5),
                      OrderStatus.FILLED, True)
    fill = VenueFill("f1", "n-main-1", "o1", "AAA", OrderSide.BUY, Decimal(5), Decimal(10),
                     Decimal(0), 1)
    vo = VenueOrder("n-main-1", "o1", "AAA", OrderSide.BUY, Decimal(5), Decimal(5),
                    OrderStatus.FILLED, 1)
    book = NodeBook({"n-main-1": order}, {"f1"}, {"AAA": Decimal(5)}, "n-main-")
    result = reconcile(book, VenueAccountState(2, {}, {"AAA": Decimal(5)}, (vo,), (fill,)))
    assert result.clean and result.state == "ACTIVE"


def test_reconcile_when_an_operator_acknowledged_a_difference_then_it_no_longer_halts():
    book = NodeBook({}, set(), {"AAA": Decimal(5)}, "n-main-")
    venue = VenueAccountState(1, {}, {"AAA": Decimal(7)})
    first = reconcile(book, venue)
    assert first.state == "HALTED"
    again = reconcile(book, venue, acknowledged=[d.signature for d in first.unexplained])
    assert again.state == "ACTIVE" and again.differences[0].action.startswith("acknowledged")
    moved = reconcile(book, VenueAccountState(2, {}, {"AAA": Decimal(9)}),
                      acknowledged=[d.signature for d in first.unexplained])
    assert moved.state == "HALTED"  # a new difference is a new question
