"""The event bus: what a trading node publishes so that an API process or another node can follow.

A node publishes its orders, fills, positions, P&L, risk state, logs and status on topics named
``signaltrust.<node>.<kind>`` (:data:`KINDS`). An event is a plain JSON-ready dict::

    {"type": "fill", "kind": "fills", "node": "demo", "account": "paper", "seq": 12,
     "ts": "2024-01-02T21:00:00+00:00", "id": "demo-5f3a...-12", "data": {...}}

- ``type``: what happened (``order``, ``fill``, ``position``, ``pnl``, ``risk_state``, ...);
- ``kind``: the topic's last part; ``node`` and ``account``: who published it;
- ``seq``: the event's number in its node's stream (1, 2, 3, ... across all kinds), given by
  the bus when it stores the event (JetStream's stream sequence, the Redis stream entry), so
  numbers never repeat when a node restarts, and a late subscriber replays ``from_seq``;
- ``ts``: when it happened, UTC ISO 8601 (the core's clock: market time in a replay);
- ``id``: unique per event (the publisher's run and counter): the bus drops a resent duplicate
  where it can (JetStream) and a follower can drop one where it cannot;
- ``data``: the payload, made plain by :func:`signaltrust.core.serialize.to_plain`.

:class:`EventBus` is the interface; :class:`InProcessBus` (here) keeps events in memory for one
process (the default); ``signaltrust.live.bus`` has NATS JetStream and Redis Streams and
``open_bus(settings)`` to choose one from the ``[bus]`` settings.

A subscription (:class:`Subscription`) is an async iterator of events and an async context
manager: ``async with bus.subscribe(...) as events`` fixes where it starts before the block
runs (nothing published after that is missed); a plain ``async for`` starts at its first step.
With a ``durable_name`` the bus remembers what was taken: an event counts as taken when the
next one is asked for, or when the subscription closes without an error; started again, a
durable subscription resumes after the last event taken (``from_seq`` applies only when the
durable is created).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from signaltrust.core.errors import ValidationError

#: the kinds of topics a node publishes on
KINDS = ("orders", "fills", "positions", "pnl", "risk", "logs", "status")
PREFIX = "signaltrust"
#: the fields every event has
FIELDS = ("type", "kind", "node", "account", "seq", "ts", "id", "data")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Event = dict[str, Any]


def check_name(value: Any, field: str) -> str:
    """A node, account or durable name: 1-64 letters, digits, ``-`` or ``_`` (a NATS token)."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValidationError(
            "must be 1-64 letters, digits, '-' or '_'", field=field, value=value,
            fix="choose a name such as 'demo' or 'paper-1' (no dots, spaces or wildcards)",
        )
    return value


def check_kinds(kinds: Iterable[str] | str | None, field: str = "kinds") -> tuple[str, ...]:
    """Kinds of events (all of :data:`KINDS` when None); a comma-separated text is accepted."""
    if kinds is None:
        return KINDS
    items = [k.strip() for k in kinds.split(",")] if isinstance(kinds, str) else list(kinds)
    bad = [k for k in items if k not in KINDS]
    if bad or not items:
        raise ValidationError(
            "unknown kind of event", field=field, value=",".join(map(str, bad or items)),
            fix=f"use some of: {', '.join(KINDS)}",
        )
    return tuple(dict.fromkeys(items))


def topic(node: str, kind: str) -> str:
    """The topic ``signaltrust.<node>.<kind>``."""
    check_kinds((kind,), "kind")
    return f"{PREFIX}.{check_name(node, 'node')}.{kind}"


def parse_topic(name: Any) -> tuple[str, str]:
    """``(node, kind)`` of a topic ``signaltrust.<node>.<kind>``; ValidationError otherwise."""
    parts = name.split(".") if isinstance(name, str) else []
    if len(parts) != 3 or parts[0] != PREFIX or parts[2] not in KINDS or not _NAME.match(
            parts[1]):
        raise ValidationError(
            "not a topic of the event bus", field="topic", value=name,
            fix=f"use signaltrust.<node>.<kind>, kind one of {', '.join(KINDS)}",
        )
    return parts[1], parts[2]


def topics_of(names: Sequence[str] | str) -> tuple[str, frozenset[str]]:
    """The one node and the kinds a list of topics names (one node per subscription)."""
    parsed = [parse_topic(n) for n in ([names] if isinstance(names, str) else names)]
    nodes = {node for node, _ in parsed}
    if len(nodes) != 1:
        raise ValidationError(
            "a subscription follows the topics of one node", field="topics",
            value=list(names) if not isinstance(names, str) else names,
            fix="subscribe once per node (nodes are separate streams)",
        )
    return nodes.pop(), frozenset(kind for _, kind in parsed)


def iso_utc(ns: int) -> str:
    """UTC ISO 8601 text of a time in nanoseconds since 1970 (microsecond precision)."""
    return (_EPOCH + timedelta(microseconds=ns // 1000)).isoformat()


def run_id() -> str:
    """A short random hex token that tells one publisher's run from another's."""
    return os.urandom(6).hex()


def make_event(type: str, kind: str, node: str, account: str, ts_ns: int, data: Any,
               event_id: str | None = None) -> Event:
    """An event in the bus's shape (``seq`` is None until the bus stores it)."""
    return {"type": type, "kind": kind, "node": node, "account": account, "seq": None,
            "ts": iso_utc(ts_ns), "id": event_id, "data": data}


def check_event(name: str, event: Any) -> tuple[str, str]:
    """The ``(node, kind)`` of ``name``; ValidationError when the event does not match it."""
    node, kind = parse_topic(name)
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise ValidationError("an event is a dict with a 'type'", field="event.type",
                              value=type(event).__name__ if not isinstance(event, dict)
                              else event.get("type"), fix="build it with make_event(...)")
    if event.get("node", node) != node:
        raise ValidationError("the event's node is not the topic's", field="event.node",
                              value=event.get("node"), fix=f"publish it on {PREFIX}."
                              f"{event.get('node')}.{kind} or set its node to {node!r}")
    return node, kind


def encode(event: Event) -> bytes:
    """The event as compact JSON bytes (what NATS and Redis carry); ValidationError when an
    object in it is not plain JSON."""
    try:
        return json.dumps(event, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"the event is not plain JSON ({exc})", field="event.data", value=event.get("type"),
            fix="make the payload plain with signaltrust.core.serialize.to_plain first",
        ) from None


class Subscription(ABC):
    """Events of one node's topics, in order: an async iterator and an async context manager."""

    def __init__(self) -> None:
        self._started = False
        self._closed = False

    async def start(self) -> Subscription:
        """Fix where the subscription starts (called by ``async with`` or the first step)."""
        if not self._started:
            self._started = True
            await self._open()
        return self

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        if self._closed:
            raise StopAsyncIteration
        if not self._started:
            await self.start()
        return await self._next()

    async def aclose(self, taken: bool = True) -> None:
        """Stop; with a durable name, the last event counts as taken when ``taken``."""
        if not self._closed:
            self._closed = True
            if self._started:
                await self._close(taken)

    async def __aenter__(self) -> Subscription:
        return await self.start()

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose(taken=kind is None)

    @abstractmethod
    async def _open(self) -> None:
        """Create the consumer and fix the start position."""

    @abstractmethod
    async def _next(self) -> Event:
        """The next event (waits for it); acknowledges the previous one when durable."""

    @abstractmethod
    async def _close(self, taken: bool) -> None:
        """Acknowledge the last event when ``taken`` and durable; release the consumer."""


class EventBus(ABC):
    """Publish events on topics; subscribe to a node's topics; replay from a sequence number."""

    backend = "abstract"

    @abstractmethod
    async def publish(self, topic: str, event: Event) -> int:
        """Store ``event`` on ``topic``; the sequence number it was given."""

    async def publish_many(self, items: Sequence[tuple[str, Event]]) -> list[int]:
        """Store several events in order (a backend may send them in one round trip)."""
        return [await self.publish(name, event) for name, event in items]

    @abstractmethod
    def subscribe(self, topics: Sequence[str] | str, *, durable_name: str | None = None,
                  from_seq: int | None = None) -> Subscription:
        """Events of ``topics`` (one node's): new ones only, or from sequence ``from_seq``
        (1: the start of what is kept); with ``durable_name``, resumed where it stopped."""

    @abstractmethod
    async def last_seq(self, node: str) -> int:
        """The sequence number of the node's latest event (0 when none)."""

    @abstractmethod
    async def delete_node(self, node: str) -> None:
        """Delete every event of ``node`` and its durable subscriptions."""

    async def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections; safe to call twice."""

    async def __aenter__(self) -> EventBus:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


def check_from_seq(from_seq: int | None) -> int | None:
    if from_seq is not None and (isinstance(from_seq, bool) or not isinstance(from_seq, int)
                                 or from_seq < 1):
        raise ValidationError("must be a whole number >= 1", field="from_seq", value=from_seq,
                              fix="pass 1 to replay from the start, or None for new events")
    return from_seq


class _NodeLog:
    """One node's events in memory (the latest ``keep``), and a signal for waiting readers."""

    def __init__(self, keep: int) -> None:
        self.events: deque[Event] = deque(maxlen=keep)
        self.last = 0
        self.changed: asyncio.Event | None = None
        self.durables: dict[str, int] = {}  # durable name -> last sequence taken

    def first(self) -> int:
        return self.events[0]["seq"] if self.events else self.last + 1

    def signal(self) -> asyncio.Event:
        if self.changed is None:
            self.changed = asyncio.Event()
        return self.changed


class InProcessBus(EventBus):
    """The default bus: events kept in this process's memory (the latest ``max_events`` per
    node) and delivered to subscribers on the same asyncio loop.

    Each event is stored as a JSON round trip of what was published, so subscribers see
    exactly what NATS or Redis would deliver (tuples become lists, numbers stay numbers) and
    share no object with the publisher.
    """

    backend = "memory"

    def __init__(self, max_events: int = 100_000) -> None:
        self.max_events = max_events
        self._logs: dict[str, _NodeLog] = {}

    def _log(self, node: str) -> _NodeLog:
        log = self._logs.get(node)
        if log is None:
            log = self._logs[node] = _NodeLog(self.max_events)
        return log

    async def publish(self, topic: str, event: Event) -> int:
        node, _ = check_event(topic, event)
        log = self._log(node)
        stored = json.loads(encode(event))
        log.last += 1
        stored["seq"] = log.last
        log.events.append(stored)
        if log.changed is not None:
            log.changed.set()
            log.changed = None
        return log.last

    def subscribe(self, topics: Sequence[str] | str, *, durable_name: str | None = None,
                  from_seq: int | None = None) -> Subscription:
        node, kinds = topics_of(topics)
        if durable_name is not None:
            check_name(durable_name, "durable_name")
        return _InProcessSubscription(self._log(node), kinds, durable_name,
                                      check_from_seq(from_seq))

    async def last_seq(self, node: str) -> int:
        log = self._logs.get(check_name(node, "node"))
        return 0 if log is None else log.last

    async def delete_node(self, node: str) -> None:
        self._logs.pop(check_name(node, "node"), None)


class _InProcessSubscription(Subscription):
    def __init__(self, log: _NodeLog, kinds: frozenset[str], durable: str | None,
                 from_seq: int | None) -> None:
        super().__init__()
        self.log, self.kinds, self.durable, self.from_seq = log, kinds, durable, from_seq
        self.cursor = 0  # the last sequence number handed out
        self.taken = 0

    async def _open(self) -> None:
        log = self.log
        if self.durable is not None and self.durable in log.durables:
            self.cursor = log.durables[self.durable]
            return
        self.cursor = log.last if self.from_seq is None else self.from_seq - 1
        if self.durable is not None:
            log.durables[self.durable] = self.cursor

    async def _next(self) -> Event:
        log = self.log
        if self.durable is not None:
            log.durables[self.durable] = max(log.durables.get(self.durable, 0), self.cursor)
        while True:
            if self.cursor < log.last:
                first = log.first()
                index = max(self.cursor + 1 - first, 0)
                for event in itertools.islice(log.events, index, None):
                    self.cursor = event["seq"]
                    if event["kind"] in self.kinds:
                        return event
                self.cursor = log.last
            await log.signal().wait()

    async def _close(self, taken: bool) -> None:
        if self.durable is not None and taken:
            durables = self.log.durables
            durables[self.durable] = max(durables.get(self.durable, 0), self.cursor)


__all__ = [
    "FIELDS", "KINDS", "PREFIX", "Event", "EventBus", "InProcessBus", "Subscription",
    "check_event", "check_from_seq", "check_kinds", "check_name", "encode", "iso_utc",
    "make_event", "parse_topic", "run_id", "topic", "topics_of",
]
