"""The event bus on Redis Streams: a stream per node, consumer groups, replay from an entry.

Each node's events go to one stream, the key ``signaltrust.<node>``, each entry holding the
topic and the event's JSON. The entry id is ``0-<seq>``: Redis gives the next number itself
(``XADD key 0-* ...``, Redis 7), so the entry id *is* the node's event sequence and a reader
replays from sequence ``n`` by reading after ``0-(n-1)``. The stream is trimmed to about
``max_events`` entries (``XADD ... MAXLEN ~``); ``max_age_hours`` is not applied here.

A batch of events is sent in one round trip (a pipeline, in order). Redis has no duplicate
window: a batch sent again after a connection broke mid-answer may be stored twice; the
events' ``id`` tells a follower so.

Subscribing: without a durable name, ``XREAD BLOCK`` from the stream's last entry (or from
``from_seq``); with one, a consumer group of that name (``XGROUP CREATE ... MKSTREAM``),
read with ``XREADGROUP`` and acknowledged with ``XACK``: started again, it first reads what it
was given and did not acknowledge, then what is new. A broken connection is retried with
back-off, from where the subscription was; the server unreachable at start is a
ValidationError naming ``bus.url``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

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

DEFAULT_URL = "redis://127.0.0.1:6379/0"
_BLOCK_MS = 5000
_COUNT = 256
TRANSIENT = (RedisConnectionError, RedisTimeoutError, OSError)


def stream_key(node: str) -> str:
    """The Redis stream of a node: ``signaltrust.<node>``."""
    return f"{PREFIX}.{check_name(node, 'node')}"


def entry_seq(entry_id: bytes | str) -> int:
    """The event sequence of an entry id ``0-<seq>``."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.rpartition("-")[2])


class RedisBus(EventBus):
    """Events on Redis Streams (see the module doc); ``await RedisBus(url).connect()``."""

    backend = "redis"

    def __init__(self, url: str = DEFAULT_URL, *, max_events: int = 100_000,
                 connect_timeout_s: float = 2.0) -> None:
        self.url = url
        self.max_events = max_events
        self.connect_timeout_s = connect_timeout_s
        self.client: Any = None

    async def connect(self) -> RedisBus:
        """Connect and check the server (Redis 7 or newer); ValidationError naming
        ``bus.url`` when it cannot."""
        shown = mask_secrets(self.url)
        try:
            self.client = redis.from_url(
                self.url, socket_connect_timeout=self.connect_timeout_s,
                retry=Retry(ExponentialWithJitterBackoff(cap=2.0, base=0.05), 3),
                retry_on_error=[RedisConnectionError, RedisTimeoutError],
                health_check_interval=30,
            )
            info = await self.client.info("server")
        except (RedisError, OSError, ValueError) as exc:
            if self.client is not None:
                await self.client.aclose()
            self.client = None
            raise ValidationError(
                f"cannot reach the Redis server ({type(exc).__name__}: {mask_secrets(exc)})",
                field="bus.url", value=shown,
                fix="start it, correct bus.url (redis://host:6379/0), or set bus.backend = "
                    "'memory' for one process",
            ) from None
        version = str(info.get("redis_version", "0"))
        if int(version.split(".")[0]) < 7:
            await self.client.aclose()
            self.client = None
            raise ValidationError(
                f"the event bus needs Redis 7 or newer (this server is {version})",
                field="bus.url", value=shown, fix="upgrade Redis, or use bus.backend = 'nats'",
            )
        return self

    def _ready(self) -> Any:
        if self.client is None:
            raise ValidationError("the Redis bus is not connected", field="bus",
                                  value=mask_secrets(self.url), fix="await bus.connect() first")
        return self.client

    async def publish(self, topic: str, event: Event) -> int:
        return (await self.publish_many([(topic, event)]))[0]

    async def publish_many(self, items: Sequence[tuple[str, Event]]) -> list[int]:
        client = self._ready()
        async with client.pipeline(transaction=False) as pipe:
            for name, event in items:
                node, _ = check_event(name, event)
                pipe.xadd(stream_key(node), {"topic": name, "event": encode(event)}, id="0-*",
                          maxlen=self.max_events, approximate=True)
            ids = await pipe.execute()
        return [entry_seq(i) for i in ids]

    def subscribe(self, topics: Sequence[str] | str, *, durable_name: str | None = None,
                  from_seq: int | None = None) -> Subscription:
        node, kinds = topics_of(topics)
        if durable_name is not None:
            check_name(durable_name, "durable_name")
        return _RedisSubscription(self, node, kinds, durable_name, check_from_seq(from_seq))

    async def last_seq(self, node: str) -> int:
        try:
            info = await self._ready().xinfo_stream(stream_key(node))
        except ResponseError:  # no such key
            return 0
        return entry_seq(info["last-generated-id"])

    async def delete_node(self, node: str) -> None:
        await self._ready().delete(stream_key(node))

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        self.client = None


def _decode(entry_id: bytes, fields: dict[bytes, bytes]) -> Event:
    event: Event = json.loads(fields[b"event"])
    event["seq"] = entry_seq(entry_id)
    return event


class _RedisSubscription(Subscription):
    def __init__(self, bus: RedisBus, node: str, kinds: frozenset[str], durable: str | None,
                 from_seq: int | None) -> None:
        super().__init__()
        self.bus, self.node, self.kinds = bus, node, kinds
        self.durable, self.from_seq = durable, from_seq
        self.key = stream_key(node)
        self.cursor = 0  # the last sequence read
        self.buffer: list[tuple[bytes, dict[bytes, bytes]]] = []
        self.last: bytes | None = None  # the durable entry handed out last, acked on the next
        self.pending = True  # a durable reads what it was given and did not ack first

    async def _open(self) -> None:
        client = self.bus._ready()
        if self.durable is None:
            self.cursor = (await self.bus.last_seq(self.node) if self.from_seq is None
                           else self.from_seq - 1)
            return
        await self._create_group(client)

    async def _create_group(self, client: Any) -> None:
        start = "$" if self.from_seq is None else f"0-{self.from_seq - 1}"
        try:
            await client.xgroup_create(self.key, self.durable, id=start, mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _read(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        client = self.bus._ready()
        if self.durable is None:
            answer = await client.xread({self.key: f"0-{self.cursor}"}, count=_COUNT,
                                        block=_BLOCK_MS)
        else:
            start = f"0-{self.cursor}" if self.pending else ">"
            try:
                answer = await client.xreadgroup(self.durable, self.durable, {self.key: start},
                                                 count=_COUNT,
                                                 block=None if self.pending else _BLOCK_MS)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):  # the stream was deleted: start it again
                    raise
                await self._create_group(client)
                return []
            if self.pending and not (answer and answer[0][1]):
                self.pending = False
        return answer[0][1] if answer else []

    async def _next(self) -> Event:
        client = self.bus._ready()
        if self.last is not None:
            await client.xack(self.key, self.durable, self.last)
            self.last = None
        wait = 0.05
        while True:
            while self.buffer:
                entry_id, fields = self.buffer.pop(0)
                seq = entry_seq(entry_id)
                self.cursor = max(self.cursor, seq)
                event = _decode(entry_id, fields)
                if event.get("kind") in self.kinds:
                    if self.durable is not None:
                        self.last = entry_id
                    return event
                if self.durable is not None:  # a kind not asked for: taken
                    await client.xack(self.key, self.durable, entry_id)
            try:
                self.buffer = await self._read()
                wait = 0.05
            except TRANSIENT as exc:
                log.warning("Redis bus: %s; reading again in %.2f s", mask_secrets(exc), wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, 2.0)

    async def _close(self, taken: bool) -> None:
        # entries read and not handed out stay pending: a durable reads them first next time
        if self.last is not None and taken and self.durable is not None:
            try:
                await self.bus._ready().xack(self.key, self.durable, self.last)
            except (RedisError, OSError, ValidationError) as exc:
                log.debug("Redis subscription closed with %s", exc)
        self.last = None
        self.buffer = []


__all__ = ["DEFAULT_URL", "RedisBus", "entry_seq", "stream_key"]
