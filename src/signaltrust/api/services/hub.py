"""The WebSocket hub: typed channels, a snapshot then numbered deltas, slow clients dropped.

Channels: ``orders``, ``fills``, ``positions``, ``pnl``, ``candles``, ``risk``, ``logs`` (of one
node: ``"node"`` is required), ``health`` (of a node, or of the API and every node without
one), ``jobs`` and ``signals``. A subscription first gets ``{"type": "snapshot", "seq": n,
"data": ...}``, then ``{"type": "delta", "seq": n+1, ...}``, ``n+2``, ... A client that sees a
number missing asks ``{"type": "resync", ...}`` and gets a fresh snapshot.

Nothing waits on a client: an event is offered to each client's bounded queue and a delta that
does not fit is skipped (its number is used, so the client sees the gap and can resync). A
client whose queue stays full ``lag_seconds`` or that missed ``max_skipped`` deltas is closed
(code 4008): a slow client never slows a node (which runs in its own process anyway) or the
other clients.

Node events come from the event bus when the app has one (``app.state.bus``: orders, fills,
positions, P&L, risk, logs, status as the node publishes them) and otherwise from the node's
journal and registry row, polled every ``poll_seconds``; candles always come from the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from signaltrust.core.errors import ValidationError

CHANNELS = ("orders", "fills", "positions", "pnl", "candles", "signals", "jobs", "risk", "logs",
            "health")
NODE_CHANNELS = ("orders", "fills", "positions", "pnl", "candles", "risk", "logs")
#: journal kinds -> channel
JOURNAL = {"order": "orders", "fill": "fills", "bars": "candles", "state": "risk",
           "reconcile": "risk", "command": "logs"}
#: bus kinds -> channel
BUS = {"orders": "orders", "fills": "fills", "positions": "positions", "pnl": "pnl",
       "risk": "risk", "logs": "logs", "status": "health"}
KEEP = 100
CLOSE_SLOW = 4008

Key = tuple[str, str | None]


def check_subscription(message: dict[str, Any]) -> Key:
    channel = message.get("channel")
    node = message.get("node")
    if channel not in CHANNELS:
        raise ValidationError("unknown channel", field="channel", value=channel,
                              fix=f"use one of {list(CHANNELS)}")
    if channel in NODE_CHANNELS and not isinstance(node, str):
        raise ValidationError(f"the {channel} channel is a node's", field="node", value=node,
                              fix='add "node": "<name>" (see GET /api/v1/nodes)')
    if channel in ("jobs", "signals"):
        node = None
    return channel, node if isinstance(node, str) else None


@dataclass
class Client:
    """One connection: its send function, queue, subscriptions and sequence numbers."""

    send: Callable[[dict[str, Any]], Awaitable[None]]
    close: Callable[[int, str], Awaitable[None]]
    principal: Any
    queue: asyncio.Queue
    seqs: dict[Key, int] = field(default_factory=dict)
    skipped: int = 0
    lagging_since: float | None = None
    closed: bool = False


class NodeFeed:
    """What the hub knows of one node: recent journal entries and its latest registry row."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.after = 0
        self.candles: deque[dict[str, Any]] = deque(maxlen=KEEP)
        self.fills: deque[dict[str, Any]] = deque(maxlen=KEEP)
        self.orders: dict[str, dict[str, Any]] = {}
        self.risk: deque[dict[str, Any]] = deque(maxlen=KEEP)
        self.logs: deque[dict[str, Any]] = deque(maxlen=KEEP)
        self.record: dict[str, Any] | None = None
        self.task: asyncio.Task | None = None

    def apply(self, seq: int, ts_ns: int, kind: str, payload: dict[str, Any]
              ) -> list[tuple[str, Any]]:
        """Keep one journal entry; the (channel, delta) pairs it makes."""
        self.after = max(self.after, seq)
        ts = pd.Timestamp(ts_ns, tz="UTC").isoformat()
        channel = JOURNAL.get(kind)
        if channel is None:
            return []
        if kind == "bars":
            out = []
            for bar in payload.get("bars", []):
                candle = {"seq": seq, "time": pd.Timestamp(bar["end_ns"], tz="UTC").isoformat(),
                          **{k: bar.get(k) for k in ("symbol", "open", "high", "low", "close",
                                                     "volume")}}
                self.candles.append(candle)
                out.append(("candles", candle))
            return out
        row = {"seq": seq, "ts": ts, "kind": kind, **payload}
        if kind == "order":
            self.orders[f"{payload.get('account')}:{payload.get('client_order_id')}"] = row
            if len(self.orders) > 10 * KEEP:  # forget the oldest
                for old in list(self.orders)[: len(self.orders) - 10 * KEEP]:
                    del self.orders[old]
        else:
            {"fills": self.fills, "risk": self.risk, "logs": self.logs}[channel].append(row)
        return [(channel, row)]

    def figures(self, channel: str) -> Any:
        """The node's positions, P&L or health from its registry row."""
        record = self.record or {}
        if channel == "positions":
            return [{"account": a["account"], "symbol": s, "quantity": q}
                    for a in record.get("accounts", []) for s, q in a["positions"].items()]
        if channel == "pnl":
            return record.get("pnl", [])
        return {k: record.get(k) for k in ("name", "status", "heartbeat", "steps", "last_bar")}

    def snapshot(self, channel: str) -> Any:
        if channel in ("positions", "pnl", "health"):
            return self.figures(channel)
        if channel == "orders":
            return list(self.orders.values())[-KEEP:]
        if channel == "risk":
            states = [{"account": a["account"], "risk_state": a["risk_state"]}
                      for a in (self.record or {}).get("accounts", [])]
            return {"accounts": states, "events": list(self.risk)}
        return list({"candles": self.candles, "fills": self.fills, "logs": self.logs}[channel])


class Hub:
    """The channels of one app: ``nodes`` (a NodeService) gives journals and registry rows,
    ``jobs`` and ``signals`` are callables returning the app's services (None: not used)."""

    def __init__(self, *, nodes: Any, jobs: Callable[[], Any] | None = None,
                 signals: Callable[[], Any] | None = None, bus: Any = None,
                 metrics: Any = None, queue_size: int = 256, max_skipped: int = 1000,
                 lag_seconds: float = 5.0, poll_seconds: float = 0.05) -> None:
        self.nodes = nodes
        self.jobs = jobs
        self.signals = signals
        self.bus = bus
        self.metrics = metrics
        self.queue_size = queue_size
        self.max_skipped = max_skipped
        self.lag_seconds = lag_seconds
        self.poll_seconds = poll_seconds
        self.clients: list[Client] = []
        self.feeds: dict[str, NodeFeed] = {}
        self.job_state: dict[str, tuple[str, float]] = {}
        self._jobs_task: asyncio.Task | None = None
        self._signals_hooked = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- clients --------------------------------------------------------------------------------
    def attach(self, send: Callable[[dict[str, Any]], Awaitable[None]],
               close: Callable[[int, str], Awaitable[None]], principal: Any) -> Client:
        self._loop = asyncio.get_running_loop()
        client = Client(send, close, principal, asyncio.Queue(self.queue_size))
        self.clients.append(client)
        if self.metrics is not None:
            self.metrics.ws_clients.set(len(self.clients))
        return client

    def detach(self, client: Client) -> None:
        client.closed = True
        if client in self.clients:
            self.clients.remove(client)
        if self.metrics is not None:
            self.metrics.ws_clients.set(len(self.clients))
        for name in [n for n in self.feeds if not self._watched(n)]:
            feed = self.feeds.pop(name)
            if feed.task is not None:
                feed.task.cancel()

    def _watched(self, node: str) -> bool:
        return any(key[1] == node for c in self.clients for key in c.seqs)

    async def pump(self, client: Client) -> None:
        """Send the client's queue until it closes (one task per client)."""
        while not client.closed:
            message = await client.queue.get()
            sent_at = message.pop("_queued", None)
            await client.send(message)
            if sent_at is not None and self.metrics is not None:
                self.metrics.ws_lag.observe(max(0.0, time.monotonic() - sent_at))

    def offer(self, client: Client, message: dict[str, Any]) -> None:
        """Queue ``message`` for the client without waiting; skip it (and drop a client that
        stays behind) when the queue is full."""
        if client.closed:
            return
        try:
            client.queue.put_nowait({**message, "_queued": time.monotonic()})
            client.lagging_since = None
        except asyncio.QueueFull:
            client.skipped += 1
            now = time.monotonic()
            client.lagging_since = client.lagging_since or now
            if client.skipped >= self.max_skipped or now - client.lagging_since >= \
                    self.lag_seconds:
                self.drop(client)

    def drop(self, client: Client) -> None:
        """Close a slow client (without waiting for it)."""
        if client.closed:
            return
        self.detach(client)
        if self.metrics is not None:
            self.metrics.ws_dropped.inc()
        task = asyncio.ensure_future(client.close(CLOSE_SLOW, "too slow: resubscribe"))
        task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    def publish(self, key: Key, data: Any) -> None:
        """A delta of ``key`` to every client subscribed to it (never waits)."""
        channel, node = key
        for client in list(self.clients):
            if key in client.seqs:
                client.seqs[key] += 1
                self.offer(client, {"type": "delta", "channel": channel, "node": node,
                                    "seq": client.seqs[key], "data": data})

    # -- messages ------------------------------------------------------------------------------
    async def handle(self, client: Client, message: Any) -> None:
        """One message of the client: subscribe, unsubscribe, resync or ping."""
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            self.offer(client, {"type": "pong"})
            return
        if kind not in ("subscribe", "unsubscribe", "resync"):
            raise ValidationError("unknown message type", field="type", value=kind,
                                  fix="send subscribe, unsubscribe, resync or ping")
        key = check_subscription(message)
        if kind == "unsubscribe":
            client.seqs.pop(key, None)
            self.offer(client, {"type": "unsubscribed", "channel": key[0], "node": key[1]})
            return
        snapshot = await self._snapshot(key)
        seq = client.seqs.get(key, 0) + 1
        client.seqs[key] = seq
        self.offer(client, {"type": "snapshot", "channel": key[0], "node": key[1], "seq": seq,
                            "data": snapshot})

    async def _snapshot(self, key: Key) -> Any:
        channel, node = key
        if channel == "jobs":
            records = await asyncio.to_thread(lambda: self.jobs().store.list(limit=KEEP))
            self._start_jobs(records)
            return [self._job(r) for r in records]
        if channel == "signals":
            self._hook_signals()
            service = self.signals()
            return [answer for _, answer in service._cache.values()]
        if node is None:  # health of the API and its nodes
            return {"api": "ok", "clients": len(self.clients),
                    "nodes": [{k: n[k] for k in ("name", "status", "heartbeat")}
                              for n in await asyncio.to_thread(self.nodes.list)]}
        feed = await self._feed(node)
        return feed.snapshot(channel)

    # -- node feeds ----------------------------------------------------------------------------
    async def _feed(self, node: str) -> NodeFeed:
        feed = self.feeds.get(node)
        if feed is None:
            await asyncio.to_thread(self.nodes.get, node)  # unknown: ValidationError
            feed = self.feeds[node] = NodeFeed(node)
            events = None
            if self.bus is not None:  # fixed before the snapshot: no event falls between
                from signaltrust.live.bus import follow

                events = await follow(self.bus, node).start()
            await asyncio.to_thread(self._read, feed, True)
            feed.task = asyncio.create_task(self._follow(feed, events))
        return feed

    def _read(self, feed: NodeFeed, first: bool = False) -> list[tuple[str, Any]]:
        """New journal entries and the registry row (worker thread); the deltas."""
        from signaltrust.storage import Journal

        journal = Journal(self.nodes.database, feed.name)
        after = max(0, journal.last_seq - 20 * KEEP) if first else feed.after
        kinds = ("bars",) if self.bus is not None and not first else None
        deltas = []
        for entry in journal.entries(after=after, kinds=kinds):
            deltas += feed.apply(entry.seq, entry.ts_ns, entry.kind, entry.payload)
        feed.after = max(feed.after, journal.last_seq)
        if self.bus is None or first:
            record = self.nodes.get(feed.name)
            if record != feed.record:
                previous, feed.record = feed.record, record
                deltas += [(channel, feed.figures(channel))
                           for channel in ("positions", "pnl", "health")
                           if previous is not None and _changed(previous, record, channel)]
        return [] if first else deltas

    async def _follow(self, feed: NodeFeed, events: Any = None) -> None:
        bus_task = asyncio.create_task(self._follow_bus(feed, events)) if events else None
        try:
            while True:
                await asyncio.sleep(self.poll_seconds)
                for channel, data in await asyncio.to_thread(self._read, feed):
                    self.publish((channel, feed.name), data)
                    self._count(feed.name, channel)
                    # let the clients' senders run between deltas: a burst larger than a
                    # queue is not a slow client (this yields; it never waits on a client)
                    await asyncio.sleep(0)
        finally:
            if bus_task is not None:
                bus_task.cancel()

    async def _follow_bus(self, feed: NodeFeed, events: Any) -> None:
        async with events:
            async for event in events:
                channel = BUS.get(event.get("kind"))
                if channel is None:
                    continue
                data = {"bus_seq": event.get("seq"), "ts": event.get("ts"),
                        "type": event.get("type"), "account": event.get("account"),
                        **(event.get("data") or {})}
                self.publish((channel, feed.name), data)
                self._count(feed.name, channel)

    def _count(self, node: str, channel: str) -> None:
        if self.metrics is not None and channel in ("orders", "fills"):
            getattr(self.metrics, channel).labels(node).inc()

    # -- jobs and signals ----------------------------------------------------------------------
    @staticmethod
    def _job(record: Any) -> dict[str, Any]:
        return {k: getattr(record, k) for k in ("id", "kind", "status", "progress", "message",
                                                "error", "actor")}

    def _start_jobs(self, records: list[Any]) -> None:
        if self._jobs_task is None or self._jobs_task.done():
            # what the first snapshot showed: every change after it is a delta
            self.job_state = {r.id: (r.status, r.progress) for r in records}
            self._jobs_task = asyncio.create_task(self._follow_jobs())

    async def _follow_jobs(self) -> None:
        store = self.jobs().store
        while True:
            records = await asyncio.to_thread(store.list, limit=KEEP)
            for record in reversed(records):  # oldest first
                state = (record.status, record.progress)
                if self.job_state.get(record.id) != state:
                    self.job_state[record.id] = state
                    self.publish(("jobs", None), self._job(record))
            if self.metrics is not None:
                for status in ("queued", "running", "done", "failed", "canceled", "interrupted"):
                    self.metrics.jobs.labels(status).set(
                        sum(1 for r in records if r.status == status))
            await asyncio.sleep(max(self.poll_seconds, 0.5))

    def _hook_signals(self) -> None:
        if self._signals_hooked:
            return
        self._signals_hooked = True
        loop = asyncio.get_running_loop()

        def computed(answer: dict[str, Any]) -> None:  # called from a worker thread
            loop.call_soon_threadsafe(self.publish, ("signals", None), answer)

        self.signals().listeners.append(computed)

    async def close(self) -> None:
        for feed in self.feeds.values():
            if feed.task is not None:
                feed.task.cancel()
        if self._jobs_task is not None:
            self._jobs_task.cancel()
        for client in list(self.clients):
            with contextlib.suppress(Exception):
                await client.close(1001, "the API is stopping")


def _changed(previous: dict[str, Any], record: dict[str, Any], channel: str) -> bool:
    old, new = NodeFeed("x"), NodeFeed("x")
    old.record, new.record = previous, record
    return old.figures(channel) != new.figures(channel)


__all__ = ["CHANNELS", "CLOSE_SLOW", "NODE_CHANNELS", "Client", "Hub", "NodeFeed",
           "check_subscription"]
