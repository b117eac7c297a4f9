"""The kill switch's reach into execution: cancel every open order, flatten every position.

The risk engine needs only two things from whatever runs the orders (the event engine, a paper
or live trading node): :class:`FlattenBroker` — ``cancel_all(reason)`` and ``flatten(reason)``.
:class:`OrderPathBroker` implements it over an :class:`~signaltrust.execution.OrderManager`,
the positions, and the functions that submit and cancel orders on the normal path, so the
flattening orders still pass the risk engine (which lets them through as reductions, tagged
:data:`KILL_TAG`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from signaltrust.core.errors import InvalidTransitionError
from signaltrust.core.orders import Order, OrderSide, OrderType

#: the tag every flattening order carries
KILL_TAG = "kill_switch"


@runtime_checkable
class FlattenBroker(Protocol):
    """What the kill switch needs: cancel all open orders; close all positions at market."""

    def cancel_all(self, reason: str) -> list[str]:
        """Cancel every open order; return the client order ids canceled."""
        ...

    def flatten(self, reason: str) -> list[str]:
        """Send a market order closing each position; return their client order ids."""
        ...


class OrderPathBroker:
    """A :class:`FlattenBroker` over an order manager and the usual submit/cancel functions.

    ``positions()`` returns ``{symbol: signed quantity}`` (Decimal for exactness);
    ``submit(order)`` sends an order down the normal path (risk check included);
    ``cancel(client_order_id)`` cancels one; ``pending()`` lists orders not yet sent (sizing
    orders that wait for a price), which ``cancel`` also removes.
    """

    def __init__(self, manager: Any, positions: Callable[[], Mapping[str, Decimal | float]],
                 submit: Callable[[Order], Any], cancel: Callable[[str], Any], *,
                 pending: Callable[[], list[str]] | None = None,
                 strategy_id: str = "risk") -> None:
        self.manager = manager
        self.positions = positions
        self.submit = submit
        self.cancel = cancel
        self.pending = pending
        self.strategy_id = strategy_id

    @classmethod
    def for_event_engine(cls, engine: Any) -> OrderPathBroker:
        """The broker of a :class:`signaltrust.backtest.event.EventEngine` (its router)."""
        router, ledger = engine.router, engine.ledger

        def positions() -> dict[str, Decimal]:
            return {s: ledger.quantity(s) for s in engine.feed.symbols if ledger.quantity(s)}

        def pending() -> list[str]:
            return [i.client_order_id for queue in router.intents for i in queue]

        return cls(engine.manager, positions, router.submit, router.cancel, pending=pending,
                   strategy_id=engine.ctx.strategy_id if hasattr(engine.ctx, "strategy_id")
                   else "risk")

    def cancel_all(self, reason: str) -> list[str]:
        ids = list(self.pending()) if self.pending is not None else []
        ids += [o.client_order_id for o in self.manager.open_orders()]
        done = []
        for cid in dict.fromkeys(ids):
            if cid in self.manager and not self.manager.get(cid).is_open:
                continue  # closed meanwhile (an OCO sibling, a bracket child)
            try:
                self.cancel(cid)
            except InvalidTransitionError:
                continue
            done.append(cid)
        return done

    def flatten(self, reason: str) -> list[str]:
        sent = []
        for symbol, quantity in self.positions().items():
            quantity = Decimal(str(quantity)) if not isinstance(quantity, Decimal) else quantity
            if not quantity:
                continue
            side = OrderSide.SELL if quantity > 0 else OrderSide.BUY
            cid = self.manager.next_client_order_id(self.strategy_id)
            order = Order(cid, symbol, side, abs(quantity), OrderType.MARKET,
                          strategy_id=self.strategy_id, tags=(KILL_TAG,))
            self.submit(order)
            sent.append(cid)
        return sent
