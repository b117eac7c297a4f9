"""A feature store: computed feature frames cached as Parquet, keyed by a content hash.

The key hashes the input bars (values, column names, dtypes and timestamps) together with the
feature set's definition (class, parameters, version and any other data it reads). A hit
returns exactly the frame that was computed; changed bars or parameters miss; a cache file that
cannot be read, or whose content no longer matches the checksum written beside it, is
recomputed and rewritten, never served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from signaltrust.features.base import FeatureSet, hash_frame

logger = logging.getLogger(__name__)
_META_KEY = b"signaltrust.features"


@dataclass
class StoreStats:
    """Counts of cache outcomes since the store was created."""

    hits: int = 0
    misses: int = 0
    recomputed_corrupt: int = 0
    corrupt_paths: list[str] = field(default_factory=list)


class FeatureStore:
    """Cache feature frames on disk as Parquet, keyed by the hash of the bars and the definition.

    ``root`` is the folder the caller chooses; the usual one is ``<home>/features``, the data
    home of the configuration (the library does not read the configuration itself).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        self.stats = StoreStats()

    def key(self, feature_set: FeatureSet, bars: pd.DataFrame) -> str:
        """The cache key: SHA-256 of the bars' content hash and the set's definition hash."""
        text = f"{hash_frame(bars)}|{feature_set.definition_hash()}"
        return hashlib.sha256(text.encode()).hexdigest()

    def path(self, key: str) -> Path:
        """Where the frame of ``key`` lives: ``<root>/<first two hex digits>/<key>.parquet``."""
        return self.root / key[:2] / f"{key}.parquet"

    def get_or_compute(self, feature_set: FeatureSet, bars: pd.DataFrame) -> pd.DataFrame:
        """The features of ``bars``: read from the cache when present and intact, else computed
        (``feature_set.fit(bars).transform(bars)``) and written."""
        key = self.key(feature_set, bars)
        path = self.path(key)
        if path.exists():
            frame = self._read(path, key)
            if frame is not None:
                self.stats.hits += 1
                feature_set.fit(bars)
                return frame
            self.stats.recomputed_corrupt += 1
            self.stats.corrupt_paths.append(str(path))
        else:
            self.stats.misses += 1
        frame = feature_set.fit(bars).transform(bars)
        self._write(path, key, frame, feature_set)
        return frame

    def clear(self) -> int:
        """Delete every cached frame; returns how many files were removed."""
        removed = 0
        if self.root.exists():
            for file in self.root.glob("*/*.parquet"):
                file.unlink()
                removed += 1
        return removed

    # -- files ---------------------------------------------------------------------------------
    def _write(self, path: Path, key: str, frame: pd.DataFrame, feature_set: FeatureSet) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "key": key,
            "content_hash": hash_frame(frame),
            "columns": [str(c) for c in frame.columns],
            "attrs": frame.attrs,
            "definition": feature_set.definition(),
        }
        plain = frame.copy()
        plain.attrs = {}
        table = pa.Table.from_pandas(plain, preserve_index=True)
        schema_meta = dict(table.schema.metadata or {})
        schema_meta[_META_KEY] = json.dumps(meta, sort_keys=True, default=str).encode()
        table = table.replace_schema_metadata(schema_meta)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(handle)
        try:
            pq.write_table(table, temporary)
            os.replace(temporary, path)  # atomic: readers see the old file or the new, never half
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    def _read(self, path: Path, key: str) -> pd.DataFrame | None:
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {})[_META_KEY])
            frame = table.to_pandas()
        except Exception as error:  # any unreadable file is a miss, never an answer
            logger.warning("feature cache %s unreadable (%s): recomputing", path, error)
            return None
        if (
            meta.get("key") != key
            or [str(c) for c in frame.columns] != meta.get("columns")
            or hash_frame(frame) != meta.get("content_hash")
        ):
            logger.warning("feature cache %s does not match its checksum: recomputing", path)
            return None
        frame.columns = pd.Index(meta["columns"])
        frame.attrs = dict(meta.get("attrs") or {})
        return frame
