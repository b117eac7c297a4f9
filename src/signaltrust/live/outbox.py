"""Orders leave the node only after the journal holds them: the outbox between the trading core
and a venue's execution client.

The core hands the outbox an order (or a cancel) in the middle of a step; the outbox keeps it
until the node has committed the step to the journal, then :meth:`Outbox.release` passes it to
the venue. A crash before the commit loses the step whole (nothing was sent); a crash after it
leaves an order the journal holds and the venue may not: reconciliation at the next start asks
the venue by client order id and sends it again under the same id (the venue deduplicates).
While the node replays its journal (``replaying``), nothing is sent at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from signaltrust.core.events import ExecutionReport
from signaltrust.core.orders import Order
from signaltrust.execution.broker import Broker, ReportSink


class Outbox(Broker):
    """A Broker for the core that holds orders and cancels until the step is journalled."""

    def __init__(self, venue: Any, account: str) -> None:
        self.venue = venue
        self.account = account
        self.fees = venue.fees
        self.slippage = venue.slippage
        self.pending: list[tuple[str, Order, int]] = []
        self.replaying = False
        self.sent = 0
        self.sent_at: dict[str, float] = {}  # client order id -> monotonic time it left
        self._inbound: Callable[[str, ExecutionReport], None] | None = None

    # the core's side
    def connect(self, reports: ReportSink, symbols: tuple[str, ...]) -> None:
        super().connect(reports, symbols)
        self.venue.connect(_Inbound(self), symbols)

    def submit(self, order: Order, now_ns: int) -> None:
        if not self.replaying:
            self.pending.append(("submit", order, now_ns))

    def cancel(self, order: Order, now_ns: int) -> None:
        if not self.replaying:
            self.pending.append(("cancel", order, now_ns))

    @property
    def working(self) -> int:  # type: ignore[override]
        return int(getattr(self.venue, "working", 0))

    # the node's side
    def route_reports(self, inbound: Callable[[str, ExecutionReport], None]) -> None:
        """Send the venue's reports to ``inbound(account, report)`` (the node's queue)."""
        self._inbound = inbound

    def take(self) -> list[tuple[str, Order, int]]:
        """The held requests (the node journals them before :meth:`release`)."""
        held, self.pending = self.pending, []
        return held

    def in_flight(self, grace_seconds: float) -> set[str]:
        """Orders sent less than ``grace_seconds`` ago (a broker may not show them yet)."""
        cutoff = time.monotonic() - grace_seconds
        return {cid for cid, at in self.sent_at.items() if at >= cutoff}

    def release(self, held: list[tuple[str, Order, int]]) -> None:
        """Pass journalled requests to the venue, in order."""
        for action, order, now_ns in held:
            if action == "submit":
                self.sent += 1
                self.sent_at[order.client_order_id] = time.monotonic()
                self.venue.submit(order, now_ns)
            else:
                self.venue.cancel(order, now_ns)


class _Inbound:
    """The venue's report sink: reports go to the node's queue, not straight to the core."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def on_execution_report(self, report: ExecutionReport) -> None:
        inbound = self.outbox._inbound
        if inbound is None:  # not routed yet: straight to the core (tests of the outbox)
            self.outbox.reports.on_execution_report(report)
        else:
            inbound(self.outbox.account, report)


__all__ = ["Outbox"]
