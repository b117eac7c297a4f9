"""``signaltrust backup PATH`` and ``signaltrust restore PATH``: the application database, the bar
lake and the model registry of this installation, into a folder and back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json

PATH_ARGUMENT = typer.Argument(..., help="The backup folder.")
FORCE_BACKUP = typer.Option(False, "--force", help="Replace a non-empty backup folder.")
FORCE_RESTORE = typer.Option(
    False, "--force", help="Replace the database, lake and registry that exist (back them up "
    "first).",
)


def _sources() -> Any:
    from signaltrust.core.config import load_settings
    from signaltrust.ml.registry import tracking_uri
    from signaltrust.ops import BackupSources
    from signaltrust.storage.database import database_url

    settings = load_settings()
    url = settings.database.url.get_secret_value() if settings.database.url else None
    registry = tracking_uri(settings.home, os.environ)
    artifacts = (Path(registry[len("sqlite:///"):]).parent / "mlartifacts"
                 if registry.startswith("sqlite:///") else settings.home / "mlartifacts")
    return BackupSources(database_url=database_url(url, settings.home),
                         lake_path=settings.lake_path, registry_uri=registry,
                         artifacts_path=artifacts)


def _summary(manifest: Any) -> dict[str, Any]:
    parts = manifest.parts
    return {
        "created_utc": manifest.created_utc,
        "database": {"kind": parts["database"]["kind"],
                     "revision": parts["database"]["revision"],
                     "rows": sum(parts["database"]["rows"].values())},
        "lake_files": len(parts["lake"].get("files", {})),
        "registry": parts["registry"]["kind"],
    }


@handles_errors
def backup(path: Path = PATH_ARGUMENT, force: bool = FORCE_BACKUP,
           as_json: bool = JSON_OPTION) -> None:
    """Back up the database, the bar lake and the model registry into a new folder.

    Example: signaltrust backup ~/backups/2026-12-07
    """
    from signaltrust.ops import backup as run_backup

    manifest = run_backup(_sources(), path, force=force)
    summary = _summary(manifest)
    if as_json:
        print_json({"path": str(path), **summary})
        return
    console.print(f"backed up to {path}: database ({summary['database']['rows']} rows, "
                  f"{summary['database']['kind']}), {summary['lake_files']} lake file(s), "
                  f"registry {summary['registry']}")


@handles_errors
def restore(path: Path = PATH_ARGUMENT, force: bool = FORCE_RESTORE,
            as_json: bool = JSON_OPTION) -> None:
    """Restore a backup folder; existing data is replaced only with --force.

    Stop the nodes, the API and the workers first. Example: signaltrust restore ~/backups/x
    """
    from signaltrust.ops import restore as run_restore

    manifest = run_restore(path, _sources(), force=force)
    summary = _summary(manifest)
    if as_json:
        print_json({"path": str(path), **summary})
        return
    console.print(f"restored {path} (made {summary['created_utc']}): database "
                  f"({summary['database']['rows']} rows), {summary['lake_files']} lake file(s), "
                  f"registry {summary['registry']}")


def backup_job() -> None:
    """The learning loop's ``backup`` job: a backup of this installation under
    ``<home>/backups/<UTC time>`` (``signaltrust loop run --job
    backup=signaltrust.cli.backup:backup_job``)."""
    from datetime import UTC, datetime

    from signaltrust.core.config import load_settings
    from signaltrust.ops import backup as run_backup

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_backup(_sources(), load_settings().home / "backups" / stamp)
