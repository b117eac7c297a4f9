"""Alembic's environment: migrate the connection ``Database.upgrade`` passes in."""

from __future__ import annotations

from alembic import context

from signaltrust.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through Database.upgrade
    raise RuntimeError("run migrations through signaltrust.storage.Database.upgrade()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
