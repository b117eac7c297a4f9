"""The agents' audit trail and the human approval queue, in the application database.

:class:`AuditTrail` records every prompt, response, tool call, fallback, usage and decision
(``agent_audit``); without a database it keeps them in memory (a CLI run, a test).
:class:`ApprovalQueue` holds actions at or above the configured level until a person approves
or rejects them (``agent_approvals``); the API and the dashboard call its methods.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from signaltrust.agents.tables import agent_approvals, agent_audit
from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain

AuditKind = Literal["prompt", "response", "tool_call", "tool_result", "usage", "fallback",
                    "decision", "error", "approval"]
#: how severe an action is; approval is needed at or above ``[agents] approval_level``
LEVELS = ("none", "reduce", "halt")


@dataclass
class AuditRecord:
    ts_ns: int
    workflow: str
    agent: str
    kind: str
    payload: dict[str, Any]

    def __plain__(self) -> dict[str, Any]:
        return {"ts_ns": self.ts_ns, "workflow": self.workflow, "agent": self.agent,
                "kind": self.kind, "payload": self.payload}


@dataclass
class AuditTrail:
    """Append-only record of what the agents were asked, answered, called and decided."""

    database: Any = None
    workflow: str = "default"
    memory: list[AuditRecord] = field(default_factory=list)

    def record(self, agent: str, kind: AuditKind, payload: Any, *,
               workflow: str | None = None) -> AuditRecord:
        row = AuditRecord(time.time_ns(), workflow or self.workflow, agent, kind,
                          to_plain(payload) if not isinstance(payload, dict)
                          else {k: to_plain(v) for k, v in payload.items()})
        if self.database is None:
            self.memory.append(row)
        else:
            with self.database.engine.begin() as conn:
                conn.execute(sa.insert(agent_audit).values(
                    ts_ns=row.ts_ns, workflow=row.workflow, agent=row.agent, kind=row.kind,
                    payload=row.payload))
        return row

    def records(self, *, agent: str | None = None, kind: str | None = None,
                since_ns: int | None = None, workflow: str | None = None,
                latest: int | None = None) -> list[AuditRecord]:
        """The records in order, filtered by agent, kind, time and workflow; only the
        ``latest`` N of them when given (the filters and the limit run in the database)."""
        if self.database is None:
            rows = [r for r in self.memory if (agent is None or r.agent == agent)
                    and (kind is None or r.kind == kind)
                    and (since_ns is None or r.ts_ns >= since_ns)
                    and (workflow is None or r.workflow == workflow)]
            return rows[-latest:] if latest else rows
        table = agent_audit.c
        query = sa.select(agent_audit)
        for column, value in ((table.agent, agent), (table.kind, kind),
                              (table.workflow, workflow)):
            if value is not None:
                query = query.where(column == value)
        if since_ns is not None:
            query = query.where(table.ts_ns >= since_ns)
        query = query.order_by(table.id.desc()).limit(latest) if latest else \
            query.order_by(table.id)
        with self.database.engine.connect() as conn:
            rows = [AuditRecord(r.ts_ns, r.workflow, r.agent, r.kind, r.payload)
                    for r in conn.execute(query)]
        return rows[::-1] if latest else rows


def needs_approval(level: str, threshold: str) -> bool:
    """Whether an action of ``level`` waits for a person under ``threshold``."""
    for name, value in (("level", level), ("approval_level", threshold)):
        if value not in LEVELS:
            raise ValidationError("unknown action level", field=name, value=value,
                                  fix=f"use one of {LEVELS}")
    return LEVELS.index(level) >= LEVELS.index(threshold)


@dataclass(frozen=True)
class Approval:
    id: int
    agent: str
    action: str
    level: str
    payload: dict[str, Any]
    status: str
    decided_by: str | None = None
    note: str | None = None

    def __plain__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("id", "agent", "action", "level", "payload",
                                              "status", "decided_by", "note")}


class ApprovalQueue:
    """Agent actions waiting for a human: ``request``, then ``approve`` or ``reject``."""

    def __init__(self, database: Any) -> None:
        self.database = database

    def request(self, agent: str, action: str, level: str, payload: dict[str, Any]) -> Approval:
        with self.database.engine.begin() as conn:
            new_id = conn.execute(sa.insert(agent_approvals).values(
                created_ns=time.time_ns(), agent=agent, action=action, level=level,
                payload=to_plain(payload), status="pending")).inserted_primary_key[0]
        return self.get(int(new_id))

    def get(self, approval_id: int) -> Approval:
        with self.database.engine.connect() as conn:
            row = conn.execute(sa.select(agent_approvals).where(
                agent_approvals.c.id == approval_id)).first()
        if row is None:
            raise ValidationError("no such approval", field="approval_id", value=approval_id,
                                  fix="list the pending ones: signaltrust agents approvals")
        return Approval(row.id, row.agent, row.action, row.level, row.payload, row.status,
                        row.decided_by, row.note)

    def pending(self) -> list[Approval]:
        with self.database.engine.connect() as conn:
            ids = [r.id for r in conn.execute(sa.select(agent_approvals.c.id).where(
                agent_approvals.c.status == "pending").order_by(agent_approvals.c.id))]
        return [self.get(i) for i in ids]

    def recent(self, *, status: str | None = None, limit: int = 50) -> list[Approval]:
        """The latest approvals, newest first (``status``: pending, approved or rejected)."""
        if status is not None and status not in ("pending", "approved", "rejected"):
            raise ValidationError("unknown approval status", field="status", value=status,
                                  fix="use pending, approved or rejected (or none for all)")
        query = sa.select(agent_approvals).order_by(agent_approvals.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(agent_approvals.c.status == status)
        with self.database.engine.connect() as conn:
            return [Approval(r.id, r.agent, r.action, r.level, r.payload, r.status,
                             r.decided_by, r.note) for r in conn.execute(query)]

    def decide(self, approval_id: int, *, approve: bool, actor: str, note: str = "") -> Approval:
        """Approve or reject a pending action (once: a decided one is refused)."""
        current = self.get(approval_id)
        if current.status != "pending":
            raise ValidationError("this approval was already decided", field="approval_id",
                                  value=approval_id, fix=f"it is {current.status}")
        with self.database.engine.begin() as conn:
            conn.execute(sa.update(agent_approvals).where(
                agent_approvals.c.id == approval_id).values(
                status="approved" if approve else "rejected", decided_by=actor,
                decided_ns=time.time_ns(), note=note))
        return self.get(approval_id)


__all__ = ["LEVELS", "Approval", "ApprovalQueue", "AuditRecord", "AuditTrail", "needs_approval"]
