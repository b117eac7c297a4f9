"""The learning loop: the signal log with outcomes, promotion decisions, scheduled job runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts_ns", sa.BigInteger, nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("model_version", sa.String(32), nullable=False),
        sa.Column("feature_hash", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("served", sa.String(16), nullable=False),
        sa.Column("price", sa.Float),
        sa.Column("outcome", sa.Float),
        sa.Column("realized_return", sa.Float),
        sa.Column("matured_ns", sa.BigInteger),
        sa.Column("created_ns", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_signal_log_model_ts", "signal_log", ["model", "ts_ns"])
    op.create_index("ix_signal_log_symbol_ts", "signal_log", ["symbol", "ts_ns"])
    op.create_table(
        "promotion_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts_ns", sa.BigInteger, nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("champion_version", sa.String(32)),
        sa.Column("challenger_version", sa.String(32)),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("promoted", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
    )
    op.create_index("ix_promotion_decisions_model_ts", "promotion_decisions", ["model", "ts_ns"])
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(64), primary_key=True),
        sa.Column("fire_ns", sa.BigInteger, primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_ns", sa.BigInteger, nullable=False),
        sa.Column("finished_ns", sa.BigInteger),
        sa.Column("error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    op.drop_index("ix_promotion_decisions_model_ts", "promotion_decisions")
    op.drop_table("promotion_decisions")
    op.drop_index("ix_signal_log_model_ts", "signal_log")
    op.drop_index("ix_signal_log_symbol_ts", "signal_log")
    op.drop_table("signal_log")
