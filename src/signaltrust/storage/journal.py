"""A trading node's append-only journal, its snapshots, its registry row and its command queue.

The node writes one :meth:`Journal.append` per step, in one transaction: the input it acted on
(a bar, a tick, a broker report, a timer, an operator command) and everything that followed
(orders sent, fills, ledger entries). A step is in the journal whole or not at all, whatever
moment the process dies at; entries are numbered per node (``seq``) and never changed.

>>> from signaltrust.storage import Database, Journal
>>> db = Database("sqlite://"); _ = db.upgrade()
>>> journal = Journal(db, "demo")
>>> journal.append([("bar", 1, {"close": 101.5})])
1
>>> [(e.seq, e.kind, e.payload) for e in journal.entries()]
[(1, 'bar', {'close': 101.5})]
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from signaltrust.core.errors import ValidationError
from signaltrust.storage.database import Database
from signaltrust.storage.tables import journal, node_commands, nodes, snapshots

#: the operator commands a node answers
COMMANDS = ("pause", "resume", "stop", "reconcile", "ack", "cancel", "close")


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal entry: its number, time (UTC ns), kind and plain payload."""

    seq: int
    ts_ns: int
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Command:
    """An operator's command to a node, waiting for the node or answered."""

    id: int
    node: str
    command: str
    args: dict[str, Any]
    actor: str
    created_ns: int
    done_ns: int | None
    result: str | None


#: a running node whose last heartbeat is older than this is down
STALE_HEARTBEAT_S = 3.0


def process_alive(pid: int | None) -> bool:
    """Whether a process of this id runs on this machine (a node's heartbeat check)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """A node's registry row."""

    name: str
    mode: str
    config: dict[str, Any]
    status: str
    pid: int | None
    created_ns: int
    heartbeat_ns: int | None
    summary: dict[str, Any] | None

    @property
    def running(self) -> bool:
        """Running or starting, and alive: its heartbeat is recent (a running node beats about
        twice a second) and, seen from this machine, its process has not ended. The heartbeat
        is what tells a node on another machine (a container) is gone; on this machine its
        process ending says so at once."""
        if self.status not in ("running", "starting"):
            return False
        age_s = (time.time_ns() - (self.heartbeat_ns or 0)) / 1e9
        if age_s > STALE_HEARTBEAT_S:
            return False
        host = (self.summary or {}).get("host")
        here = host is None or host == socket.gethostname()
        return not here or process_alive(self.pid)

    def effective_status(self) -> str:
        """The stored status, corrected for a running node that is gone (a crash)."""
        if self.status in ("running", "starting") and not self.running:
            return "down (its process ended without stopping: start it again to resume)"
        return self.status


class Journal:
    """The journal of the node ``node`` in ``database``."""

    def __init__(self, database: Database, node: str) -> None:
        self.database = database
        self.node = node
        self._seq = self._last_seq()

    # -- entries ----------------------------------------------------------------------------
    @property
    def last_seq(self) -> int:
        """The number of the last entry written (0 when empty)."""
        return self._seq

    def _last_seq(self) -> int:
        with self.database.engine.connect() as connection:
            last = connection.execute(
                select(func.max(journal.c.seq)).where(journal.c.node == self.node)
            ).scalar()
        return int(last or 0)

    def append(self, entries: Sequence[tuple[str, int, dict[str, Any]]]) -> int:
        """Write ``(kind, ts_ns, payload)`` entries in one transaction; the last seq."""
        if not entries:
            return self._seq
        seq = self._seq
        rows = []
        for kind, ts_ns, payload in entries:
            seq += 1
            rows.append(
                {"node": self.node, "seq": seq, "ts_ns": int(ts_ns), "kind": kind,
                 "payload": payload}
            )
        with self.database.engine.begin() as connection:
            connection.execute(insert(journal), rows)
        self._seq = seq
        return seq

    def entries(
        self, after: int = 0, kinds: Sequence[str] | None = None, *, batch: int = 5000
    ) -> Iterator[Entry]:
        """Entries after seq ``after``, in order (``kinds`` keeps only those kinds)."""
        while True:
            query = (
                select(journal.c.seq, journal.c.ts_ns, journal.c.kind, journal.c.payload)
                .where(journal.c.node == self.node, journal.c.seq > after)
                .order_by(journal.c.seq)
                .limit(batch)
            )
            if kinds:
                query = query.where(journal.c.kind.in_(list(kinds)))
            with self.database.engine.connect() as connection:
                rows = connection.execute(query).all()
            for row in rows:
                yield Entry(int(row.seq), int(row.ts_ns), row.kind, row.payload)
            if len(rows) < batch:
                return
            after = int(rows[-1].seq)

    def count(self, kind: str | None = None) -> int:
        """How many entries (of ``kind``) the journal holds."""
        query = select(func.count()).select_from(journal).where(journal.c.node == self.node)
        if kind is not None:
            query = query.where(journal.c.kind == kind)
        with self.database.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    # -- snapshots ----------------------------------------------------------------------------
    def save_snapshot(self, seq: int, state: bytes, fmt: str) -> None:
        """Keep the node's state as it was after entry ``seq`` (older snapshots are dropped)."""
        with self.database.engine.begin() as connection:
            connection.execute(snapshots.delete().where(snapshots.c.node == self.node))
            connection.execute(
                insert(snapshots),
                {"node": self.node, "seq": int(seq), "created_ns": time.time_ns(),
                 "format": fmt, "state": state},
            )

    def latest_snapshot(self) -> tuple[int, str, bytes] | None:
        """``(seq, format, state)`` of the newest snapshot, or None."""
        query = (
            select(snapshots.c.seq, snapshots.c.format, snapshots.c.state)
            .where(snapshots.c.node == self.node)
            .order_by(snapshots.c.seq.desc())
            .limit(1)
        )
        with self.database.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else (int(row.seq), row.format, bytes(row.state))


class NodeRegistry:
    """The nodes of a database, their status and the operators' commands to them."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def register(self, name: str, mode: str, config: dict[str, Any], *, pid: int | None) -> None:
        """Add the node, or mark it running again with its stored configuration kept."""
        now = time.time_ns()
        with self.database.engine.begin() as connection:
            exists = connection.execute(
                select(nodes.c.name).where(nodes.c.name == name)
            ).first()
            if exists is None:
                connection.execute(insert(nodes), {
                    "name": name, "mode": mode, "config": config, "status": "starting",
                    "pid": pid, "created_ns": now, "heartbeat_ns": now, "summary": None,
                })
            else:
                connection.execute(
                    update(nodes).where(nodes.c.name == name)
                    .values(status="starting", pid=pid, heartbeat_ns=now)
                )

    def get(self, name: str) -> NodeRecord | None:
        """The node's row, or None when there is no node of that name."""
        with self.database.engine.connect() as connection:
            row = connection.execute(select(nodes).where(nodes.c.name == name)).first()
        return None if row is None else NodeRecord(**row._mapping)

    def require(self, name: str) -> NodeRecord:
        """The node's row; a ValidationError naming the known nodes when there is none."""
        record = self.get(name)
        if record is None:
            known = [r.name for r in self.list()]
            raise ValidationError(
                f"there is no node named {name!r}", field="name", value=name,
                fix=f"use one of {known}" if known else "start one with `signaltrust paper`",
            )
        return record

    def list(self) -> list[NodeRecord]:
        """Every node, by name."""
        with self.database.engine.connect() as connection:
            rows = connection.execute(select(nodes).order_by(nodes.c.name)).all()
        return [NodeRecord(**row._mapping) for row in rows]

    def heartbeat(self, name: str, status: str, summary: dict[str, Any] | None = None) -> None:
        """Record the node's status (and summary) now."""
        values: dict[str, Any] = {"status": status, "heartbeat_ns": time.time_ns()}
        if summary is not None:
            values["summary"] = summary
        with self.database.engine.begin() as connection:
            connection.execute(update(nodes).where(nodes.c.name == name).values(**values))

    # -- commands ------------------------------------------------------------------------------
    def post(self, name: str, command: str, args: dict[str, Any] | None = None,
             *, actor: str = "cli") -> int:
        """Queue ``command`` for the node; its id."""
        if command not in COMMANDS:
            raise ValidationError(
                f"unknown node command {command!r}", field="command", value=command,
                fix=f"use one of {list(COMMANDS)}",
            )
        self.require(name)
        with self.database.engine.begin() as connection:
            result = connection.execute(insert(node_commands), {
                "node": name, "command": command, "args": args or {}, "actor": actor,
                "created_ns": time.time_ns(), "done_ns": None, "result": None,
            })
            return int(result.inserted_primary_key[0])

    def pending(self, name: str) -> list[Command]:
        """The node's commands not answered yet, oldest first."""
        query = (
            select(node_commands)
            .where(node_commands.c.node == name, node_commands.c.done_ns.is_(None))
            .order_by(node_commands.c.id)
        )
        with self.database.engine.connect() as connection:
            return [Command(**row._mapping) for row in connection.execute(query).all()]

    def answer(self, command_id: int, result: str) -> None:
        """Mark a command done with the node's answer."""
        with self.database.engine.begin() as connection:
            connection.execute(
                update(node_commands).where(node_commands.c.id == command_id)
                .values(done_ns=time.time_ns(), result=result)
            )

    def command(self, command_id: int) -> Command:
        """One command (to wait for its answer)."""
        with self.database.engine.connect() as connection:
            row = connection.execute(
                select(node_commands).where(node_commands.c.id == command_id)
            ).first()
        if row is None:
            raise ValidationError("no such command", field="command_id", value=command_id)
        return Command(**row._mapping)


__all__ = ["COMMANDS", "Command", "Entry", "Journal", "NodeRecord", "NodeRegistry", "process_alive"]
