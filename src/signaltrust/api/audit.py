"""The audit log: every state-changing action with its actor, in a hash chain.

Each row's hash is the SHA-256 of the previous row's hash and the row's own fields, so a row
changed, inserted or removed afterwards breaks the chain at that row, which :meth:`verify`
finds. (Removing the newest rows leaves a shorter valid chain: keep an off-site copy of the
last hash, e.g. in the logs, to notice that.)

>>> from signaltrust.storage import Database
>>> db = Database("sqlite://"); _ = db.upgrade()
>>> log = AuditLog(db)
>>> log.append("ada", "jwt", "risk.kill_switch", "risk", {"on": True}).seq
1
>>> log.verify().ok
True
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from signaltrust.api.security import Principal
from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.storage.api_tables import audit_log
from signaltrust.storage.database import Database

GENESIS = "0" * 64
_ATTEMPTS = 50


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit log."""

    seq: int
    ts_ns: int
    actor: str
    via: str
    action: str
    target: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What :meth:`AuditLog.verify` found: ``ok``, rows checked, the first bad row and why."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str | None = None
    last_hash: str = GENESIS


def entry_hash(prev_hash: str, seq: int, ts_ns: int, actor: str, via: str, action: str,
               target: str, details: dict[str, Any]) -> str:
    """The hash of a row: SHA-256 over the previous hash and the row's canonical JSON."""
    body = json.dumps([seq, ts_ns, actor, via, action, target, details], sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


class AuditLog:
    """The audit log of a database: :meth:`append` and :meth:`verify`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def append(self, actor: str, via: str, action: str, target: str,
               details: dict[str, Any] | None = None) -> AuditEntry:
        """Add a row chained to the last one (retried when another writer got there first)."""
        details = json.loads(json.dumps(to_plain(details or {}), default=str))
        actor, target = actor[:64], target[:256]  # the columns' widths
        for attempt in range(_ATTEMPTS):
            try:
                with self.database.engine.begin() as connection:
                    last = connection.execute(
                        select(audit_log.c.seq, audit_log.c.hash)
                        .order_by(audit_log.c.seq.desc()).limit(1)).first()
                    seq = 1 if last is None else int(last.seq) + 1
                    prev = GENESIS if last is None else last.hash
                    ts_ns = time.time_ns()
                    digest = entry_hash(prev, seq, ts_ns, actor, via, action, target, details)
                    row = {"seq": seq, "ts_ns": ts_ns, "actor": actor, "via": via,
                           "action": action, "target": target, "details": details,
                           "prev_hash": prev, "hash": digest}
                    connection.execute(insert(audit_log), row)
                return AuditEntry(**row)
            except (IntegrityError, OperationalError):  # the same seq taken, or SQLite busy
                time.sleep(0.002 * (attempt + 1))
        raise ValidationError("the audit log is too busy to append to", field="audit",
                              fix="retry the action")

    def entries(self, *, after: int = 0, limit: int = 100, actor: str | None = None,
                action: str | None = None) -> list[AuditEntry]:
        """Rows after seq ``after``, oldest first (``actor``/``action`` filter)."""
        query = (select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq)
                 .limit(limit))
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if action:
            query = query.where(audit_log.c.action == action)
        with self.database.engine.connect() as connection:
            return [AuditEntry(**row._mapping) for row in connection.execute(query).all()]

    def count(self) -> int:
        """How many rows the log holds."""
        with self.database.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(audit_log)).scalar())

    def verify(self, *, batch: int = 5000) -> ChainReport:
        """Recompute the chain from the first row; the first row that does not fit, if any."""
        prev, expected_seq, checked = GENESIS, 1, 0
        while True:
            query = (select(audit_log).where(audit_log.c.seq >= expected_seq)
                     .order_by(audit_log.c.seq).limit(batch))
            with self.database.engine.connect() as connection:
                rows = connection.execute(query).all()
            for row in rows:
                if row.seq != expected_seq:
                    return ChainReport(False, checked, expected_seq,
                                       f"row {expected_seq} is missing", prev)
                if row.prev_hash != prev:
                    return ChainReport(False, checked, row.seq,
                                       "its previous hash is not the hash of the row before", prev)
                digest = entry_hash(prev, row.seq, row.ts_ns, row.actor, row.via, row.action,
                                    row.target, row.details)
                if digest != row.hash:
                    return ChainReport(False, checked, row.seq,
                                       "its content does not match its hash", prev)
                prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
            if len(rows) < batch:
                return ChainReport(True, checked, None, None, prev)


def audit(request_or_principal: Request | Principal, action: str, target: str,
          details: dict[str, Any] | None = None, *, database: Database | None = None
          ) -> AuditEntry:
    """Record ``action`` on ``target`` by the caller of the request (or ``principal``).

    From a request: the principal its role dependency found, the app's database, and the
    request id and client address added to ``details``.
    """
    extra: dict[str, Any] = {}
    if isinstance(request_or_principal, Principal):
        principal = request_or_principal
        if database is None:
            raise ValidationError("audit() of a principal needs the database",
                                  field="database", fix="pass database=app.state.database")
    else:
        request = request_or_principal
        principal = getattr(request.state, "principal", None) or Principal(
            "anonymous", "none", "none")
        database = database or request.app.state.database
        extra = {"request_id": getattr(request.state, "request_id", None),
                 "address": request.client.host if request.client else None,
                 "key_id": principal.key_id}
    return AuditLog(database).append(principal.name, principal.via, action, target,
                                     {**(details or {}), **{k: v for k, v in extra.items() if v}})


__all__ = ["GENESIS", "AuditEntry", "AuditLog", "ChainReport", "audit", "entry_hash"]
