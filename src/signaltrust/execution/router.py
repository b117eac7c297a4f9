"""The order path shared by every mode: strategy -> manager -> pre-trade check -> broker -> reports.

``submit`` registers an order (NEW), asks the pre-trade check (DENIED with its reason, or
SUBMITTED) and sends it to the broker. The broker answers with execution reports, which
:meth:`OrderRouter.on_execution_report` applies: ACCEPTED, REJECTED, CANCELED, EXPIRED change
the order's state; a FILL becomes a :class:`~signaltrust.core.orders.Fill` with the broker's
price, fee and fill id, is applied to the order, booked in the exact ledger and mirrored in the
portfolio's floats, then handed to ``on_fill`` (the trading core's listener).

Reports may come late, partial, twice or out of order:

- a fill id already applied is ignored (counted in ``duplicates``);
- a fill before the acknowledgement accepts the order first;
- an acknowledgement or cancel after the order ended is stale and ignored;
- a fill for an order that already ended (the cancel lost the race) is still booked, the
  money moved, and recorded as a late fill on the order;
- a fill for an unknown order, or one the order cannot take, is an anomaly: with
  ``strict=True`` (backtests) it raises, else it is kept in ``anomalies`` for reconciliation.

Sizing orders (value, percent, targets) wait here until released with a price: by the
simulated venue at the next bar's open, or at once for a broker that prices its own fills.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from signaltrust.core.errors import SignalTrustError, ValidationError
from signaltrust.core.events import ExecutionReport, ReportKind
from signaltrust.core.orders import (
    Fill,
    Order,
    OrderSide,
    OrderStatus,
    SizingIntent,
    TimeInForce,
    positive_fill_values,
    to_decimal,
)
from signaltrust.core.stamps import TimestampCache
from signaltrust.execution.broker import Broker
from signaltrust.execution.ledger import Ledger
from signaltrust.execution.manager import OrderManager
from signaltrust.execution.portfolio import Portfolio
from signaltrust.execution.pretrade import AllowAll, PreTradeCheck
from signaltrust.execution.sizing import TARGETS, release

log = logging.getLogger(__name__)

S = OrderStatus
_NEW = S.NEW
_SUBMITTED = S.SUBMITTED
_FILLED = S.FILLED
_CANCELED = S.CANCELED
_K = ReportKind
_BUY, _SELL = OrderSide.BUY, OrderSide.SELL
_TIF = {t.value: t for t in TimeInForce}
_INF = float("inf")
_TERMINAL = frozenset(s for s in OrderStatus if s.is_terminal)


class Anomaly(NamedTuple):
    """A report the router could not apply as is: what it was and why."""

    report: ExecutionReport
    reason: str


def _nothing() -> None:
    return None


class OrderRouter:
    """Routes orders through the manager, the pre-trade check and the broker; applies reports.

    ``clock`` gives ``now_ns``; ``hold_sizing`` keeps sizing orders until :meth:`release` is
    called with a price (a broker that fills against bars); otherwise they are released at the
    latest price when placed. ``on_fill(order, fill)`` is called after each booked fill;
    ``flush()`` after each strategy-side call (the core delivers queued events then).
    ``fast_path``: a named setting for a broker that can fill a market order the moment it
    is sent (the simulated venue): see :meth:`release`.
    """

    def __init__(
        self,
        manager: OrderManager,
        ledger: Ledger,
        portfolio: Portfolio,
        clock: Any,
        broker: Broker,
        *,
        check: PreTradeCheck | None = None,
        currency: str = "USD",
        hold_sizing: bool = True,
        strict: bool = True,
        fast_path: bool = False,
    ) -> None:
        self.manager = manager
        self.ledger = ledger
        self.portfolio = portfolio
        self.clock = clock
        self.broker = broker
        self.check = check if check is not None else AllowAll()
        self.currency = currency
        self.hold_sizing = hold_sizing
        self.strict = strict
        #: a released sizing order the broker fills whole at once (``broker.fills_at_once``)
        #: is checked, then taken and filled in one step (``broker.fill_at_once``,
        #: ``manager.fill_at_once``): the same order, events and fill, without the reports
        self.fast_path = fast_path and hasattr(broker, "fill_at_once")
        self.stamp = TimestampCache()
        self.intents: list[list[SizingIntent]] = [[] for _ in portfolio.symbols]
        self.pending = 0  # sizing orders waiting for release
        self.fill_ids: set[str] = set()  # broker fill ids applied
        self.duplicates = 0
        self.late_fills: list[Fill] = []
        self.anomalies: list[Anomaly] = []
        self.on_fill: Callable[[Order, Fill], None] = lambda order, fill: None
        self.flush: Callable[[], None] = _nothing
        self._slot = portfolio.slots
        self._several = False  # several strategies trade here: keep their own positions
        self._sent: set[str] = set()  # sizing orders' ids already sent as orders
        #: a new client order id for a strategy (the order manager's own)
        self.next_id: Callable[[str], str] = manager.next_client_order_id
        broker.connect(self, portfolio.symbols)

    def several_strategies(self, yes: bool) -> None:
        """Keep each strategy's own positions apart in the portfolio (several strategies)."""
        self._several = yes
        self.portfolio.separate = yes

    # -- strategy side (the Context's OrderRouting) -------------------------------------------
    def submit(self, order: Order) -> str:
        now = self.clock.now_ns
        ts = self.stamp(now)
        self.manager.submit(order, ts)
        self.route(order, now, ts)
        self.flush()
        return order.client_order_id

    def submit_bracket(
        self, entry: Order, stop_loss: Order | None, take_profit: Order | None
    ) -> str:
        now = self.clock.now_ns
        ts = self.stamp(now)
        self.manager.bracket(entry, stop_loss, take_profit, ts)
        self.route(entry, now, ts)
        self.flush()
        return entry.client_order_id

    def defer(self, intent: SizingIntent) -> str:
        """Hold a sizing order until release (or release it now when not holding)."""
        slot = self._slot[intent.symbol]
        self.intents[slot].append(intent)
        self.pending += 1
        if not self.hold_sizing:
            volume = float("nan")
            self.release(slot, True, volume)
            self.release(slot, False, volume)
            self.flush()
        return intent.client_order_id

    def cancel(self, client_order_id: str) -> None:
        """Cancel a sizing order not yet released, or ask the broker to cancel an order."""
        for queue in self.intents:
            for intent in queue:
                if intent.client_order_id == client_order_id:
                    queue.remove(intent)
                    self.pending -= 1
                    return
        order = self.manager.get(client_order_id)
        if order.status is _NEW or self.manager.is_held(client_order_id):
            # never reached a broker: canceled here
            self.manager.cancel(
                client_order_id, self.stamp(self.clock.now_ns), "canceled by the strategy"
            )
        elif order.is_open:
            self.broker.cancel(order, self.clock.now_ns)
        self.flush()

    def link_oco(self, client_order_ids: tuple[str, ...]) -> str:
        return self.manager.link_oco([self.manager.get(i) for i in client_order_ids])

    def get(self, client_order_id: str) -> Order:
        return self.manager.get(client_order_id)

    def is_pending(self, client_order_id: str) -> bool:
        return any(i.client_order_id == client_order_id for q in self.intents for i in q)

    def open_orders(self, symbol: str | None, strategy_id: str | None = None) -> list[Order]:
        return self.manager.open_orders(symbol, strategy_id)

    # -- the path -------------------------------------------------------------------------
    def route(self, order: Order, now: int, ts: Any) -> None:
        """Ask the pre-trade check, then send (SUBMITTED) or deny (DENIED) a NEW order; ``ts``
        is ``now`` (UTC nanoseconds) as a timestamp."""
        verdict = self.check.check(order, self.portfolio)
        if not verdict.allowed:
            self.manager.deny(order.client_order_id, verdict.reason or verdict.check, ts)
            return
        self.manager.mark_submitted(order.client_order_id, ts)
        self.broker.submit(order, now)

    # -- sizing at release ----------------------------------------------------------------
    def release(self, slot: int, reducing: bool, volume: float) -> None:
        """Turn the sizing orders of ``slot`` into orders at its latest price.

        ``reducing=True`` sends the target orders that shrink a position (a target across
        zero closes it first); ``False`` sends the rest, sized with the equity after them.
        """
        queue = self.intents[slot]
        if not queue:
            return
        if reducing:  # only target orders have a reducing part
            for intent in queue:
                if intent.kind in TARGETS:
                    break
            else:
                return
        pf = self.portfolio
        price = pf.last[slot]
        fees, slippage = self.broker.fees, self.broker.slippage
        at_once = (slot, volume) if (
            self.fast_path and len(queue) == 1 and self.broker.fills_at_once(slot)) else None
        keep: list[SizingIntent] = []
        several = self._several
        for intent in queue:
            if reducing and intent.kind not in TARGETS:
                keep.append(intent)
                continue
            step = release(
                intent.kind, intent.amount, reducing, price,
                pf.own(slot, intent.strategy_id) if several else pf.qty[slot], pf.equity,
                pf.gross_exposure, pf.leverage, fees, slippage, volume,
            )
            if step.close_all or step.units > 0.0:
                self._send(intent, step.side, step.units, step.close_all, at_once)
            if not step.done:
                keep.append(intent)
        if len(keep) != len(queue):
            self.pending -= len(queue) - len(keep)
            self.intents[slot] = keep

    def _send(
        self,
        intent: SizingIntent,
        side: int,
        units: float,
        close_all: bool,
        at_once: tuple[int, float] | None,
    ) -> None:
        manager = self.manager
        sid = intent.strategy_id
        cid = intent.client_order_id
        if cid in self._sent:  # a target across zero: the opening part gets its own id
            cid = manager.next_client_order_id(sid)
        self._sent.add(cid)
        if close_all:
            quantity = abs(self.ledger.quantity(intent.symbol, sid if self._several else None))
        elif 0.0 < units < _INF:
            quantity = Decimal(repr(units)) if type(units) is float else to_decimal(units, "units")
        else:
            raise ValidationError(
                "a sizing order gave no finite quantity", field="units", value=units,
                fix="check the price and equity the order was sized with",
            )
        order = Order.market(
            cid, intent.symbol, _BUY if side > 0 else _SELL, quantity,
            _TIF[intent.time_in_force], sid, intent.tags,
        )
        now = self.clock.now_ns
        ts = self.stamp(now)
        manager.submit(order, ts)
        if at_once is None:
            self.route(order, now, ts)
            return
        # the fast path: checked, then taken and filled whole by the broker in one step
        verdict = self.check.check(order, self.portfolio)
        if not verdict.allowed:
            manager.deny(cid, verdict.reason or verdict.check, ts)
            return
        fill_id, price, fee = self.broker.fill_at_once(
            order, at_once[0], at_once[1], now, units if not close_all else float(quantity))
        fill = Fill.trusted(
            fill_id, cid, order.symbol, order.side, quantity, price, fee, self.currency, ts,
            sid,
        )
        manager.fill_at_once(cid, fill)
        self.fill_ids.add(fill_id)
        self._book(order, fill)
        if manager.has_released():
            for released in manager.take_released():
                self.route(released, now, ts)

    # -- broker side ------------------------------------------------------------------------
    def on_execution_report(self, report: ExecutionReport) -> None:
        """Apply one broker report (see the module doc for late, partial, duplicate reports)."""
        kind = report.kind
        if kind is _K.FILL:
            self._fill(report)
            return
        manager = self.manager
        cid = report.client_order_id
        order = manager.find(cid)
        if order is None:
            self._anomaly(report, "no order with this client order id")
            return
        if order.status in _TERMINAL:
            return  # stale: the order already ended (e.g. an ack after its fill)
        ts = self.stamp(report.ts_ns)
        if kind is _K.ACCEPTED:
            if order.status is _SUBMITTED:
                manager.accept(cid, ts)
        elif kind is _K.REJECTED:
            if order.status is _SUBMITTED:
                manager.reject(cid, report.reason or "rejected by the broker", ts)
            else:
                manager.cancel(cid, ts, f"rejected by the broker: {report.reason}")
        elif kind is _K.CANCELED:
            manager.cancel(cid, ts, report.reason or "canceled by the broker")
        elif kind is _K.EXPIRED:
            if order.status is _SUBMITTED:
                manager.accept(cid, ts)
            manager.expire(cid, ts, report.reason or "expired")

    def _fill(self, report: ExecutionReport) -> None:
        fill_id = report.venue_fill_id
        if fill_id is None:
            self._anomaly(report, "a fill without the broker's fill id")
            return
        if fill_id in self.fill_ids:
            self.duplicates += 1
            return
        manager = self.manager
        cid = report.client_order_id
        order = manager.find(cid)
        if order is None:
            self._anomaly(report, "a fill for no order of ours")
            return
        try:
            quantity, price, fee = positive_fill_values(report.quantity, report.price, report.fee)
        except ValidationError as exc:
            self._anomaly(report, f"a fill with a bad value: {exc}")
            return
        ts = self.stamp(report.ts_ns)
        fill = Fill.trusted(
            fill_id, cid, order.symbol, order.side, quantity, price, fee,
            report.fee_currency or self.currency, ts, order.strategy_id, report.liquidity,
        )
        if order.status is _SUBMITTED:
            manager.accept(cid, ts)  # the fill beat the acknowledgement
        if order.status in _TERMINAL:
            manager.apply_late_fill(fill)
            self.late_fills.append(fill)
            log.warning("late fill %s for %s order %s", fill_id, order.status, cid)
        else:
            try:
                manager.apply_fill(fill)
            except SignalTrustError as exc:
                if self.strict:
                    raise
                self._anomaly(report, f"the order cannot take this fill: {exc}")
                manager.apply_late_fill(fill)  # the money moved at the broker all the same
            if order.oco_group is not None and order.status is _FILLED:
                self._cancel_siblings(order)
        self.fill_ids.add(fill_id)
        self._book(order, fill)
        if manager.has_released():
            now = self.clock.now_ns
            for released in manager.take_released():
                self.route(released, now, self.stamp(now))

    def _book(self, order: Order, fill: Fill) -> None:
        cash, net = self.ledger.book_trusted(fill)
        sid = order.strategy_id
        own = self.ledger.quantity(order.symbol, sid) if self._several else None
        self.portfolio.booked(self._slot[order.symbol], sid, cash, net, own)
        self.on_fill(order, fill)

    def _cancel_siblings(self, order: Order) -> None:
        """The OCO siblings the manager canceled when ``order`` filled: tell the broker."""
        for sibling in self.manager.oco_members(order.oco_group):  # type: ignore[arg-type]
            if sibling is not order and sibling.status is _CANCELED and not (
                self.manager.is_held(sibling.client_order_id)
            ):
                self.broker.cancel(sibling, self.clock.now_ns)

    def _anomaly(self, report: ExecutionReport, reason: str) -> None:
        if self.strict:
            raise ValidationError(
                f"the broker's report cannot be applied: {reason}",
                field="execution_report",
                value=report,
                fix="check the broker adapter; reconcile the account with the broker",
            )
        log.error("execution report not applied (%s): %s", reason, report)
        self.anomalies.append(Anomaly(report, reason))


__all__ = ["Anomaly", "OrderRouter"]
