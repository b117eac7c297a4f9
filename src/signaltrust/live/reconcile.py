"""Reconciliation: what the node believes against what the broker reports, difference by
difference, with what each means and what the node does about it.

The node's side is a :class:`NodeBook` (its orders by client order id, the broker fill ids it
applied, its positions); the broker's is a
:class:`~signaltrust.execution.venue_state.VenueAccountState`. :func:`reconcile` returns a
:class:`Reconciliation`:

- **explained** differences, each with the repair the node applies as ordinary journalled
  inputs: a fill the broker reports that the node never received becomes an inferred ``FILL``
  report; an order the broker ended (canceled, expired, rejected) that the node still thinks
  open becomes the matching report; an order the node journalled as sent but the broker never
  received (and never acknowledged) is sent again **under the same client order id**;
- **unexplained** differences: a fill or order the node did not make (someone traded on the
  account), an order the broker had acknowledged and no longer knows, a position that still
  differs once the inferred fills are counted. Any of these puts the account in ``REDUCING``
  (foreign activity: only reductions until an operator looks) or ``HALTED`` (our own books
  disagree) until an operator acknowledges (``signaltrust node ack``).

Nothing is ever marked rejected or canceled because the broker was silent or slow: only a
state the broker states is taken as the broker's word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from signaltrust.core.events import ExecutionReport, ReportKind
from signaltrust.core.orders import OrderSide, OrderStatus
from signaltrust.execution.venue_state import VenueAccountState

_ZERO = Decimal(0)
_OPEN = frozenset({OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED})
_ENDED = {OrderStatus.CANCELED: ReportKind.CANCELED, OrderStatus.EXPIRED: ReportKind.EXPIRED,
          OrderStatus.REJECTED: ReportKind.REJECTED}


@dataclass(frozen=True, slots=True)
class BookOrder:
    """One of the node's orders as reconciliation needs it. ``acknowledged``: the broker has
    confirmed it at least once (an ACCEPTED report, or a fill)."""

    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: Decimal
    filled: Decimal
    status: OrderStatus
    acknowledged: bool
    in_flight: bool = False  # sent moments ago: the broker may not show it yet


@dataclass
class NodeBook:
    """What one account of the node believes: its orders, the broker fill ids it applied,
    its positions (signed quantities) and the prefix of its client order ids."""

    orders: dict[str, BookOrder] = field(default_factory=dict)
    fill_ids: set[str] = field(default_factory=set)
    positions: dict[str, Decimal] = field(default_factory=dict)
    prefix: str = ""

    def ours(self, client_order_id: str | None) -> bool:
        return bool(client_order_id) and (
            client_order_id in self.orders or client_order_id.startswith(self.prefix))


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference: its kind, the order or symbol, what the node and the broker hold, and
    what it means (``explained``) and what the node does (``action``)."""

    kind: str
    key: str
    node: Any
    broker: Any
    explained: bool
    action: str
    severity: int = 0  # unexplained: 1 REDUCING, 2 HALTED

    @property
    def signature(self) -> str:
        """What an operator acknowledges: the same difference again is not raised again."""
        return f"{self.kind}|{self.key}|{self.node}|{self.broker}"

    def __str__(self) -> str:
        return (f"{self.kind} {self.key}: node {self.node}, broker {self.broker} -> "
                f"{self.action}")


@dataclass
class Reconciliation:
    """The differences, the reports to apply, the orders to send again and the trading state
    the account must take (ACTIVE when every difference is explained)."""

    differences: list[Difference] = field(default_factory=list)
    reports: list[ExecutionReport] = field(default_factory=list)
    resend: list[str] = field(default_factory=list)
    state: str = "ACTIVE"

    @property
    def clean(self) -> bool:
        """No difference at all."""
        return not self.differences

    @property
    def unexplained(self) -> list[Difference]:
        return [d for d in self.differences if not d.explained]

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "resend": list(self.resend),
                "inferred_reports": len(self.reports),
                "differences": [
                    {"kind": d.kind, "key": d.key, "node": str(d.node), "broker": str(d.broker),
                     "explained": d.explained, "action": d.action}
                    for d in self.differences]}


def _signed(side: OrderSide, quantity: Decimal) -> Decimal:
    return quantity if side is OrderSide.BUY else -quantity


def reconcile(book: NodeBook, venue: VenueAccountState, *,
              symbols: Iterable[str] | None = None,
              acknowledged: Iterable[str] = ()) -> Reconciliation:
    """Compare ``book`` with ``venue``; see the module's description. ``symbols``: the symbols
    the account trades (positions in others are the broker's business unless non-zero);
    ``acknowledged``: signatures of differences an operator has acknowledged (they no longer
    change the trading state)."""
    out = Reconciliation()
    expected = defaultdict(lambda: _ZERO, {s: Decimal(q) for s, q in book.positions.items()})
    inferred_filled: dict[str, Decimal] = defaultdict(lambda: _ZERO)

    # 1. fills: the broker's word on what traded
    for fill in sorted(venue.fills, key=lambda f: (f.ts_ns, f.venue_fill_id)):
        if fill.venue_fill_id in book.fill_ids:
            continue
        cid = fill.client_order_id
        if cid in book.orders:
            order = book.orders[cid]
            out.reports.append(ExecutionReport(
                ReportKind.FILL, cid, fill.venue_order_id, fill.ts_ns,
                venue_fill_id=fill.venue_fill_id, quantity=fill.quantity, price=fill.price,
                fee=fill.fee, liquidity=fill.liquidity, fee_currency=fill.fee_currency,
                reason="inferred by reconciliation",
            ))
            expected[fill.symbol] += _signed(order.side, fill.quantity)
            inferred_filled[cid] += fill.quantity
            out.differences.append(Difference(
                "missed_fill", f"{cid}/{fill.venue_fill_id}", "not received",
                f"{fill.side.value} {fill.quantity} @ {fill.price}", True, "fill inferred"))
        else:
            expected[fill.symbol] += _signed(fill.side, fill.quantity)  # it moved the position
            out.differences.append(Difference(
                "foreign_fill", f"{cid or fill.venue_order_id}/{fill.venue_fill_id}",
                "not ours", f"{fill.side.value} {fill.quantity} {fill.symbol} @ {fill.price}",
                False, "REDUCING until an operator acknowledges", 1))

    # 2. orders the broker knows
    known: set[str] = set()
    accepted: list[ExecutionReport] = []
    for vo in venue.orders:
        cid = vo.client_order_id
        if cid is None or cid not in book.orders:
            if vo.status in _OPEN and not book.ours(cid):
                out.differences.append(Difference(
                    "foreign_order", cid or vo.venue_order_id, "not ours",
                    f"{vo.side.value} {vo.quantity} {vo.symbol} {vo.status.value}", False,
                    "REDUCING until an operator acknowledges", 1))
            elif vo.status in _OPEN:
                out.differences.append(Difference(
                    "unknown_order", cid, "no such order",
                    f"{vo.side.value} {vo.quantity} {vo.symbol} {vo.status.value}", False,
                    "HALTED: an order with our id the journal does not hold", 2))
            continue
        known.add(cid)
        order = book.orders[cid]
        if order.status is OrderStatus.SUBMITTED and vo.status is not OrderStatus.REJECTED:
            accepted.append(ExecutionReport(
                ReportKind.ACCEPTED, cid, vo.venue_order_id, vo.ts_ns,
                reason="acknowledgement inferred by reconciliation"))
            out.differences.append(Difference(
                "missed_acknowledgement", cid, "SUBMITTED", vo.status.value, True,
                "acknowledgement inferred"))
        if order.status in _OPEN and vo.status in _ENDED:
            out.reports.append(ExecutionReport(
                _ENDED[vo.status], cid, vo.venue_order_id, vo.ts_ns,
                reason=f"{vo.status.value.lower()} by the broker (found by reconciliation)"))
            out.differences.append(Difference(
                "order_ended", cid, order.status.value, vo.status.value, True,
                f"{_ENDED[vo.status].value.lower()} applied"))
        filled = order.filled + inferred_filled.get(cid, _ZERO)
        if vo.filled != filled:
            out.differences.append(Difference(
                "filled_quantity", cid, str(filled), str(vo.filled), False,
                "HALTED: the filled quantities differ (fills missing from one side)", 2))

    # 3. our open orders the broker does not know
    for cid, order in book.orders.items():
        if order.status not in _OPEN or cid in known:
            continue
        if any(f.client_order_id == cid for f in venue.fills) or order.in_flight:
            continue
        if order.acknowledged:
            out.differences.append(Difference(
                "vanished_order", cid, order.status.value, "unknown", False,
                "HALTED: the broker acknowledged it and no longer knows it", 2))
        else:
            out.resend.append(cid)
            out.differences.append(Difference(
                "unsent_order", cid, order.status.value, "never received", True,
                "sent again under the same client order id"))

    # 4. positions, once the inferred fills are counted
    traded = set(symbols or ()) | set(book.positions) | set(venue.positions)
    for symbol in sorted(traded):
        ours = expected.get(symbol, _ZERO)
        theirs = Decimal(venue.positions.get(symbol, _ZERO))
        if ours != theirs:
            out.differences.append(Difference(
                "position", symbol, str(ours), str(theirs), False,
                "HALTED: positions differ after the inferred fills", 2))
    out.reports[:0] = accepted  # acknowledgements before the fills they precede
    known_to_operator = set(acknowledged)
    for i, diff in enumerate(out.differences):
        if not diff.explained and diff.signature in known_to_operator:
            out.differences[i] = Difference(diff.kind, diff.key, diff.node, diff.broker, True,
                                            "acknowledged by an operator")
    severity = max((d.severity for d in out.differences if not d.explained), default=0)
    out.state = ("ACTIVE", "REDUCING", "HALTED")[severity]
    return out


def book_from_core(core: Any, acknowledged: set[str] | None = None,
                   in_flight: set[str] | None = None) -> NodeBook:
    """The :class:`NodeBook` of a trading core: its orders (acknowledged when the broker sent
    a report about them, per ``acknowledged`` or the order's own status; ``in_flight`` the ids
    sent too recently to be missed), fill ids and positions."""
    manager = core.manager
    acked = acknowledged or set()
    flying = in_flight or set()
    orders = {}
    for order in manager:
        if order.status in (OrderStatus.NEW, OrderStatus.DENIED):
            continue
        orders[order.client_order_id] = BookOrder(
            order.client_order_id, order.symbol, order.side, order.quantity,
            order.filled_quantity, order.status,
            order.client_order_id in acked or order.status is not OrderStatus.SUBMITTED
            or order.filled_quantity > 0, order.client_order_id in flying,
        )
    positions = {s: core.ledger.quantity(s) for s in core.symbols}
    return NodeBook(orders, set(core.router.fill_ids), positions, manager.ids.prefix)


def apply_positions(positions: Mapping[str, Decimal], reports: Iterable[ExecutionReport],
                    sides: Mapping[str, OrderSide], symbols: Mapping[str, str]) -> dict:
    """Positions after ``reports``' fills (tests and the node's summary)."""
    out = defaultdict(lambda: _ZERO, positions)
    for report in reports:
        if report.kind is ReportKind.FILL and report.quantity is not None:
            cid = report.client_order_id
            out[symbols[cid]] += _signed(sides[cid], report.quantity)
    return {s: q for s, q in out.items() if q != 0}


__all__ = ["BookOrder", "Difference", "NodeBook", "Reconciliation", "apply_positions",
           "book_from_core", "reconcile"]
