"""The API's job records (SQLAlchemy Core): backtests, sweeps, optimisations and walk-forwards
submitted to the worker pool, their progress and their results.

A row outlives the API process that ran it: ``owner`` names that process (``host:pid``), so an
API that starts again marks a job its dead predecessor was running as ``interrupted``.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Float, Index, String, Table, Text

from signaltrust.storage.tables import metadata

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("params", JSON, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("owner", String(128)),
    Column("created_ns", BigInteger, nullable=False),
    Column("started_ns", BigInteger),
    Column("finished_ns", BigInteger),
    Column("progress", Float, nullable=False),
    Column("message", Text),
    Column("result", JSON),
    Column("error", Text),
)
Index("ix_jobs_status", jobs.c.status)

__all__ = ["jobs"]
