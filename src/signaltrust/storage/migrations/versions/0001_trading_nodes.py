"""The trading nodes: nodes, their journals, snapshots and operator commands.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nodes",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pid", sa.Integer),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
        sa.Column("heartbeat_ns", sa.BigInteger),
        sa.Column("summary", sa.JSON),
    )
    op.create_table(
        "journal",
        sa.Column("node", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("ts_ns", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_journal_node_kind", "journal", ["node", "kind"])
    op.create_table(
        "snapshots",
        sa.Column("node", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("state", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "node_commands",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("args", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
        sa.Column("done_ns", sa.BigInteger),
        sa.Column("result", sa.Text),
    )
    op.create_index("ix_node_commands_node", "node_commands", ["node"])


def downgrade() -> None:
    op.drop_index("ix_node_commands_node", "node_commands")
    op.drop_table("node_commands")
    op.drop_table("snapshots")
    op.drop_index("ix_journal_node_kind", "journal")
    op.drop_table("journal")
    op.drop_table("nodes")
