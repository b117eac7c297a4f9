"""Back up and restore an installation: the application database, the bar lake, the model registry.

A backup is a folder with ``manifest.json`` (written last: a folder without it is not a backup)
and one entry per part:

- ``database.sqlite`` (a SQLite database, copied with the online-backup API) or ``database/``
  (PostgreSQL: one JSON-lines dump per table, loaded back through SQLAlchemy);
- ``lake/``: the Parquet bar lake, file for file;
- ``registry/``: the MLflow store (``mlflow.db``, copied like the database) and its artefacts.

Every file's SHA-256 is in the manifest and checked before a restore changes anything. A restore
refuses to replace a database that holds rows, or a lake or registry that holds files, unless
``force`` is given; the error names what would be replaced.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signaltrust import __version__
from signaltrust.core.errors import ValidationError
from signaltrust.ops import database_dump
from signaltrust.ops.files import (
    checksums,
    copy_folder,
    copy_sqlite,
    folder_is_empty,
    replace_folder,
    sha256,
    verify_folder,
)
from signaltrust.storage.database import Database

FORMAT = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BackupSources:
    """What an installation keeps, and where: the boundary (CLI) fills it from the settings.

    ``database_url`` is a SQLAlchemy URL (``sqlite:///...`` or ``postgresql+psycopg://...``),
    ``schema`` the PostgreSQL schema when one is used; ``registry_uri`` the MLflow store URI
    (a server's ``http(s)://`` store is backed up with that server, not here)."""

    database_url: str
    lake_path: Path
    registry_uri: str
    artifacts_path: Path
    schema: str | None = None


@dataclass
class BackupManifest:
    """What a backup holds: per part, its kind, counts and file checksums."""

    created_utc: str
    signaltrust_version: str
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: int = FORMAT

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "created_utc": self.created_utc,
                "signaltrust_version": self.signaltrust_version, "parts": self.parts}

    @classmethod
    def read(cls, folder: Path) -> BackupManifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise ValidationError(
                "this folder is not a SignalTrust backup (it has no manifest.json)",
                field="PATH", value=str(folder),
                fix="give the folder `signaltrust backup PATH` wrote; an interrupted backup "
                "has no manifest and cannot be restored",
            )
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValidationError(
                "this backup was written in another format", field="format",
                value=data.get("format"), fix=f"restore it with the SignalTrust version that "
                f"wrote it ({data.get('signaltrust_version')})",
            )
        return cls(created_utc=data["created_utc"],
                   signaltrust_version=data["signaltrust_version"], parts=data["parts"])


def _sqlite_file(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):]).expanduser()
    return None


def _open(sources: BackupSources) -> Database:
    return Database(sources.database_url, schema=sources.schema)


def backup(sources: BackupSources, destination: Path, *, force: bool = False) -> BackupManifest:
    """Write a backup of ``sources`` to the folder ``destination``.

    It is written beside ``destination`` first and moved there when complete; an existing
    non-empty ``destination`` is refused unless ``force``, then replaced."""
    destination = Path(destination).expanduser()
    if not folder_is_empty(destination) and not force:
        raise ValidationError(
            "the backup folder is not empty", field="PATH", value=str(destination),
            fix="choose a new folder, or pass --force to replace it",
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    manifest = BackupManifest(created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
                              signaltrust_version=__version__)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=destination.parent) as work:
        staging = Path(work) / "backup"
        staging.mkdir()
        manifest.parts["database"] = _backup_database(sources, staging)
        manifest.parts["lake"] = _backup_folder(sources.lake_path, staging / "lake")
        manifest.parts["registry"] = _backup_registry(sources, staging / "registry")
        (staging / MANIFEST).write_text(json.dumps(manifest.to_dict(), indent=2),
                                        encoding="utf-8")
        if destination.exists():
            shutil.rmtree(destination)
        staging.rename(destination)
    return manifest


def _backup_database(sources: BackupSources, staging: Path) -> dict[str, Any]:
    database = _open(sources)
    try:
        revision = database.upgrade().revision
        source_file = _sqlite_file(sources.database_url)
        if database.dialect == "sqlite" and source_file is not None:
            copy_sqlite(source_file, staging / "database.sqlite")
            counts = database_dump.table_counts(database.engine)
            return {"kind": "sqlite", "revision": revision, "rows": counts,
                    "sha256": sha256(staging / "database.sqlite")}
        counts = database_dump.dump_tables(database.engine, staging / "database")
        return {"kind": "tables", "dialect": database.dialect, "revision": revision,
                "rows": counts, "files": checksums(staging / "database")}
    finally:
        database.dispose()


def _backup_folder(source: Path, target: Path) -> dict[str, Any]:
    if not source.is_dir():
        return {"kind": "absent", "source": str(source)}
    files = copy_folder(source, target)
    return {"kind": "folder", "source": str(source), "files": files}


def _backup_registry(sources: BackupSources, target: Path) -> dict[str, Any]:
    uri = sources.registry_uri
    store = _sqlite_file(uri)
    if store is None:
        return {"kind": "external", "uri": uri.split("@")[-1],
                "note": "a tracking server's store is backed up with that server"}
    part: dict[str, Any] = {"kind": "mlflow-sqlite", "source": str(store),
                            "artifacts_source": str(sources.artifacts_path)}
    if store.is_file():
        copy_sqlite(store, target / "mlflow.db")
        part["sha256"] = sha256(target / "mlflow.db")
    if sources.artifacts_path.is_dir():
        part["artifacts"] = copy_folder(sources.artifacts_path, target / "mlartifacts")
    return part


def restore(source: Path, sources: BackupSources, *, force: bool = False) -> BackupManifest:
    """Put the backup in ``source`` back into ``sources``.

    The backup is checked first (manifest, checksums); then every part that would replace
    something is listed, and the restore is refused unless ``force``."""
    source = Path(source).expanduser()
    manifest = BackupManifest.read(source)
    _verify(source, manifest)
    if not force:
        occupied = _occupied(sources, manifest)
        if occupied:
            raise ValidationError(
                "restoring would replace existing data: " + "; ".join(occupied),
                field="restore target", value=occupied,
                fix="restore into a new home or database, or pass --force to replace it "
                "(back it up first)",
            )
    _restore_database(source, manifest.parts["database"], sources)
    if manifest.parts["lake"]["kind"] == "folder":
        replace_folder(source / "lake", sources.lake_path)
    _restore_registry(source, manifest.parts["registry"], sources)
    return manifest


def _verify(source: Path, manifest: BackupManifest) -> None:
    db = manifest.parts["database"]
    if db["kind"] == "sqlite":
        _verify_file(source / "database.sqlite", db["sha256"], "database")
    else:
        verify_folder(source / "database", db["files"], part="database")
    if manifest.parts["lake"]["kind"] == "folder":
        verify_folder(source / "lake", manifest.parts["lake"]["files"], part="lake")
    registry = manifest.parts["registry"]
    if "sha256" in registry:
        _verify_file(source / "registry" / "mlflow.db", registry["sha256"], "registry")
    if "artifacts" in registry:
        verify_folder(source / "registry" / "mlartifacts", registry["artifacts"],
                      part="registry artifacts")


def _verify_file(path: Path, expected: str, part: str) -> None:
    if not path.is_file() or sha256(path) != expected:
        raise ValidationError(
            f"the backup's {part} file is missing or damaged", field=part, value=str(path),
            fix="use an intact copy of the backup",
        )


def _occupied(sources: BackupSources, manifest: BackupManifest) -> list[str]:
    found = []
    database = _open(sources)
    try:
        target_file = _sqlite_file(sources.database_url)
        if database.dialect != "sqlite" or (target_file is not None and target_file.exists()):
            database.upgrade()
            rows = database_dump.rows_in(database.engine)
            if rows:
                found.append(f"the database {database.describe()} holds {rows} rows")
    finally:
        database.dispose()
    if manifest.parts["lake"]["kind"] == "folder" and not folder_is_empty(sources.lake_path):
        found.append(f"the bar lake {sources.lake_path} holds files")
    registry = manifest.parts["registry"]
    store = _sqlite_file(sources.registry_uri)
    if registry["kind"] == "mlflow-sqlite" and store is not None and (
            store.exists() or not folder_is_empty(sources.artifacts_path)):
        found.append(f"the model registry {store} exists")
    return found


def _restore_database(source: Path, part: dict[str, Any], sources: BackupSources) -> None:
    target_file = _sqlite_file(sources.database_url)
    if part["kind"] == "sqlite" and target_file is not None:
        for suffix in ("-wal", "-shm"):  # a stale log would be replayed over the copy
            Path(f"{target_file}{suffix}").unlink(missing_ok=True)
        copy_sqlite(source / "database.sqlite", target_file)
        database = _open(sources)
        try:
            database.upgrade()  # an older backup is brought up to this version's schema
        finally:
            database.dispose()
        return
    with tempfile.TemporaryDirectory(prefix=".restore-") as work:
        dumps = source / "database"
        if part["kind"] == "sqlite":  # a SQLite backup into PostgreSQL: dump its tables first
            copy = Database(f"sqlite:///{Path(work) / 'backup.sqlite'}")
            copy_sqlite(source / "database.sqlite", Path(work) / "backup.sqlite")
            try:
                dumps = Path(work) / "dumps"
                database_dump.dump_tables(copy.engine, dumps)
            finally:
                copy.dispose()
        database = _open(sources)
        try:
            revision = database.upgrade().revision
            if revision != part["revision"]:
                raise ValidationError(
                    f"the backup's schema is at revision {part['revision']}, this database at "
                    f"{revision}", field="database revision", value=part["revision"],
                    fix="restore with the SignalTrust version that made the backup, or restore "
                    "into SQLite (migrations then bring it up to date) and copy from there",
                )
            database_dump.load_tables(database.engine, dumps, part["rows"])
        finally:
            database.dispose()


def _restore_registry(source: Path, part: dict[str, Any], sources: BackupSources) -> None:
    if part["kind"] != "mlflow-sqlite":
        return
    store = _sqlite_file(sources.registry_uri)
    if store is None:
        raise ValidationError(
            "the backup holds a local model registry but this installation uses a server",
            field="MLFLOW_TRACKING_URI", value=sources.registry_uri,
            fix="unset MLFLOW_TRACKING_URI to restore into the local store under home",
        )
    if "sha256" in part:
        store.unlink(missing_ok=True)
        copy_sqlite(source / "registry" / "mlflow.db", store)
    if "artifacts" in part:
        replace_folder(source / "registry" / "mlartifacts", sources.artifacts_path)
