"""The agents' tables (SQLAlchemy Core, migration 0004): the audit trail and the approval queue.

- ``agent_audit``: every prompt, response, tool call, fallback, usage and decision of an agent,
  one row each, in order (``id``), with the workflow it belonged to;
- ``agent_approvals``: actions above the configured level, waiting for a person (pending,
  approved, rejected), who decided and why.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

agent_audit = Table(
    "agent_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts_ns", BigInteger, nullable=False),
    Column("workflow", String(64), nullable=False),
    Column("agent", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
)
Index("ix_agent_audit_agent_ts", agent_audit.c.agent, agent_audit.c.ts_ns)

agent_approvals = Table(
    "agent_approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_ns", BigInteger, nullable=False),
    Column("agent", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("level", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_ns", BigInteger),
    Column("note", Text),
)
Index("ix_agent_approvals_status", agent_approvals.c.status)

__all__ = ["agent_approvals", "agent_audit", "metadata"]
