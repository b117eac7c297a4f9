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

from signaltrust.backtest.event.results import tags_reason
from signaltrust.core.errors import InvalidTransitionError
from signaltrust.core.orders import (
    Fill,
    Order,
    OrderSide,
    OrderStatus,
    TimeInForce,
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
    manager = router.manager
    if manager._deferred:
        manager._settle()  # the deferred orders' events come first
    now_ns = router.clock._now
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
    manager._by_id[cid] = order
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
    quantity = order.quantity
    q = float(quantity)
    price, fee = _price_and_fee(router, slot, order.side, q, volume, now_ns)
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
    manager.filled_whole_at_once(order, fill)
    del manager._open[cid]
    log((cid, _ACCEPTED, _FILLED, ts, None, fill, sid, symbol))
    router.book(order, fill, q, price, slot, bar)


def fill_recorded(
    router: Any,
    cid: str,
    symbol: str,
    side: OrderSide,
    quantity: Decimal,
    q: float,
    time_in_force: TimeInForce,
    strategy_id: str,
    tags: tuple[str, ...],
    slot: int,
    bar: int,
    volume: float,
) -> None:
    """:func:`fill_at_once` for a market order given as its fields, when nobody listens for
    order events and every order passes the risk check (:class:`AllowAll`): the fill is booked
    in the ledger, the portfolio and the records now, and the manager keeps the order as its
    fields (:meth:`OrderManager.record_filled_at_once`), building the :class:`Order`, its
    :class:`Fill` and events when they are first read.

    ``q`` is ``float(quantity)``. The caller guarantees what :meth:`Order.market` assumes of
    the fields and that ``cid`` is fresh; ``router.deferrable()`` is true.
    """
    now_ns = router.clock._now
    price, fee = _price_and_fee(router, slot, side, q, volume, now_ns)
    if not (
        type(price) is float and 0.0 < price < _INF and type(fee) is float and 0.0 <= fee < _INF
    ):  # a model gave something unusual: the validating path, with an Order
        order = Order.market(cid, symbol, side, quantity, time_in_force, strategy_id, tags)
        ts = router.ts(now_ns)
        router.manager.submit(order, ts)
        router.manager.mark_submitted(cid, ts)
        router.manager.accept(cid, ts)
        router.filled(order, quantity, price, slot, bar)
        return
    router._fill_seq += 1
    fill_id = f"F-{router._fill_seq}"
    exact_price = Decimal(repr(price))
    exact_fee = Decimal(repr(fee)) if fee else _ZERO
    currency = router.currency
    router.manager.record_filled_at_once(
        cid,
        strategy_id,
        symbol,
        side,
        quantity,
        time_in_force,
        tags,
        now_ns,
        fill_id,
        exact_price,
        exact_fee,
        currency,
    )
    cash, held = router.ledger.book_fields(
        fill_id,
        symbol,
        strategy_id,
        side is _BUY,
        quantity,
        exact_price,
        exact_fee,
        currency,
        lambda: Fill.trusted(
            fill_id,
            cid,
            symbol,
            side,
            quantity,
            exact_price,
            exact_fee,
            currency,
            router.ts(now_ns),
            strategy_id,
        ),
    )
    sign = 1.0 if side is _BUY else -1.0
    router.booked(slot, bar, sign, q, price, fee, tags_reason(tags), cash, held)


def _price_and_fee(
    router: Any, slot: int, side: OrderSide, units: float, volume: float, now_ns: int
) -> tuple[float, float]:
    """The venue's fill price (the last price plus slippage) and fee of ``units`` now."""
    venue = router.broker
    price = venue.slippage.price(
        router.portfolio.last[slot], 1 if side is _BUY else -1, units, volume
    )
    venue._trade[slot] = (now_ns, price)
    return price, router.fees.fee(units * price)
