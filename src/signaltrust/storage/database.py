"""The application-state database: SQLite (WAL) under the data home by default, PostgreSQL when
configured; its schema is kept by Alembic migrations, applied on open.

>>> db = Database("sqlite://")          # in memory: tests and examples
>>> db.upgrade().revision
'0001'
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import StaticPool

from signaltrust.core.errors import ValidationError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(url: str | None, home: Path | str) -> str:
    """The URL to open: ``url`` when given, else ``sqlite:///<home>/signaltrust.db``.
    ``postgresql://`` and ``postgres://`` get the psycopg (3) driver."""
    if not url:
        return f"sqlite:///{Path(home).expanduser() / 'signaltrust.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Revision:
    """The schema revision a database is at after :meth:`Database.upgrade`."""

    revision: str | None


class Database:
    """An engine on the application-state database, with the schema brought up to date.

    ``schema`` (PostgreSQL only) keeps every table in that schema, created when missing: tests
    and several installations can share one server.
    """

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ValidationError(
                "the database URL cannot be read", field="database.url",
                value=_masked(url),
                fix="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
            ) from exc
        self.url = parsed
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            else:  # one shared in-memory connection, or the tables vanish between sessions
                kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        elif self.dialect == "postgresql":
            if schema:
                kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
            kwargs["pool_pre_ping"] = True
        else:
            raise ValidationError(
                f"the {self.dialect} database is not supported", field="database.url",
                value=_masked(url), fix="use SQLite (the default) or PostgreSQL",
            )
        self.schema = schema
        self.engine: Engine = create_engine(parsed, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def upgrade(self) -> Revision:
        """Apply every Alembic migration not applied yet (safe to call on every start)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":  # processes starting together migrate in turn
                    key = zlib.crc32(f"signaltrust-migrations:{self.schema or ''}".encode())
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
                if self.schema:
                    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise ValidationError(
                f"the database cannot be opened: {exc.orig}", field="database.url",
                value=self.describe(),
                fix="check the server is running and the URL (user, host, port, database)",
            ) from exc
        return Revision(self.revision())

    def revision(self) -> str | None:
        """The Alembic revision the database is at (None before the first migration)."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def describe(self) -> str:
        """The URL with any password masked."""
        return self.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.describe()!r})"


def open_database(url: str | None, home: Path | str, *, schema: str | None = None) -> Database:
    """Open the configured database (``[database] url``, default SQLite under ``home``) and
    bring its schema up to date."""
    database = Database(database_url(url, home), schema=schema)
    database.upgrade()
    return database


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # a commit survives a killed process
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable URL>"


__all__ = ["Database", "MIGRATIONS", "Revision", "database_url", "open_database"]
