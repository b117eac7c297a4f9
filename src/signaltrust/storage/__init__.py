"""Application state: SQLAlchemy tables, Alembic migrations, the trading nodes' journals.

SQLite (WAL) under the data home by default; PostgreSQL when ``[database] url`` says so.
"""

from signaltrust.storage.database import Database, database_url, open_database
from signaltrust.storage.journal import Command, Entry, Journal, NodeRecord, NodeRegistry

__all__ = [
    "Command",
    "Database",
    "Entry",
    "Journal",
    "NodeRecord",
    "NodeRegistry",
    "database_url",
    "open_database",
]
