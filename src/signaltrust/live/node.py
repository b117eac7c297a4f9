"""The trading node: accounts (trading cores with their brokers and strategies) driven by a feed,
every step journalled, rebuilt from its journal after a crash, steered by operator commands.

One step, whatever its input (bars, book data, a broker's report, a timer, an operator's
command):

1. the node stamps the input with its time and applies it to the cores;
2. what followed (order events, fills with their ledger entries, orders to send) is collected;
3. the input and its consequences are written to the journal in one transaction;
4. only then do orders leave for a venue (the :class:`~signaltrust.live.outbox.Outbox`).

A restart under the same name loads the newest snapshot (a pickled image of the accounts),
replays the journal's inputs after it through the cores, checks that the cores repeat the
journalled orders and fills (a strategy that does not, or changed code, halts the node with an
error), and resumes the feed after the last journalled bar. Nothing is sent while replaying;
what was journalled but may not have reached a venue is settled by reconciliation.

A paper node on a replayed feed runs the backtest's simulated venue and defaults, so it makes
the event backtest's trades; steps are committed in groups (``commit_every``) because nothing
leaves the process, and a crash only repeats the steps after the last commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import pickle
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from signaltrust.core.errors import SignalTrustError, ValidationError
from signaltrust.core.events import Timer
from signaltrust.live import codec
from signaltrust.live.account import NodeAccount, Outputs, prepare_frames
from signaltrust.live.clock import NodeClock
from signaltrust.live.codec_book import market_from, market_payload
from signaltrust.live.config import NodeConfig
from signaltrust.live.feeds import ReplayFeed, StreamFeed
from signaltrust.live.tick_feed import MarketBatch, MarketCoalescer, TickReplayFeed, ticks_hash
from signaltrust.storage import Database, Journal, NodeRegistry
from signaltrust.trading import MarketData, SimulatedClock

#: journal kinds the node acts on (replayed after a crash); the rest record what followed
INPUTS = frozenset({"bars", "warmup", "market", "report", "timer", "command", "state"})
SNAPSHOT_FORMAT = "pickle-v1"


class RecoveryError(SignalTrustError):
    """The journal cannot be replayed into the same state (changed code, data or strategy
    that is not deterministic): the node does not start."""


@dataclass
class NodeResult:
    """How a node run ended: its status, steps, and per account the summary (and, for a
    paper account on a replayed feed, the backtest statistics of what it did)."""

    name: str
    status: str
    steps: int
    recovered_steps: int
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    journal_entries: int = 0
    elapsed: float = 0.0

    def __plain__(self) -> dict[str, Any]:
        main = next(iter(self.accounts.values()), {})
        return {
            "name": self.name, "status": self.status, "steps": self.steps,
            "recovered_steps": self.recovered_steps, "journal_entries": self.journal_entries,
            "elapsed": self.elapsed, "final_equity": main.get("final_equity"),
            "trades": main.get("trades"), "accounts": self.accounts,
        }


class _SnapshotPickler(pickle.Pickler):
    """Pickles the accounts, leaving out the node's live objects (its output collector and the
    venues' clients), which a restart supplies again."""

    def __init__(self, file: io.BytesIO, live: Mapping[int, str]) -> None:
        super().__init__(file, protocol=5)
        self.live = live

    def persistent_id(self, obj: Any) -> str | None:
        return self.live.get(id(obj))


class _SnapshotUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, live: Mapping[str, Any]) -> None:
        super().__init__(file)
        self.live = live

    def persistent_load(self, pid: str) -> Any:
        try:
            return self.live[pid]
        except KeyError:
            raise RecoveryError(f"the snapshot needs {pid!r}, which this node does not have",
                                fix="start the node with the same accounts and venues") from None


def frames_hash(frames: Mapping[str, pd.DataFrame]) -> str:
    """A short content hash of replayed bars (a restart refuses other data)."""
    digest = hashlib.sha256()
    for symbol in sorted(frames):
        frame = frames[symbol]
        digest.update(symbol.encode())
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()[:16]


class TradingNode:
    """A node named ``config.name`` whose journal lives in ``database``.

    ``frames`` are the bars a paper node replays (``{symbol: DataFrame}``) and ``ticks`` the
    book data it replays with them (a replay's ``ticks``: ``signaltrust.live.tick_feed``);
    ``market_stream`` forwards a live venue's books and trades as ``market`` steps
    (:class:`~signaltrust.live.tick_feed.VenueMarketStream`); ``venues`` the
    venues live accounts trade on, by broker name (each a
    :class:`~signaltrust.live.contract.Venue`); ``feed`` replaces the feed (tests).
    ``hooks`` are called with each account once it is built or restored, before the journal is
    replayed (a compliance check in front of the risk engine, say). ``on_progress(summary)`` is
    called about twice a second. ``bus`` (an
    :class:`~signaltrust.core.bus.EventBus`) receives what the journal holds once it holds it:
    orders, fills, risk states and reconciliations (event id ``<node>-j<seq>``: the journal's
    sequence, so a restarted node's resent events are dropped as duplicates), and about twice a
    second each account's positions, P&L and the node's status.
    """

    def __init__(
        self,
        config: NodeConfig,
        database: Database,
        *,
        frames: Mapping[str, pd.DataFrame] | None = None,
        venues: Mapping[str, Any] | None = None,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        hooks: tuple[Callable[[NodeAccount], Any], ...] = (),
        poll_seconds: float = 0.25,
        bus: Any = None,
        metrics: Any = None,
        ticks: Mapping[str, Any] | None = None,
        market_stream: Any = None,
        freeze_heap: bool = False,
    ) -> None:
        self.config = config
        #: a long-lived node process (the CLI's): its heap after warm-up is frozen out of the
        #: collector's full collections (signaltrust.core.heap), which would pause a step
        self.freeze_heap = freeze_heap
        self.ticks = dict(ticks or {})
        self.market_stream = market_stream
        self.last_market_ns: int | None = None
        # ``metrics.on_step``/``on_commit`` (signaltrust.ops.metrics.NodeMetrics): none, no cost
        self.metrics = metrics
        self.name = config.name
        self.database = database
        self.registry = NodeRegistry(database)
        self.frames = {str(k): v for k, v in (frames or {}).items()}
        self.venues = dict(venues or {})
        self.on_progress = on_progress
        self.hooks = hooks
        self.poll_seconds = poll_seconds
        self.outputs = Outputs()
        self.accounts: dict[str, NodeAccount] = {}
        self.status = "starting"
        self.steps = 0
        self.recovered_steps = 0
        self.last_bar_end: int | None = None
        self._pending: list[tuple[str, int, dict[str, Any]]] = []
        self._pending_steps = 0
        self._since_snapshot = 0
        self._stopping = False
        self._reconcile_requested = False
        self.bus = bus
        self._outgoing: list[tuple[str, dict[str, Any]]] = []
        self._run_id = os.urandom(4).hex()
        self._published = 0
        if config.mode == "paper" and not self.frames and not self.venues:
            raise ValidationError(
                "a paper node needs bars to replay or a venue's live data", field="data",
                value=config.data, fix="pass --data sp500 (or a stored series)",
            )
        if self.frames:
            digest = frames_hash(self.frames)
            if self.ticks:  # other ticks are other data (bars alone keep their old hash)
                digest = f"{digest}-{ticks_hash(self.ticks)}"
            if config.data_hash is not None and config.data_hash != digest:
                raise ValidationError(
                    "the data differs from the data this node started on", field="data",
                    value=config.data,
                    fix="resume with the same data, or start a node with a new --name",
                )
            self.config = config = config.model_copy(update={"data_hash": digest})
        self.journal = Journal(database, self.name)

    # -- building --------------------------------------------------------------------------
    def _live_objects(self) -> dict[str, Any]:
        live: dict[str, Any] = {"outputs": self.outputs}
        for name, venue in self.venues.items():
            live[f"venue:{name}"] = getattr(venue, "execution", venue)
        return live

    def _build_accounts(self) -> dict[str, NodeAccount]:
        accounts = {}
        for account in self.config.accounts:
            if self.frames:
                market = MarketData.replay(prepare_frames(account, self.frames), precompute=False)
                clock: Any = SimulatedClock(-(2**62))
            else:
                market = MarketData.live(self.config.symbols)
                clock = NodeClock(0)
            venue = None
            if account.broker != "paper":
                if account.broker not in self.venues:
                    raise ValidationError(
                        f"no venue for account {account.name}", field="broker",
                        value=account.broker, fix="configure the venue and its keys",
                    )
                venue = getattr(self.venues[account.broker], "execution", None)
            accounts[account.name] = NodeAccount(
                self.name, account, market, clock, self.outputs, venue=venue
            )
        return accounts

    def _check_registry(self) -> None:
        stored = self.registry.get(self.name)
        if stored is None:
            return
        given = self.config.model_dump(mode="json", exclude={"speed", "data_hash"})
        try:  # the stored configuration with today's defaults for fields added since
            stored_config = NodeConfig.model_validate(stored.config).model_dump(mode="json")
        except Exception:
            stored_config = stored.config
        kept = {k: v for k, v in stored_config.items() if k not in ("speed", "data_hash")}
        if kept != given:
            changed = sorted(k for k in given if given.get(k) != kept.get(k))
            raise ValidationError(
                f"node {self.name!r} exists with another configuration ({', '.join(changed)})",
                field="name", value=self.name,
                fix="resume it with the same options, or choose a new --name",
            )
        if stored.config.get("data_hash") not in (None, self.config.data_hash):
            raise ValidationError(
                "the data differs from the data this node started on", field="data",
                value=self.config.data,
                fix="resume with the same data, or start a node with a new --name",
            )

    # -- recovery ----------------------------------------------------------------------------
    def recover(self) -> int:
        """Rebuild the accounts from the newest snapshot and the journal after it; the number
        of journal steps replayed."""
        snapshot = self.journal.latest_snapshot()
        after = 0
        if snapshot is not None:
            seq, fmt, blob = snapshot
            if fmt != SNAPSHOT_FORMAT:
                raise RecoveryError(f"unknown snapshot format {fmt!r}", field="snapshot",
                                    value=fmt, fix="upgrade SignalTrust")
            state = _SnapshotUnpickler(io.BytesIO(blob), self._live_objects()).load()
            self.accounts = state["accounts"]
            self.last_bar_end = state["last_bar_end"]
            self.last_market_ns = state.get("last_market_ns")
            self.steps = state["steps"]
            after = seq
        else:
            self.accounts = self._build_accounts()
        for account in self.accounts.values():  # before the replay: it must see what ran
            for hook in self.hooks:
                hook(account)
        self._set_replaying(True)
        expected: list[tuple[str, str]] = []
        produced: list[tuple[str, str]] = []
        replayed = 0
        try:
            for entry in self.journal.entries(after=after):
                if entry.kind in INPUTS:
                    self._apply(entry.kind, entry.ts_ns, entry.payload)
                    produced += [_key(k, p) for k, _, p in self.outputs.take()]
                    replayed += 1
                elif entry.kind in ("order", "fill"):
                    expected.append(_key(entry.kind, entry.payload))
        finally:
            self._set_replaying(False)
        if produced != expected:
            pairs = zip(produced, expected, strict=False)
            at = next((i for i, (a, b) in enumerate(pairs) if a != b),
                      min(len(produced), len(expected)))
            raise RecoveryError(
                "replaying the journal did not repeat the journalled orders and fills "
                f"(first difference at #{at}: replayed {produced[at:at + 1]}, journal "
                f"{expected[at:at + 1]})",
                field="journal", value=self.name,
                fix="restart with the same strategy code and data, or start a new --name",
            )
        self.steps += replayed
        self.recovered_steps = replayed
        self._since_snapshot = replayed
        return replayed

    def _set_replaying(self, replaying: bool) -> None:
        for account in self.accounts.values():
            if account.outbox is not None:
                account.outbox.replaying = replaying

    # -- one step -------------------------------------------------------------------------------
    def _apply(self, kind: str, ts_ns: int, payload: Any) -> None:
        """Apply one input to the accounts (live or replaying the journal)."""
        if kind in ("bars", "warmup"):
            bars = [codec.bar_from(b) for b in payload["bars"]]
            for account in self.accounts.values():
                _stamp(account, ts_ns)
                account.gate.warming = kind == "warmup"
                try:
                    account.on_bars(bars)
                finally:
                    account.gate.warming = False
            self.last_bar_end = max(b.end_ns for b in bars)
        elif kind == "report":
            account = self.accounts[payload["account"]]
            _stamp(account, ts_ns)
            account.core.on_execution_report(codec.report_from(payload))
        elif kind == "market":  # book messages, prints, quotes (codec_book): queue fills
            events = [market_from(p) for p in payload["events"]]
            for account in self.accounts.values():
                _stamp(account, ts_ns)
                for event in events:
                    account.on_market(event)
            self.last_market_ns = ts_ns
        elif kind == "timer":
            timer = codec.timer_from(payload)
            for account in self.accounts.values():
                _stamp(account, ts_ns)
                account.core.on_timer(timer)
        elif kind == "command":
            self._command_effect(payload)
        elif kind == "state":
            account = self.accounts[payload["account"]]
            account.risk.set_state(payload["state"], actor=payload["actor"],
                                   reason=payload["reason"])

    def _command_effect(self, payload: Mapping[str, Any]) -> None:
        command = payload["command"]
        if command in ("pause", "resume"):
            for account in self.accounts.values():
                account.gate.paused = command == "pause"
        elif command == "cancel":  # one order (args.client_order_id) or every open order
            order_id = (payload.get("args") or {}).get("client_order_id")
            for account in self.accounts.values():
                core = account.core
                if order_id is None:
                    core.cancel_all(f"operator {payload.get('actor', 'operator')}")
                elif any(o.client_order_id == order_id for o in core.manager.open_orders()):
                    core.router.cancel(order_id)
                    core.drain()
        elif command == "close":  # market orders that close every position (or args.symbol's)
            symbol = (payload.get("args") or {}).get("symbol")
            for account in self.accounts.values():
                account.core.flatten(f"operator {payload.get('actor', 'operator')}",
                                     symbol=symbol)
        elif command == "ack":
            known = payload.get("acknowledged") or {}
            for account in self.accounts.values():
                if not hasattr(account, "acknowledged"):
                    account.acknowledged = set()
                account.acknowledged.update(known.get(account.name, ()))
                account.risk.set_state("ACTIVE", actor=payload.get("actor", "operator"),
                                       reason="operator acknowledged: "
                                   + str((payload.get("args") or {}).get("note", "")))

    def step(self, kind: str, ts_ns: int, payload: dict[str, Any]) -> None:
        """Apply one input, journal it with what followed, then send what it ordered."""
        started_ns = time.time_ns() if self.metrics is not None else 0
        self._apply(kind, ts_ns, payload)
        entries = [(kind, ts_ns, payload), *self.outputs.take()]
        held = []
        for account in self.accounts.values():
            if account.outbox is not None and account.outbox.pending:
                requests = account.outbox.take()
                held.append((account, requests))
                entries += [(action, now, {"account": account.name,
                                           "client_order_id": order.client_order_id})
                            for action, order, now in requests]
        self._pending += entries
        self._pending_steps += 1
        self.steps += 1
        self._since_snapshot += 1
        # a node replayed at a set speed has time to spare: each step is committed at once,
        # so followers (the dashboard) see it without waiting for a group
        every = 1 if self.config.speed is not None else self.config.commit_every
        if held or kind not in ("bars", "warmup", "market") or self._pending_steps >= every:
            self.commit()
        for account, requests in held:  # the journal holds them: now they may leave
            account.outbox.release(requests)
        if self.metrics is not None:
            self.metrics.on_step(self.name, kind, entries, started_ns, time.time_ns())
        if self._since_snapshot >= self.config.snapshot_every:
            self.snapshot()

    def commit(self) -> None:
        """Write the steps taken since the last commit to the journal (one transaction)."""
        if self._pending:
            started = time.perf_counter()
            last = self.journal.append(self._pending)
            if self.metrics is not None:
                self.metrics.on_commit(self.name, self._pending, time.perf_counter() - started)
            if self.bus is not None:
                self._queue_events(self._pending, last - len(self._pending) + 1)
        self._pending = []
        self._pending_steps = 0

    def snapshot(self) -> bool:
        """Commit, then keep an image of the accounts at the journal's last entry (a restart
        replays only what comes after). False when the accounts cannot be pickled (a
        strategy holding an open file, say): restarts then replay the whole journal."""
        self.commit()
        live = {id(obj): pid for pid, obj in self._live_objects().items()}
        buffer = io.BytesIO()
        try:
            _SnapshotPickler(buffer, live).dump({
                "accounts": self.accounts, "last_bar_end": self.last_bar_end,
                "last_market_ns": self.last_market_ns, "steps": self.steps,
            })
        except (pickle.PicklingError, TypeError, AttributeError):
            self._since_snapshot = 0
            return False
        self.journal.save_snapshot(self.journal.last_seq, buffer.getvalue(), SNAPSHOT_FORMAT)
        self._since_snapshot = 0
        return True

    # -- events ------------------------------------------------------------------------------
    _TOPICS = {"order": ("order", "orders"), "fill": ("fill", "fills"),
               "state": ("risk_state", "risk"), "reconcile": ("reconciliation", "risk"),
               "command": ("command", "logs"), "resend": ("resend", "orders")}

    def _queue_events(self, entries: list[tuple[str, int, dict[str, Any]]], first: int) -> None:
        from signaltrust.core.bus import make_event, topic

        for offset, (kind, ts_ns, payload) in enumerate(entries):
            if kind not in self._TOPICS:
                continue
            kind_type, topic_kind = self._TOPICS[kind]
            account = str(payload.get("account", "node"))
            event = make_event(kind_type, topic_kind, self.name, account, ts_ns, payload,
                               f"{self.name}-j{first + offset}")
            self._outgoing.append((topic(self.name, topic_kind), event))

    def _queue_status(self) -> None:
        from signaltrust.core.bus import make_event, topic

        now = self._now()
        for account in self.accounts.values():
            figures = account.summary()
            for kind_type, kind, data in (
                ("position", "positions", {"positions": figures["positions"]}),
                ("pnl", "pnl", {"equity": figures["equity"], "cash": figures["cash"]}),
            ):
                self._published += 1
                self._outgoing.append((topic(self.name, kind), make_event(
                    kind_type, kind, self.name, account.name, now, data,
                    f"{self.name}-{self._run_id}-{self._published}")))
        self._published += 1
        self._outgoing.append((topic(self.name, "status"), make_event(
            "status", "status", self.name, "node", now,
            {"status": self.status, "steps": self.steps},
            f"{self.name}-{self._run_id}-{self._published}")))

    async def publish(self, status: bool = False) -> int:
        """Send the queued events to the bus (with positions, P&L and status when
        ``status``); the number sent."""
        if self.bus is None:
            return 0
        if status:
            self._queue_status()
        items, self._outgoing = self._outgoing, []
        if items:
            await self.bus.publish_many(items)
        return len(items)

    # -- commands --------------------------------------------------------------------------
    def _poll_commands(self) -> None:
        for command in self.registry.pending(self.name):
            payload = {"command": command.command, "args": command.args, "actor": command.actor,
                       "id": command.id}
            if command.command == "ack":  # what is acknowledged: the differences seen last
                payload["acknowledged"] = {
                    a.name: list(getattr(a, "last_unexplained", ())) for a in
                    self.accounts.values()}
            held = self._holds((command.args or {}).get("symbol"))
            self.step("command", self._now(), payload)
            answer = self._command_answer(command.command, command.args or {}, held)
            if command.command == "stop":
                self._stopping = True
            self.commit()
            self.registry.answer(command.id, answer)

    def _holds(self, symbol: str | None) -> bool:
        """Whether an account holds a position (in ``symbol``, when given)."""
        return any(symbol is None or held == symbol for account in self.accounts.values()
                   for held, _ in account.core.ledger.open_quantities())

    def _command_answer(self, command: str, args: Mapping[str, Any], held: bool) -> str:
        if command == "pause":
            return "paused: new orders are denied until resume"
        if command == "resume":
            return "resumed"
        if command == "stop":
            return "stopping"
        if command == "ack":
            return "acknowledged: risk state ACTIVE"
        if command == "cancel":
            return "cancel sent for the open orders"
        if command == "close" and args.get("symbol") is not None:
            return (f"closing the position in {args['symbol']} with a market order" if held
                    else f"nothing to close: no open position in {args['symbol']}")
        if command == "close":
            return "closing every position with market orders"
        if all(a.outbox is None for a in self.accounts.values()):
            return "nothing to reconcile: paper accounts are their own venue"
        self._reconcile_requested = True
        return "reconciliation requested"

    def _now(self) -> int:
        if self.frames:  # a replayed feed: market time
            return max(int(a.core.clock.now_ns) for a in self.accounts.values())
        return time.time_ns()

    # -- running ------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Status, steps and each account's figures (what ``node status`` shows)."""
        return {
            "name": self.name, "mode": self.config.mode, "status": self.status,
            "host": socket.gethostname(), "pid": os.getpid(),
            "steps": self.steps, "last_bar": None if self.last_bar_end is None
            else pd.Timestamp(self.last_bar_end, tz="UTC").isoformat(),
            "accounts": [a.summary() for a in self.accounts.values()],
        }

    def _freeze(self) -> None:
        """Before the first step (recovered, warmed up): the heap frozen when asked."""
        if self.freeze_heap:
            from signaltrust.core.heap import freeze_heap

            freeze_heap()

    async def run(self) -> NodeResult:
        """Recover, then trade until the feed ends or an operator stops the node."""
        started = time.perf_counter()
        self._check_registry()
        self.registry.register(self.name, self.config.mode,
                               self.config.model_dump(mode="json"), pid=os.getpid())
        self.recover()
        self.status = "running"
        self.registry.heartbeat(self.name, self.status, self.summary())
        if not self.frames:
            return await self._run_live(started)
        self._freeze()
        feed = self._feed()
        last_poll = last_beat = time.monotonic()
        try:
            async for bars in feed:
                if isinstance(bars, MarketBatch):  # recorded book data (--ticks)
                    self.step("market", bars.ts_ns,
                              {"events": [market_payload(e) for e in bars.events]})
                else:
                    self.step("bars", max(b.end_ns for b in bars), {
                        "bars": [codec.bar_payload(b) for b in bars]})
                now = time.monotonic()
                if now - last_poll >= self.poll_seconds:
                    last_poll = now
                    self._poll_commands()
                    await asyncio.sleep(0)
                if now - last_beat >= 0.5:
                    last_beat = now
                    await self._beat()
                if self._stopping:
                    break
            self.status = "stopped" if self._stopping else "finished"
        except BaseException:
            self.status = "crashed"
            raise
        finally:
            self.commit()
            if self.status in ("stopped", "finished"):
                self.snapshot()
                await self.publish(status=True)
            self.registry.heartbeat(self.name, self.status, self.summary())
        return self.result(time.perf_counter() - started)

    # -- live ---------------------------------------------------------------------------------
    async def _run_live(self, started: float) -> NodeResult:
        """The live loop: bars from the venue's stream, reports from its execution client and
        operators' commands, one step at a time from one queue; reconciliation at the start,
        every ``reconcile_seconds`` and on command."""
        inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for account in self.accounts.values():
            if account.outbox is not None:
                account.outbox.route_reports(
                    lambda name, report: inbox.put_nowait(("report", (name, report))))
        opened = []
        for venue in self.venues.values():
            execution = getattr(venue, "execution", None)
            if execution is not None and hasattr(execution, "open"):
                await execution.open()
                opened.append(execution)
        await self._warm_up()
        self._freeze()
        feed_task = asyncio.create_task(self._pump(self._feed(), inbox))
        coalescer = MarketCoalescer()
        market_task = None if self.market_stream is None else asyncio.create_task(
            self._pump_market(coalescer, inbox))
        try:
            await self.reconcile_all()
            last_poll = last_beat = last_reconcile = time.monotonic()
            while not self._stopping:
                try:
                    kind, item = await asyncio.wait_for(inbox.get(), self.poll_seconds)
                except TimeoutError:
                    kind, item = "idle", None
                if kind == "bars":
                    fresh = [b for b in item if self.last_bar_end is None
                             or b.end_ns > self.last_bar_end]
                    if fresh:
                        self.step("bars", time.time_ns(),
                                  {"bars": [codec.bar_payload(b) for b in fresh]})
                elif kind == "report":
                    account, report = item
                    self.step("report", time.time_ns(), codec.report_payload(report, account))
                elif kind == "market":  # what the book stream coalesced since the last one
                    events = coalescer.take()
                    if events:
                        self.step("market", time.time_ns(),
                                  {"events": [market_payload(e) for e in events]})
                elif kind == "end":  # the stream ended: settle what is still in flight
                    await asyncio.sleep(self.poll_seconds)
                    while not inbox.empty():
                        kind, item = inbox.get_nowait()
                        if kind == "report":
                            self.step("report", time.time_ns(),
                                      codec.report_payload(item[1], item[0]))
                    await self.reconcile_all()
                    break
                elif kind == "error":
                    raise item
                self._fire_timers()
                now = time.monotonic()
                if now - last_poll >= self.poll_seconds:
                    last_poll = now
                    self._poll_commands()
                if self._reconcile_requested or \
                        now - last_reconcile >= self.config.reconcile_seconds:
                    last_reconcile, self._reconcile_requested = now, False
                    await self.reconcile_all()
                if now - last_beat >= 0.5:
                    last_beat = now
                    await self._beat()
                elif self._outgoing and len(self._outgoing) >= 256:
                    await self.publish()
            self.status = "stopped" if self._stopping else "finished"
        except BaseException:
            self.status = "crashed"
            raise
        finally:
            feed_task.cancel()
            if market_task is not None:
                market_task.cancel()
            self.commit()
            if self.status in ("stopped", "finished"):
                self.snapshot()
                await self.publish(status=True)
            self.registry.heartbeat(self.name, self.status, self.summary())
            for execution in opened:
                if hasattr(execution, "close"):
                    await execution.close()
        return self.result(time.perf_counter() - started)

    def _fire_timers(self) -> None:
        """A timer step when an execution algorithm's schedule is due (a TWAP slice, say)."""
        now = time.time_ns()
        for account in self.accounts.values():
            algos = getattr(account.core, "algos", None)
            due = algos.next_due_ns() if algos is not None else None
            if due is not None and due <= now:
                self.step("timer", now, codec.timer_payload(Timer(now, "algo")))
                return

    @staticmethod
    async def _pump(feed: Any, inbox: asyncio.Queue) -> None:
        try:
            async for bars in feed:
                await inbox.put(("bars", bars))
            await inbox.put(("end", None))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the node's loop raises it
            await inbox.put(("error", exc))

    async def _pump_market(self, coalescer: MarketCoalescer, inbox: asyncio.Queue) -> None:
        try:
            await self.market_stream.run(coalescer, lambda: inbox.put_nowait(("market", None)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the node's loop raises it
            await inbox.put(("error", exc))

    async def reconcile_all(self) -> dict[str, Any]:
        """Reconcile every account that trades on a venue; the results by account."""
        results = {}
        for account in self.accounts.values():
            if account.outbox is None:
                continue
            state = await account.outbox.venue.account_state()
            results[account.name] = self.apply_reconciliation(account, state)
        return results

    def apply_reconciliation(self, account: NodeAccount, state: Any) -> Any:
        """Compare one account with its broker's ``state`` and act: inferred reports applied as
        journalled inputs, unsent orders sent again under their ids (journalled first), the
        account put in REDUCING or HALTED when a difference is unexplained."""
        from signaltrust.live.reconcile import book_from_core, reconcile

        book = book_from_core(account.core,
                              in_flight=account.outbox.in_flight(self.config.reconcile_grace))
        result = reconcile(book, state, symbols=account.symbols,
                           acknowledged=getattr(account, "acknowledged", ()))
        account.last_unexplained = [d.signature for d in result.unexplained]
        for report in result.reports:
            self.step("report", time.time_ns(), codec.report_payload(report, account.name))
        if result.state != "ACTIVE" and str(account.risk.state) != result.state:
            reason = "; ".join(str(d) for d in result.unexplained)[:1000]
            self.step("state", time.time_ns(), {
                "account": account.name, "state": result.state, "actor": "reconciliation",
                "reason": reason})
        if result.differences:
            self._pending.append(("reconcile", time.time_ns(),
                                  {"account": account.name, **result.to_dict()}))
        orders = [account.core.manager.get(cid) for cid in result.resend]
        for order in orders:
            self._pending.append(("resend", time.time_ns(), {
                "account": account.name, "client_order_id": order.client_order_id}))
        self.commit()
        if orders:
            account.outbox.release([("submit", order, time.time_ns()) for order in orders])
        return result

    async def _warm_up(self) -> None:
        """A live node that has never seen a bar first plays the venue's recent history
        (``warmup_bars`` per symbol) through its strategies with every order denied
        (``warm_up``), journalled like any input, so that indicators are ready when the
        stream starts."""
        count = self.config.warmup_bars
        data = next((getattr(v, "data", None) for v in self.venues.values()), None)
        if not count or data is None or self.last_bar_end is not None:
            return
        step = pd.Timedelta(self.config.timeframe.replace("m", "min") if
                            self.config.timeframe.endswith("m") else self.config.timeframe)
        end = pd.Timestamp.now(tz="UTC")
        start = end - step * (count + 2)  # a margin: the window need not align with bars
        frames = {}
        for symbol in self.config.symbols:
            frame = await data.history(symbol, start, end, self.config.timeframe)
            frame = frame[frame.index + step <= end]  # completed bars only
            if len(frame):
                frames[symbol] = frame.iloc[-count:]
        if not frames:
            return
        async for bars in ReplayFeed(frames):
            self.step("warmup", max(b.end_ns for b in bars),
                      {"bars": [codec.bar_payload(b) for b in bars]})
        self.commit()

    async def _beat(self) -> None:
        """About twice a second: commit, publish, heartbeat, progress."""
        self.commit()
        await self.publish(status=True)
        summary = self.summary()
        self.registry.heartbeat(self.name, self.status, summary)
        if self.on_progress is not None:
            self.on_progress(summary)

    def _feed(self) -> Any:
        if self.frames and self.ticks:
            return TickReplayFeed(self.frames, self.ticks, speed=self.config.speed,
                                  after_bar_ns=self.last_bar_end,
                                  after_market_ns=self.last_market_ns)
        if self.frames:
            return ReplayFeed(self.frames, speed=self.config.speed, after_ns=self.last_bar_end)
        data = next((getattr(v, "data", None) for v in self.venues.values()), None)
        if data is None:
            raise ValidationError("no live data client", field="venue", value=list(self.venues),
                                  fix="configure a venue with market data")
        return StreamFeed(data, self.config.symbols, self.config.timeframe)

    def result(self, elapsed: float = 0.0) -> NodeResult:
        """The run's result: per account its summary, and on a replayed feed the statistics
        of a backtest result built from the same fills."""
        accounts = {}
        for name, account in self.accounts.items():
            figures = account.summary()
            if self.frames:
                stats = self._backtest_result(account).stats
                figures.update(final_equity=float(stats["final_equity"]),
                               trades=int(stats["trades"]), stats=stats)
            accounts[name] = figures
        return NodeResult(self.name, self.status, self.steps, self.recovered_steps, accounts,
                          self.journal.count(), elapsed)

    def _backtest_result(self, account: NodeAccount) -> Any:
        from signaltrust.backtest.replay.driver import Replay, ReplaySettings, describe_venue
        from signaltrust.backtest.replay.feed import HistoricalBarFeed

        config = account.config
        settings = ReplaySettings(precompute=False, stream=False, fast_path=True,
                                  compact_log=False)
        market = account.core.market
        frames = {s: market.bars[market.slot(s)].frame.iloc[: market.lengths[market.slot(s)]]
                  for s in account.symbols}
        run_settings = {"cash": config.cash, "fees": config.fees, "fixed_fees": config.fixed_fees,
                        "min_fees": config.min_fees, "slippage": config.slippage,
                        "fill_at": config.fill_at, "leverage": config.leverage,
                        "venue": describe_venue(account.core.broker), "node": self.name}
        replay = Replay(account.core, HistoricalBarFeed(frames), account.recorder,
                        account.strategies[0], account.core.broker, settings, run_settings)
        return replay.result()


def _stamp(account: NodeAccount, ts_ns: int) -> None:
    clock = account.core.clock
    if isinstance(clock, NodeClock):
        clock.stamp(ts_ns)


def _key(kind: str, payload: Mapping[str, Any]) -> tuple[str, str]:
    if kind == "order":
        return ("order", f"{payload['account']}:{payload['client_order_id']}:{payload['status']}")
    return ("fill", f"{payload['account']}:{payload['fill_id']}:{payload['quantity']}@"
                    f"{payload['price']}")


__all__ = ["INPUTS", "NodeResult", "RecoveryError", "TradingNode", "frames_hash"]
