"""The event bus on NATS JetStream: a durable stream per node, replay from a sequence number.

Each node's events go to one stream, ``SIGNALTRUST_<node>``, that holds the subjects
``signaltrust.<node>.>`` (the topics of every kind), so the stream's sequence is the node's
event sequence: one order over all kinds, never reused when the node restarts. Retention: the
latest ``max_events`` and, when set, nothing older than ``max_age_hours``, on disk.

Publishing sends a batch without waiting between messages (``publish_async``) and then waits
for every acknowledgement; each message carries its event id as ``Nats-Msg-Id``, so a batch
sent again after a lost connection is not stored twice (within the stream's two-minute
duplicate window).

Subscribing: without a durable name, an ordered push consumer (no acknowledgements; made
again from the next sequence when the connection comes back) from the new events or from
``from_seq``; with one, a durable
pull consumer with explicit acknowledgements that survives the subscriber, resumed where it
stopped. A subscription to several kinds listens to the node's whole subject and keeps the
kinds asked for (the server this was written against, 2.9, takes one filter per consumer).

The connection reconnects by itself (``max_reconnect_attempts=-1``); the server unreachable
at start, or without JetStream, is a ValidationError naming ``bus.url``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    StorageType,
    StreamConfig,
)

from signaltrust.core.bus import (
    PREFIX,
    Event,
    EventBus,
    Subscription,
    check_event,
    check_from_seq,
    check_name,
    encode,
    topics_of,
)
from signaltrust.core.config import mask_secrets
from signaltrust.core.errors import ValidationError

log = logging.getLogger(__name__)

DEFAULT_URL = "nats://127.0.0.1:4222"
# messages fetched at once, and the most a durable consumer has unacknowledged: after a crash
# the server delivers nothing newer until those are redelivered, so the order holds
_FETCH_BATCH = 64
_WAIT_S = 5.0  # one wait for messages; the loop waits again
# how often a waiting follower checks whether the connection came back (its consumer is then
# made again from the next sequence: nats-py's own reset waits for missed heartbeats, ~20 s)
_POLL_S = 0.5


def stream_name(node: str) -> str:
    """The JetStream stream of a node: ``SIGNALTRUST_<node>``."""
    return f"{PREFIX.upper()}_{check_name(node, 'node')}"


class NatsBus(EventBus):
    """Events on NATS JetStream (see the module doc); ``await NatsBus(url).connect()``."""

    backend = "nats"

    def __init__(self, url: str = DEFAULT_URL, *, max_events: int = 100_000,
                 max_age_hours: float | None = 168.0, connect_timeout_s: float = 2.0) -> None:
        self.url = url
        self.max_events = max_events
        self.max_age_hours = max_age_hours
        self.connect_timeout_s = connect_timeout_s
        self.nc: Any = None
        self.js: Any = None
        self._streams: set[str] = set()
        self.reconnects = 0  # times the connection came back (followers re-create consumers)

    async def connect(self) -> NatsBus:
        """Connect and check JetStream; ValidationError naming ``bus.url`` when it cannot."""
        shown = mask_secrets(self.url)
        try:
            # two attempts at start (nats-py would retry a first connect forever with
            # max_reconnect_attempts=-1); once connected, it reconnects forever
            self.nc = await nats.connect(
                self.url, connect_timeout=self.connect_timeout_s, allow_reconnect=False,
                max_reconnect_attempts=1, reconnect_time_wait=0.5,
                error_cb=self._error, disconnected_cb=self._disconnected,
                reconnected_cb=self._reconnected, name="signaltrust",
            )
            self.nc.options.update(allow_reconnect=True, max_reconnect_attempts=-1)
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise ValidationError(
                f"cannot reach the NATS server ({type(exc).__name__}: {mask_secrets(exc)})",
                field="bus.url", value=shown,
                fix="start it (nats-server -js), correct bus.url, or set bus.backend = "
                    "'memory' for one process",
            ) from None
        self.js = self.nc.jetstream(timeout=max(self.connect_timeout_s, 5.0))
        try:
            await self.js.account_info()
        except (TimeoutError, nats.errors.Error) as exc:
            await self.nc.close()
            raise ValidationError(
                f"the NATS server has no JetStream ({type(exc).__name__})", field="bus.url",
                value=shown, fix="start the server with JetStream enabled (nats-server -js)",
            ) from None
        return self

    async def _error(self, exc: Exception) -> None:
        log.warning("NATS: %s", mask_secrets(exc))

    async def _disconnected(self) -> None:
        if self.nc is not None and not (self.nc.is_closed or self.nc.is_draining):
            log.warning("NATS: disconnected from %s; reconnecting", mask_secrets(self.url))

    async def _reconnected(self) -> None:
        self.reconnects += 1
        log.warning("NATS: reconnected to %s", mask_secrets(self.url))

    def _ready(self) -> Any:
        if self.js is None:
            raise ValidationError("the NATS bus is not connected", field="bus",
                                  value=mask_secrets(self.url), fix="await bus.connect() first")
        return self.js

    async def ensure_stream(self, node: str) -> str:
        """Create the node's stream (or update its retention); its name."""
        name = stream_name(node)
        if name in self._streams:
            return name
        js = self._ready()
        config = StreamConfig(
            name=name, subjects=[f"{PREFIX}.{node}.>"], max_msgs=self.max_events,
            max_age=None if self.max_age_hours is None else self.max_age_hours * 3600.0,
            storage=StorageType.FILE, discard=DiscardPolicy.OLD, duplicate_window=120.0,
        )
        try:
            info = await js.stream_info(name)
        except nats.js.errors.NotFoundError:
            # created meanwhile by another process: BadRequest
            with contextlib.suppress(nats.js.errors.BadRequestError):
                await js.add_stream(config)
        else:
            if (info.config.max_msgs, info.config.max_age) != (config.max_msgs,
                                                              config.max_age or 0):
                await js.update_stream(config)
        self._streams.add(name)
        return name

    async def publish(self, topic: str, event: Event) -> int:
        return (await self.publish_many([(topic, event)]))[0]

    async def publish_many(self, items: Sequence[tuple[str, Event]]) -> list[int]:
        js = self._ready()
        pending = []
        for name, event in items:
            node, _ = check_event(name, event)
            stream = await self.ensure_stream(node)
            headers = {"Nats-Msg-Id": str(event["id"])} if event.get("id") else None
            pending.append(await js.publish_async(name, encode(event), stream=stream,
                                                  headers=headers))
        acks = await asyncio.gather(*pending)
        return [int(ack.seq) for ack in acks]

    def subscribe(self, topics: Sequence[str] | str, *, durable_name: str | None = None,
                  from_seq: int | None = None) -> Subscription:
        node, kinds = topics_of(topics)
        if durable_name is not None:
            check_name(durable_name, "durable_name")
        return _NatsSubscription(self, node, kinds, durable_name, check_from_seq(from_seq))

    async def last_seq(self, node: str) -> int:
        try:
            info = await self._ready().stream_info(stream_name(node))
        except nats.js.errors.NotFoundError:
            return 0
        return int(info.state.last_seq)

    async def delete_node(self, node: str) -> None:
        name = stream_name(node)
        self._streams.discard(name)
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await self._ready().delete_stream(name)

    async def close(self) -> None:
        nc = self.nc
        if nc is not None and not nc.is_closed:
            try:
                await nc.drain()  # sends what is buffered first
            except (nats.errors.Error, TimeoutError) as exc:  # reconnecting: nothing to drain
                log.debug("NATS: closing without draining (%s)", exc)
                await nc.close()
        self.nc = self.js = None


def _decode(msg: Any) -> Event:
    event: Event = json.loads(msg.data)
    event["seq"] = int(msg.metadata.sequence.stream)
    return event


class _NatsSubscription(Subscription):
    def __init__(self, bus: NatsBus, node: str, kinds: frozenset[str], durable: str | None,
                 from_seq: int | None) -> None:
        super().__init__()
        self.bus, self.node, self.kinds, self.durable, self.from_seq = (
            bus, node, kinds, durable, from_seq)
        one = next(iter(kinds)) if len(kinds) == 1 else ">"
        self.subject = f"{PREFIX}.{node}.{one}"
        self.sub: Any = None
        self.buffer: list[Any] = []
        self.last: Any = None  # the durable message handed out last, acknowledged on the next
        self.high = 0  # the highest sequence handed out (a redelivered one is skipped)
        self.generation = 0  # the bus's reconnect count when the consumer was made

    def _policy(self) -> dict[str, Any]:
        if self.from_seq is None:
            return {"deliver_policy": DeliverPolicy.NEW}
        return {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE,
                "opt_start_seq": self.from_seq}

    async def _open(self) -> None:
        bus = self.bus
        js = bus._ready()
        stream = await bus.ensure_stream(self.node)
        if self.durable is None:
            if self.from_seq is None:  # new events only: those after the stream's last now
                self.high = await bus.last_seq(self.node)
            await self._follow(self._policy())
            return
        try:
            info = await js.consumer_info(stream, self.durable)
        except nats.js.errors.NotFoundError:
            info = None
        if info is not None and info.config.filter_subject != self.subject:
            raise ValidationError(
                "this durable subscription follows other kinds of events",
                field="durable_name", value=self.durable,
                fix=f"use another name, or follow {info.config.filter_subject} with it",
            )
        config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=30.0,
                                max_ack_pending=_FETCH_BATCH, **self._policy())
        self.sub = await js.pull_subscribe(self.subject, durable=self.durable, stream=stream,
                                           config=config)

    async def _follow(self, policy: dict[str, Any]) -> None:
        """An ordered consumer (no acknowledgements) of ``policy``."""
        generation = self.bus.reconnects
        self.sub = await self.bus._ready().subscribe(
            self.subject, stream=stream_name(self.node), ordered_consumer=True,
            deliver_policy=policy.pop("deliver_policy"), config=ConsumerConfig(**policy),
        )
        self.generation = generation

    async def _refollow(self) -> None:
        """After a reconnect: the consumer again, from the event after the last one seen."""
        try:
            await self.sub.unsubscribe()
        except (TimeoutError, nats.errors.Error) as exc:
            log.debug("NATS: dropping the old consumer: %s", exc)
        start = self.high + 1 if self.high else self.from_seq
        await self._follow({"deliver_policy": DeliverPolicy.NEW} if start is None else {
            "deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": start})

    async def _next(self) -> Event:
        if self.durable is None:
            while True:
                if self.generation != self.bus.reconnects:
                    try:
                        await self._refollow()
                    except (TimeoutError, nats.errors.Error) as exc:
                        log.warning("NATS: following again failed (%s); retrying", exc)
                        await asyncio.sleep(_POLL_S)
                        continue
                try:
                    msg = await self.sub.next_msg(timeout=_POLL_S)
                except nats.errors.TimeoutError:
                    continue
                event = _decode(msg)
                if event["seq"] <= self.high:
                    continue  # seen before the consumer was made again
                self.high = event["seq"]
                if event.get("kind") in self.kinds:
                    return event
        if self.last is not None:
            await self.last.ack()
            self.last = None
        while True:
            while self.buffer:
                msg = self.buffer.pop(0)
                event = _decode(msg)
                if event["seq"] > self.high and event.get("kind") in self.kinds:
                    self.last, self.high = msg, event["seq"]
                    return event
                await msg.ack()  # a kind not asked for, or a redelivery: taken
            try:
                self.buffer = await self.sub.fetch(_FETCH_BATCH, timeout=_WAIT_S)
            except nats.errors.TimeoutError:
                continue
            except (nats.errors.ConnectionReconnectingError, nats.errors.NoRespondersError,
                    nats.js.errors.ServiceUnavailableError) as exc:  # the server is coming back
                log.debug("NATS: fetching again after %s", exc)
                await asyncio.sleep(_POLL_S)

    async def _close(self, taken: bool) -> None:
        try:
            if self.last is not None:
                await (self.last.ack() if taken else self.last.nak())
            for msg in self.buffer:  # fetched, not handed out: delivered again at once
                await msg.nak()
            self.buffer = []
            if self.sub is not None:
                await self.sub.unsubscribe()
        except (TimeoutError, nats.errors.Error) as exc:  # closing a dead connection
            log.debug("NATS subscription closed with %s", exc)
        self.last = self.sub = None


__all__ = ["DEFAULT_URL", "NatsBus", "stream_name"]
