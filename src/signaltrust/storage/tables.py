"""The application-state tables (SQLAlchemy Core); Alembic migrations create and change them.

- ``nodes``: one row per trading node (its name, mode, configuration, status, heartbeat and a
  summary the CLI shows);
- ``journal``: the nodes' append-only journals, one row per entry, numbered per node
  (``seq``): the inputs a node acted on (bars, ticks, broker reports, timers, operator
  commands), what it sent (orders, cancels) and what followed (fills, ledger entries,
  reconciliation differences, trading-state changes);
- ``snapshots``: a node's state at a journal entry, so a restart replays only what came after;
- ``node_commands``: what an operator asked a running node to do (pause, resume, stop,
  reconcile, acknowledge), and the node's answer.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

nodes = Table(
    "nodes",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("mode", String(16), nullable=False),
    Column("config", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("pid", Integer),
    Column("created_ns", BigInteger, nullable=False),
    Column("heartbeat_ns", BigInteger),
    Column("summary", JSON),
)

journal = Table(
    "journal",
    metadata,
    Column("node", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ts_ns", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
)
Index("ix_journal_node_kind", journal.c.node, journal.c.kind)

snapshots = Table(
    "snapshots",
    metadata,
    Column("node", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("format", String(32), nullable=False),
    Column("state", LargeBinary, nullable=False),
)

node_commands = Table(
    "node_commands",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("node", String(64), nullable=False, index=True),
    Column("command", String(16), nullable=False),
    Column("args", JSON, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("created_ns", BigInteger, nullable=False),
    Column("done_ns", BigInteger),
    Column("result", Text),
)

__all__ = ["journal", "metadata", "node_commands", "nodes", "snapshots"]
