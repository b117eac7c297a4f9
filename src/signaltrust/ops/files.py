"""Folder and SQLite-file copies for backups, each file with its SHA-256 so a restore can prove
it put back what was saved."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

from signaltrust.core.errors import ValidationError

_CHUNK = 1 << 20


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder`` (POSIX separators, sorted)."""
    return {p.relative_to(folder).as_posix(): sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_folder(source: Path, target: Path) -> dict[str, str]:
    """Copy ``source`` to the new folder ``target``; the checksums of what was copied."""
    shutil.copytree(source, target, symlinks=False)
    return checksums(target)


def verify_folder(folder: Path, expected: dict[str, str], *, part: str) -> None:
    """Refuse a folder whose files differ from the manifest's (a damaged or edited backup)."""
    found = checksums(folder)
    if found != expected:
        changed = sorted(set(found) ^ set(expected)
                         | {k for k in set(found) & set(expected) if found[k] != expected[k]})
        raise ValidationError(
            f"the backup's {part} does not match its manifest ({len(changed)} file(s) differ)",
            field=part, value=changed[:5],
            fix="use an intact copy of the backup; a backup is never edited by hand",
        )


def replace_folder(source: Path, target: Path) -> None:
    """Put a copy of ``source`` at ``target``: copied next to it first, then swapped in, so a
    failed copy leaves the old folder in place."""
    staging = target.with_name(f".{target.name}.restoring")
    if staging.exists():
        shutil.rmtree(staging)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, staging, symlinks=False)
    if target.exists():
        retired = target.with_name(f".{target.name}.replaced")
        if retired.exists():
            shutil.rmtree(retired)
        target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired)
    else:
        staging.rename(target)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the sqlite3 online-backup API: pages copied
    under a read transaction, so writers in other processes never leave it half-written)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def folder_is_empty(path: Path) -> bool:
    """True when ``path`` does not exist or holds nothing."""
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))
