"""The learning loop's records (SQLAlchemy Core; migration 0005 creates them).

- ``signal_log``: every prediction served, traded or scored in shadow (symbol, time, model
  version, feature-set hash, score, confidence, decision, how it was served), and its outcome
  once the label matures (``outcome`` 1/0, the realised return, when it matured);
- ``promotion_decisions``: every champion/challenger decision or rollback with its evidence;
- ``job_runs``: one row per scheduled job and fire time; its primary key is the lock that lets
  one process, and only one, run that firing.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text

from signaltrust.storage.tables import metadata

signal_log = Table(
    "signal_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts_ns", BigInteger, nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("model", String(128), nullable=False),
    Column("model_version", String(32), nullable=False),
    Column("feature_hash", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("confidence", Float),
    Column("decision", String(16), nullable=False),
    Column("served", String(16), nullable=False),
    Column("price", Float),
    Column("outcome", Float),
    Column("realized_return", Float),
    Column("matured_ns", BigInteger),
    Column("created_ns", BigInteger, nullable=False),
)
Index("ix_signal_log_model_ts", signal_log.c.model, signal_log.c.ts_ns)
Index("ix_signal_log_symbol_ts", signal_log.c.symbol, signal_log.c.ts_ns)

promotion_decisions = Table(
    "promotion_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts_ns", BigInteger, nullable=False),
    Column("model", String(128), nullable=False),
    Column("action", String(16), nullable=False),
    Column("champion_version", String(32)),
    Column("challenger_version", String(32)),
    Column("metric", String(32), nullable=False),
    Column("promoted", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("actor", String(64), nullable=False),
)
Index("ix_promotion_decisions_model_ts", promotion_decisions.c.model, promotion_decisions.c.ts_ns)

job_runs = Table(
    "job_runs",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("fire_ns", BigInteger, primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_ns", BigInteger, nullable=False),
    Column("finished_ns", BigInteger),
    Column("error", Text),
)

__all__ = ["job_runs", "promotion_decisions", "signal_log"]
