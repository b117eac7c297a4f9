"""``follow(bus, node, kinds)``: the events a node publishes, for an API or another node."""

from __future__ import annotations

from collections.abc import Iterable

from signaltrust.core.bus import EventBus, Subscription, check_kinds, check_name, topic


def follow(bus: EventBus, node: str, kinds: Iterable[str] | str | None = None, *,
           from_start: bool = False, from_seq: int | None = None,
           durable_name: str | None = None) -> Subscription:
    """Follow ``node``'s events of ``kinds`` (all by default; ``"fills,orders"`` works): the
    new ones, or everything kept (``from_start``) or from sequence ``from_seq``; with a
    ``durable_name`` the bus remembers where this follower stopped.

    Use ``async with follow(...) as events:`` to fix the start before publishing begins, then
    ``async for event in events``.
    """
    check_name(node, "node")
    chosen = check_kinds(kinds)
    start = from_seq if from_seq is not None else (1 if from_start else None)
    return bus.subscribe([topic(node, k) for k in chosen], durable_name=durable_name,
                         from_seq=start)


__all__ = ["follow"]
