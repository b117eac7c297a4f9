"""The fused order path for the common case: a sizing order filled whole the moment it is sent.

A market order released from a sizing intent (``order_percent``, ``order_value``,
``order_target_*``, ``close_position``) by the simulated venue at a bar's open (or close) fills
at that price when the venue has no participation cap, no latency and no other order working
on the symbol. :func:`fill_at_once` performs exactly what the general path does in that case
(``OrderManager.submit`` -> risk check -> ``mark_submitted`` -> ``SimulatedVenue.submit`` ->
``accept`` -> ``SimulatedVenue._fill`` -> ``OrderRouter.filled``): the same transitions, each
an :class:`~signaltrust.core.orders.OrderEvent` in ``manager.events`` (logged as its fields and
built when read, unless a listener waits for it), the same fill, the same exact ledger booking,
the same records; with a fraction of the Python calls (the transitions are checked against the
state table once, at import, instead of on every order).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from signaltrust.core.errors import InvalidTransitionError
from signaltrust.core.orders import (
    EXACT_CONTEXT,
    Fill,
    Order,
    OrderSide,
    OrderStatus,
    order_event,
)
from signaltrust.execution.state import can_transition
from signaltrust.risk.hook import AllowAll

S = OrderStatus
_NEW, _SUBMITTED, _ACCEPTED, _FILLED = S.NEW, S.SUBMITTED, S.ACCEPTED, S.FILLED
_BUY = OrderSide.BUY
_ZERO = Decimal(0)
_INF = float("inf")

#: the path every fused order takes; checked against the state table when this module loads
FUSED_PATH = (_NEW, _SUBMITTED, _ACCEPTED, _FILLED)
for _a, _b in zip(FUSED_PATH, FUSED_PATH[1:], strict=False):
    if not can_transition(_a, _b):  # pragma: no cover - guards a future change of the table
        raise InvalidTransitionError(
            f"the fused order path needs {_a.value} -> {_b.value}",
            order_id="-",
            from_status=_a,
            to_status=_b,
            allowed=(),
            fix="update backtest.event.fast_path with the state table",
        )


def fill_at_once(router: Any, order: Order, slot: int, bar: int, volume: float) -> None:
    """Register, check, send, accept and fill a fresh market ``order`` of ``slot`` whole.

    The caller guarantees the case: ``order`` is NEW and unknown to the manager, a market order
    without links (no parent, OCO group or children), the venue fills it now at
    ``router.portfolio.last[slot]`` (plus slippage) with no cap. A denied order ends DENIED as
    on the general path; a fill price or fee that is not a plain finite float goes through the
    validating :meth:`OrderRouter.filled`.
    """
    manager, clock = router.manager, router.clock
    now_ns = clock.now_ns
    ts = router.ts(now_ns)
    cid, sid, symbol = order.client_order_id, order.strategy_id, order.symbol
    if manager._listeners:
        emit = manager._emit

        def log(fields: tuple[Any, ...]) -> None:
            emit(order_event(*fields))

    else:  # nobody listens: the fields are logged, the events built when events is read
        if manager._compact_from < 0:
            manager._compact_from = len(manager._log)
        log = manager._log.append

    if order.created_at is None:
        order.created_at = ts
    manager._orders[cid] = order
    manager._open[cid] = order
    log((cid, None, _NEW, ts, None, None, sid, symbol))
    check = router.check
    if type(check) is not AllowAll:
        verdict = check.check(order, router.portfolio)
        if not verdict.allowed:
            manager.deny(cid, verdict.reason or verdict.check, ts)
            return
    order.status = _SUBMITTED
    order.updated_at = ts
    log((cid, _NEW, _SUBMITTED, ts, None, None, sid, symbol))
    order.status = _ACCEPTED
    log((cid, _SUBMITTED, _ACCEPTED, ts, None, None, sid, symbol))
    venue = router.broker
    quantity = order.quantity
    q = float(quantity)
    side = 1 if order.side is _BUY else -1
    price = venue.slippage.price(router.portfolio.last[slot], side, q, volume)
    venue._trade[slot] = (now_ns, price)
    fee = router.fees.fee(q * price)
    if not (
        type(price) is float and 0.0 < price < _INF and type(fee) is float and 0.0 <= fee < _INF
    ):
        router.filled(order, quantity, price, slot, bar)
        return
    router._fill_seq += 1
    fill = Fill.trusted(
        f"F-{router._fill_seq}",
        cid,
        symbol,
        order.side,
        quantity,
        Decimal(repr(price)),
        Decimal(repr(fee)) if fee else _ZERO,
        router.currency,
        ts,
        sid,
    )
    # OrderManager._fill_transition, for an order that fills whole at once (from zero): the
    # filled quantity is the order's, its notional quantity x price, its average the price
    fill_price = fill.price
    order.status = _FILLED
    order.filled_quantity = quantity
    order.filled_notional = EXACT_CONTEXT.multiply(quantity, fill_price)
    order.average_fill_price = fill_price
    order.fees = fill.fee
    manager._fills[fill.fill_id] = fill
    del manager._open[cid]
    log((cid, _ACCEPTED, _FILLED, ts, None, fill, sid, symbol))
    router.book(order, fill, q, price, slot, bar)
