"""Operations: back up and restore an installation (its database, bar lake and model registry).

>>> from signaltrust.ops import BackupSources, backup, restore   # doctest: +SKIP
"""

from signaltrust.ops.backup import BackupManifest, BackupSources, backup, restore

__all__ = ["BackupManifest", "BackupSources", "backup", "restore"]
