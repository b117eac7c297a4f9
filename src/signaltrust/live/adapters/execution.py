"""What every venue's execution client shares: sending, canceling, and turning what the venue
says into execution reports exactly once.

A venue adapter implements five requests (:meth:`_place`, :meth:`_cancel`, :meth:`_find`,
:meth:`account_state` and, optionally, a push stream) and this base does the rest:

- ``submit``/``cancel`` schedule the request on the running loop and return at once;
- the placement is retried under the **same** client order id (the venue deduplicates); a
  venue answering "that client order id exists" is looked up, not reported rejected;
- a definitive refusal is reported ``REJECTED``; an ambiguous outcome is reported **nothing**:
  the order stays open in :attr:`ambiguous` until :meth:`poll_reports` (or the push stream)
  finds it by client order id;
- every report is emitted once: ``ACCEPTED`` before fills, each venue fill id once, the end
  state (``CANCELED``, ``EXPIRED``) only after the fills the venue counted were reported.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from signaltrust.core.errors import (
    AmbiguousBrokerError,
    BrokerError,
    DefinitiveBrokerError,
)
from signaltrust.core.events import ExecutionReport, ReportKind
from signaltrust.core.orders import Order, OrderStatus
from signaltrust.execution.venue_state import VenueAccountState, VenueFill, VenueOrder
from signaltrust.live.contract import ExecutionClient
from signaltrust.live.ratelimit import Sleep
from signaltrust.live.retry import RetryPolicy

log = logging.getLogger("signaltrust.live.adapters")
ZERO = Decimal(0)
_ENDED = (OrderStatus.CANCELED, OrderStatus.EXPIRED)


class DuplicateClientOrderIdError(DefinitiveBrokerError):
    """The venue already holds an order under this client order id (a resend was deduplicated)."""


@dataclass(frozen=True)
class Placed:
    """A venue's answer to an order: the order as it sees it and any fills it reported at once."""

    order: VenueOrder
    fills: tuple[VenueFill, ...] = ()


class VenueExecutionClient(ExecutionClient):
    """The shared order path of the venue adapters (see the module doc)."""

    venue = "venue"

    def __init__(
        self, *, policy: RetryPolicy, clock_ns: Callable[[], int] = time.time_ns,
        poll_interval_s: float = 2.0, sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.policy = policy
        self.clock_ns = clock_ns
        self.poll_interval_s = poll_interval_s
        self._sleep = sleep
        self.orders: dict[str, Order] = {}
        self.venue_ids: dict[str, str] = {}
        self.ambiguous: set[str] = set()
        self._acked: set[str] = set()
        self._ended: set[str] = set()
        self._fill_ids: set[str] = set()
        self._reported_qty: dict[str, Decimal] = {}
        self._tasks: set[asyncio.Task] = set()
        self._poller: asyncio.Task | None = None
        self._since_ns: int | None = None

    @property  # type: ignore[override]
    def working(self) -> int:
        """Orders sent here that have not ended (the Broker interface's count)."""
        return len(self.open_client_ids())

    # --- the Broker interface -------------------------------------------------------------
    def submit(self, order: Order, now_ns: int) -> None:
        self.orders[order.client_order_id] = order
        self._spawn(self.send(order))

    def cancel(self, order: Order, now_ns: int) -> None:
        self._spawn(self.send_cancel(order))

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the requests scheduled so far (tests, and a node shutting down)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- what a venue implements ------------------------------------------------------------
    async def _place(self, order: Order) -> Placed:
        raise NotImplementedError

    async def _cancel(self, order: Order, venue_order_id: str | None) -> VenueOrder | None:
        raise NotImplementedError

    async def _find(self, client_order_id: str) -> Placed | None:
        """The venue's order (and its fills) under our client order id; None when unknown."""
        raise NotImplementedError

    # --- sending ----------------------------------------------------------------------------
    async def send(self, order: Order) -> None:
        """Place ``order`` and report what the venue said (nothing when it is unknown)."""
        cid = order.client_order_id
        self.orders[cid] = order
        try:
            placed = await self._place(order)
        except DuplicateClientOrderIdError:
            placed = await self._find_quietly(cid)
            if placed is None:
                self.ambiguous.add(cid)
                return
        except DefinitiveBrokerError as exc:
            self._report(ExecutionReport(ReportKind.REJECTED, cid, None, self.clock_ns(),
                                         reason=exc.message))
            self._ended.add(cid)
            return
        except (AmbiguousBrokerError, BrokerError) as exc:
            log.warning("%s: order %s outcome unknown, kept open: %s", self.venue, cid,
                        exc.message)
            self.ambiguous.add(cid)
            return
        self.ambiguous.discard(cid)
        self.apply(placed.order, placed.fills)

    async def send_cancel(self, order: Order) -> None:
        """Ask the venue to cancel; report CANCELED only when it says the order ended."""
        cid = order.client_order_id
        try:
            answer = await self._cancel(order, self.venue_ids.get(cid))
        except DefinitiveBrokerError as exc:
            # refused: the order filled or ended already; its own reports will say how
            log.info("%s: cancel of %s refused: %s", self.venue, cid, exc.message)
            answer = None
        except BrokerError as exc:
            log.warning("%s: cancel of %s outcome unknown: %s", self.venue, cid, exc.message)
            return
        if answer is None:
            placed = await self._find_quietly(cid)
            if placed is not None:
                self.apply(placed.order, placed.fills)
            return
        self.apply(answer, ())

    async def _find_quietly(self, cid: str) -> Placed | None:
        try:
            return await self._find(cid)
        except BrokerError as exc:
            log.warning("%s: lookup of %s failed: %s", self.venue, cid, exc.message)
            return None

    # --- reports ----------------------------------------------------------------------------
    def _report(self, report: ExecutionReport) -> None:
        sink = getattr(self, "reports", None)
        if sink is None:
            log.warning("%s: report for %s dropped: not connected", self.venue,
                        report.client_order_id)
            return
        sink.on_execution_report(report)

    def apply(self, order: VenueOrder, fills: Iterable[VenueFill]) -> None:
        """Emit what is new in the venue's view of one order: ACCEPTED, fills, its end."""
        cid = order.client_order_id
        if cid is None or cid in self._ended:
            return
        if order.venue_order_id:
            self.venue_ids[cid] = order.venue_order_id
        self.ambiguous.discard(cid)
        if order.status is OrderStatus.REJECTED:
            if cid not in self._acked:
                self._report(ExecutionReport(ReportKind.REJECTED, cid, order.venue_order_id,
                                             order.ts_ns, reason="rejected by the venue"))
                self._ended.add(cid)
            return
        if cid not in self._acked and order.status not in (OrderStatus.NEW,
                                                           OrderStatus.SUBMITTED):
            self._acked.add(cid)
            self._report(ExecutionReport(ReportKind.ACCEPTED, cid, order.venue_order_id,
                                         order.ts_ns))
        for fill in sorted(fills, key=lambda f: (f.ts_ns, f.venue_fill_id)):
            self.apply_fill(fill)
        reported = self._reported_qty.get(cid, ZERO)
        if order.status in _ENDED and reported >= order.filled:
            kind = ReportKind.CANCELED if order.status is OrderStatus.CANCELED else (
                ReportKind.EXPIRED)
            self._report(ExecutionReport(kind, cid, order.venue_order_id, order.ts_ns,
                                         reason=f"{order.status.value.lower()} at the venue"))
            self._ended.add(cid)
        elif order.status is OrderStatus.FILLED and reported >= order.quantity:
            self._ended.add(cid)

    def apply_fill(self, fill: VenueFill) -> None:
        """Emit one fill once (its venue fill id is the key)."""
        cid = fill.client_order_id or self._cid_of(fill.venue_order_id)
        if cid is None or fill.venue_fill_id in self._fill_ids:
            return
        if cid not in self._acked:
            self._acked.add(cid)
            self._report(ExecutionReport(ReportKind.ACCEPTED, cid, fill.venue_order_id,
                                         fill.ts_ns))
        self._fill_ids.add(fill.venue_fill_id)
        self._reported_qty[cid] = self._reported_qty.get(cid, ZERO) + fill.quantity
        self._report(ExecutionReport(
            ReportKind.FILL, cid, fill.venue_order_id, fill.ts_ns, venue_fill_id=fill.venue_fill_id,
            quantity=fill.quantity, price=fill.price, fee=fill.fee, liquidity=fill.liquidity,
            fee_currency=fill.fee_currency,
        ))

    def _cid_of(self, venue_order_id: str) -> str | None:
        for cid, vid in self.venue_ids.items():
            if vid == venue_order_id:
                return cid
        return None

    def open_client_ids(self) -> list[str]:
        """Our orders sent here that have not ended (ambiguous ones included)."""
        return [cid for cid in self.orders if cid not in self._ended]

    async def poll_reports(self) -> VenueAccountState:
        """Ask the venue once and report what changed for our open orders (and resolve the
        ambiguous ones by client order id)."""
        state = await self.account_state(self._since_ns)
        known = {o.client_order_id: o for o in state.orders if o.client_order_id}
        fills: dict[str, list[VenueFill]] = {}
        for fill in state.fills:
            cid = fill.client_order_id or self._cid_of(fill.venue_order_id)
            if cid is not None:
                fills.setdefault(cid, []).append(fill)
        for cid in self.open_client_ids():
            if cid in known:
                self.apply(known[cid], fills.get(cid, ()))
                continue
            placed = await self._find_quietly(cid)
            if placed is not None:
                self.apply(placed.order, (*placed.fills, *fills.get(cid, ())))
        return state

    async def _poll_forever(self) -> None:
        while True:
            await self._sleep(self.poll_interval_s)
            if not self.open_client_ids():
                continue
            try:
                await self.poll_reports()
            except BrokerError as exc:
                log.warning("%s: poll failed: %s", self.venue, exc.message)

    async def open(self) -> None:
        """Start polling the venue for reports (when ``poll_interval_s`` > 0)."""
        if self.poll_interval_s > 0 and self._poller is None:
            self._poller = asyncio.get_running_loop().create_task(self._poll_forever())

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        await self.settle()


__all__ = ["DuplicateClientOrderIdError", "Placed", "VenueExecutionClient"]
