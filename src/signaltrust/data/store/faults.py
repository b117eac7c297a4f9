"""Operating-system faults of the bar store as StoreErrors that name the path, cause and fix."""

from __future__ import annotations

import errno
from pathlib import Path

from signaltrust.core.errors import StoreError

_ELSEWHERE = "put the lake elsewhere (SIGNALTRUST__STORE__PATH)"
_CAUSES = {
    errno.ENOSPC: ("the disk is full", f"free some space, or {_ELSEWHERE}"),
    errno.EDQUOT: ("the disk quota is exceeded", f"free some space, or {_ELSEWHERE}"),
    errno.EACCES: ("permission denied", "make the lake folder writable, or put the lake "
                   "elsewhere (SIGNALTRUST__STORE__PATH)"),
    errno.EPERM: ("permission denied", "make the lake folder writable, or put the lake "
                  "elsewhere (SIGNALTRUST__STORE__PATH)"),
    errno.EROFS: ("the file system is read-only", "put the lake on a writable disk "
                  "(SIGNALTRUST__STORE__PATH)"),
    errno.EEXIST: ("a file is in the way of a lake folder", "point [store] path "
                   "(SIGNALTRUST__STORE__PATH) at a folder, or move the file away"),
    errno.ENOTDIR: ("a file is in the way of a lake folder", "point [store] path "
                    "(SIGNALTRUST__STORE__PATH) at a folder, or move the file away"),
}


def store_fault(exc: OSError, path: Path | str, doing: str) -> StoreError:
    """A StoreError naming the path, the cause and the fix of an operating-system error."""
    cause, fix = _CAUSES.get(
        exc.errno or -1, (exc.strerror or str(exc), "check the path and the disk, then retry")
    )
    return StoreError(
        f"cannot {doing} {path}: {cause}; nothing stored was changed",
        field="store.path", value=str(getattr(exc, "filename", None) or path), fix=fix,
    )


