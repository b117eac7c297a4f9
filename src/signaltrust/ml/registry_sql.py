"""Read (and move aliases in) an MLflow SQL store directly, without importing MLflow.

Why: importing MLflow and opening its store costs 2 to 4 s of CPU on a small machine, more
than everything else ``signaltrust models list`` does; the registry's answers are a handful of
rows in five tables (``registered_models``, ``model_versions``, ``registered_model_aliases``,
``runs``, ``tags``) and a ``signaltrust.json`` next to each run's artefacts.

What is read is what MLflow's own SQL store answers: the default workspace only (the single
tenant MLflow runs as unless workspaces are enabled), versions that are not deleted
(``current_stage != 'Deleted_Internal'``), registered models that are not prompts (tag
``mlflow.prompt.is_prompt = true``). A test compares every answer with MLflow's on a real
store. Moving an alias writes the one row MLflow's ``set_registered_model_alias`` writes.

SQLite stores are opened with the standard library's ``sqlite3``; other SQL stores
(``postgresql``, ``mysql``, ``mssql``) through SQLAlchemy, which MLflow uses for them too.
Artefacts are read straight from the file system when the run's artefact URI is local
(``file://`` or a path); otherwise the caller asks MLflow (``read_artifact`` returns None).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

SQL_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
DEFAULT_WORKSPACE = "default"
DELETED_STAGE = "Deleted_Internal"  # MLflow's mark of a version deleted but kept for its alias
PROMPT_TAG = "mlflow.prompt.is_prompt"


def is_sql_store(uri: str) -> bool:
    """Whether ``uri`` names an MLflow SQL store (``sqlite:///…``, ``postgresql://…``, …)."""
    scheme = uri.split(":", 1)[0].split("+", 1)[0].lower() if ":" in uri else ""
    return scheme in SQL_SCHEMES


@dataclass(frozen=True)
class VersionRow:
    """One model version as the store keeps it."""

    version: int
    run_id: str
    source: str
    created_ms: int


@dataclass(frozen=True)
class ModelRow:
    """One registered model as the store keeps it (aliases: alias -> version)."""

    name: str
    updated_ms: int
    aliases: dict[str, int]


class SqlRegistryStore:
    """The registry tables of the MLflow SQL store at ``uri``, read with plain SQL."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self._sqlite = uri.lower().startswith("sqlite:")
        self._engine: Any = None
        self._columns: dict[str, set[str]] = {}

    # -- connection -----------------------------------------------------------------------------
    def _sqlite_path(self) -> str:
        path = self.uri[len("sqlite:///"):] if self.uri.startswith("sqlite:///") else ""
        return path.split("?", 1)[0]

    def _rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        if self._sqlite:  # read-only: a read never creates a store
            uri = f"{Path(self._sqlite_path()).resolve().as_uri()}?mode=ro"
            with closing(sqlite3.connect(uri, uri=True)) as conn:
                return [tuple(r) for r in conn.execute(sql, params).fetchall()]
        from sqlalchemy import text

        with self._sa_engine().connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params).fetchall()]

    def _write(self, statements: list[tuple[str, dict[str, Any]]]) -> None:
        """Run ``statements`` in one transaction."""
        if self._sqlite:
            with closing(sqlite3.connect(self._sqlite_path())) as conn, conn:
                for sql, params in statements:
                    conn.execute(sql, params)
            return
        from sqlalchemy import text

        with self._sa_engine().begin() as conn:
            for sql, params in statements:
                conn.execute(text(sql), params)

    def _sa_engine(self) -> Any:
        if self._engine is None:
            from sqlalchemy import create_engine

            self._engine = create_engine(self.uri)
        return self._engine

    def _table_columns(self, table: str) -> set[str]:
        if table not in self._columns:
            if self._sqlite:
                if not Path(self._sqlite_path()).is_file():
                    return set()
                found = {r[1] for r in self._rows(f"PRAGMA table_info({table})")}
            else:
                from sqlalchemy import inspect

                inspector = inspect(self._sa_engine())
                found = ({c["name"] for c in inspector.get_columns(table)}
                         if inspector.has_table(table) else set())
            if not found:
                return found  # not cached: MLflow may create the tables later
            self._columns[table] = found
        return self._columns[table]

    def _q(self, column: str) -> str:
        """A column name quoted for the dialect (``key`` is a reserved word in MySQL)."""
        return f"`{column}`" if self.uri.lower().startswith("mysql") else f'"{column}"'

    def _ws(self, table: str, alias: str = "") -> str:
        """The default-workspace condition for ``table`` (a store without workspaces: none)."""
        if "workspace" not in self._table_columns(table):
            return "1 = 1"
        return f"{alias + '.' if alias else ''}workspace = '{DEFAULT_WORKSPACE}'"

    def has_tables(self) -> bool:
        """Whether the store's registry tables exist (MLflow creates them on first use)."""
        return bool(self._table_columns("registered_models"))

    # -- reads ----------------------------------------------------------------------------------
    def _not_prompt(self, alias: str) -> str:
        return (f"{alias}.name NOT IN (SELECT name FROM registered_model_tags WHERE "
                f"{self._ws('registered_model_tags')} AND {self._q('key')} = '{PROMPT_TAG}' "
                f"AND LOWER(value) = 'true')")

    def models(self) -> list[ModelRow]:
        """Every registered model (not prompts), by name, with its aliases."""
        if not self.has_tables():
            return []
        rows = self._rows(
            f"SELECT m.name, m.last_updated_time FROM registered_models m "
            f"WHERE {self._ws('registered_models', 'm')} AND {self._not_prompt('m')} "
            f"ORDER BY m.name")
        aliases: dict[str, dict[str, int]] = {}
        for name, alias, version in self._rows(
                f"SELECT name, alias, version FROM registered_model_aliases "
                f"WHERE {self._ws('registered_model_aliases')} ORDER BY name, alias"):
            aliases.setdefault(name, {})[alias] = int(version)
        return [ModelRow(name=n, updated_ms=int(t or 0), aliases=aliases.get(n, {}))
                for n, t in rows]

    def exists(self, name: str) -> bool:
        """Whether ``name`` is a registered model (a prompt is not)."""
        if not self.has_tables():
            return False
        return bool(self._rows(
            f"SELECT 1 FROM registered_models m WHERE {self._ws('registered_models', 'm')} "
            f"AND m.name = :name AND {self._not_prompt('m')}", name=name))

    def versions(self, name: str) -> list[VersionRow]:
        """The versions of ``name`` that are not deleted, oldest first."""
        rows = self._rows(
            f"SELECT version, run_id, source, creation_time FROM model_versions "
            f"WHERE {self._ws('model_versions')} AND name = :name "
            f"AND (current_stage IS NULL OR current_stage != '{DELETED_STAGE}') "
            f"ORDER BY version", name=name)
        return [VersionRow(version=int(v), run_id=str(r or ""), source=str(s or ""),
                           created_ms=int(t or 0)) for v, r, s, t in rows]

    def aliases(self, name: str) -> dict[str, int]:
        """alias -> version of ``name``."""
        return {a: int(v) for a, v in self._rows(
            f"SELECT alias, version FROM registered_model_aliases "
            f"WHERE {self._ws('registered_model_aliases')} AND name = :name ORDER BY alias",
            name=name)}

    def run(self, run_id: str) -> tuple[str, dict[str, str]]:
        """A run's artefact URI and its tags."""
        found = self._rows("SELECT artifact_uri FROM runs WHERE run_uuid = :run", run=run_id)
        tags = {k: v for k, v in self._rows(
            f"SELECT {self._q('key')}, value FROM tags WHERE run_uuid = :run", run=run_id)}
        return (str(found[0][0] or "") if found else ""), tags

    @staticmethod
    def read_artifact(artifact_uri: str, path: str) -> str | None:
        """The text of ``path`` under a local artefact URI; None when it is not local."""
        parsed = urlparse(artifact_uri)
        if parsed.scheme == "file":
            root = Path(unquote(parsed.path))
        elif parsed.scheme == "" or (len(parsed.scheme) == 1 and artifact_uri[1:3] == ":\\"):
            root = Path(artifact_uri)
        else:
            return None
        target = root / path
        return target.read_text(encoding="utf-8") if target.is_file() else None

    # -- write ----------------------------------------------------------------------------------
    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` of ``name`` at ``version`` (the row MLflow's client would write)."""
        workspace = "workspace" in self._table_columns("registered_model_aliases")
        where = f"{self._ws('registered_model_aliases')} AND name = :name AND alias = :alias"
        columns = "alias, version, name" + (", workspace" if workspace else "")
        values = ":alias, :version, :name" + (f", '{DEFAULT_WORKSPACE}'" if workspace else "")
        params = {"name": name, "alias": alias, "version": int(version)}
        self._write([
            (f"DELETE FROM registered_model_aliases WHERE {where}", params),
            (f"INSERT INTO registered_model_aliases ({columns}) VALUES ({values})", params),
        ])
