"""The learning portal: each user's quiz attempts (lesson quizzes and quizzes on their trades).

Revision ID: 0007_learn
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_learn"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learn_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("quiz", sa.String(160), nullable=False),
        sa.Column("correct", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("ts_ns", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_learn_attempts_user_quiz", "learn_attempts", ["user", "quiz"])


def downgrade() -> None:
    op.drop_index("ix_learn_attempts_user_quiz", "learn_attempts")
    op.drop_table("learn_attempts")
