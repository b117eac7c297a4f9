"""Brackets and OCO: an entry with linked stop-loss and take-profit, one-cancels-other groups.

:class:`BracketLinks` is a part of :class:`~signaltrust.execution.manager.OrderManager` (which
inherits it): it links orders and applies the effects of a fill or an end state on the linked
ones, through the manager's state changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from signaltrust.core.errors import DuplicateOrderError, ValidationError
from signaltrust.core.orders import Order, OrderEvent, OrderStatus, OrderType
from signaltrust.execution.ids import IdGenerator

S = OrderStatus
_FILLED = S.FILLED
_CANCELED = S.CANCELED


@dataclass(frozen=True, slots=True)
class Bracket:
    """An entry order with its linked exits; the exits are one-cancels-other (``oco_group``)."""

    entry: Order
    stop_loss: Order | None
    take_profit: Order | None
    oco_group: str

    @property
    def orders(self) -> tuple[Order, ...]:
        """Entry first, then the exits that exist."""
        return tuple(o for o in (self.entry, self.stop_loss, self.take_profit) if o is not None)


def check_bracket(
    held_ids: Collection[str], entry: Order, stop_loss: Order | None, take_profit: Order | None
) -> None:
    """Refuse a bracket whose exits do not mirror the entry, or whose ids are in ``held_ids``.

    Exits take the opposite side and the same symbol, strategy and quantity; the stop-loss is a
    STOP, STOP_LIMIT or TRAILING_STOP order, the take-profit a LIMIT order on the winning side.
    """
    for o in (entry, stop_loss, take_profit):
        if o is not None and o.client_order_id in held_ids:
            raise DuplicateOrderError(
                "a bracket order reuses a client order id already in use",
                field="client_order_id",
                value=o.client_order_id,
                fix="use manager.next_client_order_id(strategy_id) for each bracket order",
            )
    for name, o, types in (
        (
            "stop_loss",
            stop_loss,
            (OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP),
        ),
        ("take_profit", take_profit, (OrderType.LIMIT,)),
    ):
        if o is None:
            continue
        problems = {
            "order_type": (
                o.order_type not in types,
                f"one of {', '.join(t.value for t in types)}",
            ),
            "side": (o.side is not entry.side.opposite, entry.side.opposite.value),
            "symbol": (o.symbol != entry.symbol, entry.symbol),
            "strategy_id": (o.strategy_id != entry.strategy_id, entry.strategy_id),
            "quantity": (o.quantity != entry.quantity, str(entry.quantity)),
            "parent_id": (
                o.parent_id not in (None, entry.client_order_id),
                entry.client_order_id,
            ),
        }
        for fld, (bad, want) in problems.items():
            if bad:
                raise ValidationError(
                    f"the bracket's {name} must have {fld} {want}",
                    field=f"{name}.{fld}",
                    value=getattr(o, fld),
                    fix=f"build the {name} with {fld}={want}",
                )
    if stop_loss is not None and take_profit is not None and stop_loss.stop_price is not None:
        below = stop_loss.stop_price < take_profit.limit_price  # type: ignore[operator]
        if below != entry.is_buy:
            raise ValidationError(
                "the stop-loss must lie on the losing side of the take-profit",
                field="stop_loss.stop_price",
                value=stop_loss.stop_price,
                fix="for a long entry put the stop below the take-profit; for a short, above",
            )
    if entry.parent_id is not None:
        raise ValidationError(
            "a bracket entry cannot itself be a bracket exit",
            field="entry.parent_id",
            value=entry.parent_id,
            fix="use a fresh entry order",
        )


class BracketLinks:
    """Brackets (entry with held exits) and OCO groups of the order manager."""

    ids: IdGenerator
    _orders: dict[str, Order]
    _groups: dict[str, list[Order]]
    _children: dict[str, list[Order]]
    _held: dict[str, Order]
    _released: list[Order]
    get: Callable[[str], Order]
    submit: Callable[..., Order]
    _change: Callable[..., list[OrderEvent]]

    def link_oco(self, orders: list[Order] | tuple[Order, ...]) -> str:
        """Put already-submitted open orders in one one-cancels-other group; returns its id.

        When one member FILLS, the open others are canceled.
        """
        if len(orders) < 2:
            raise ValidationError(
                "an OCO group needs at least two orders",
                field="orders",
                value=len(orders),
                fix="pass two or more",
            )
        members = []
        for o in orders:
            held = self.get(o.client_order_id)
            if held.oco_group is not None or held.is_terminal:
                raise ValidationError(
                    "an OCO member must be open and in no other group",
                    field="oco_group",
                    value=held.oco_group or held.status,
                    fix="link open, ungrouped orders",
                )
            members.append(held)
        group = self.ids.next_oco_group()
        for o in members:
            o.oco_group = group
        self._groups[group] = members
        return group

    def bracket(
        self,
        entry: Order,
        stop_loss: Order | None = None,
        take_profit: Order | None = None,
        timestamp: datetime | None = None,
    ) -> Bracket:
        """Submit an entry with linked exits: they are held until the entry fills, then released.

        Exits take the opposite side, the same symbol, strategy and quantity as the entry;
        ``stop_loss`` is a STOP, STOP_LIMIT or TRAILING_STOP order, ``take_profit`` a LIMIT order.
        When the entry FILLS the exits are released (``take_released``); when it ends with a
        partial fill they are released resized to the filled quantity; when it ends without a
        fill they are canceled. When one exit fills the other is canceled (one-cancels-other),
        and a partial fill of one shrinks the other to the same remaining quantity.
        Idempotent: the same bracket submitted again returns the existing one.
        """
        exits = [o for o in (stop_loss, take_profit) if o is not None]
        if not exits:
            raise ValidationError(
                "a bracket needs a stop_loss, a take_profit or both",
                field="stop_loss",
                value=None,
                fix="pass stop_loss=Order(...) and/or take_profit=Order(...)",
            )
        if entry.client_order_id in self._orders:
            held = self._children.get(entry.client_order_id)
            if held is not None and [o.client_order_id for o in held] == [
                o.client_order_id for o in exits
            ]:
                self.submit(entry)
                for o in exits:
                    self.submit(o)
                sl = self._orders[stop_loss.client_order_id] if stop_loss else None
                tp = self._orders[take_profit.client_order_id] if take_profit else None
                return Bracket(self._orders[entry.client_order_id], sl, tp, held[0].oco_group or "")
        check_bracket(self._orders, entry, stop_loss, take_profit)
        group = self.ids.next_oco_group()
        self.submit(entry, timestamp)
        for o in exits:
            o.parent_id = entry.client_order_id
            o.oco_group = group if len(exits) > 1 else None
            self.submit(o, timestamp)
            self._held[o.client_order_id] = o
        self._children[entry.client_order_id] = exits
        if len(exits) > 1:
            self._groups[group] = exits
        return Bracket(entry, stop_loss, take_profit, group)

    def oco_members(self, group: str) -> list[Order]:
        """The orders of one one-cancels-other group (empty for an unknown group)."""
        return list(self._groups.get(group, ()))

    def take_released(self) -> list[Order]:
        """Bracket exits released since the last call (entry filled); send them like new orders."""
        out, self._released = self._released, []
        return out

    def _after_terminal(self, order: Order, timestamp: datetime | None) -> list[OrderEvent]:
        events: list[OrderEvent] = []
        if order.status is _FILLED and order.oco_group is not None:
            for sibling in self._groups.get(order.oco_group, ()):
                if sibling is not order and sibling.is_open:
                    events += self._change(
                        sibling, _CANCELED, timestamp, f"OCO: {order.client_order_id} filled"
                    )
        for child in self._children.get(order.client_order_id, ()):
            if child.client_order_id not in self._held:
                continue
            if order.filled_quantity == 0:
                events += self._change(
                    child,
                    _CANCELED,
                    timestamp,
                    f"entry {order.client_order_id} {order.status.value} without a fill",
                )
            else:
                del self._held[child.client_order_id]
                child.quantity = order.filled_quantity
                self._released.append(child)
        return events

    def _resize_bracket_siblings(self, order: Order) -> None:
        # one-updates-other for bracket exits: the sibling never closes more than is still open
        if order.parent_id is None or order.oco_group is None:
            return
        for sibling in self._groups.get(order.oco_group, ()):
            if sibling is not order and sibling.is_open and sibling.filled_quantity == 0:
                sibling.quantity = order.remaining_quantity
