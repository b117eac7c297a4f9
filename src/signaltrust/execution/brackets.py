"""Brackets: an entry order with a linked stop-loss and take-profit, and their checks."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from signaltrust.core.errors import DuplicateOrderError, ValidationError
from signaltrust.core.orders import Order, OrderType


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
