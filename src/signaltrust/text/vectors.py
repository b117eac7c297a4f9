"""Vector stores that answer "the nearest items known at time t": FAISS embedded, pgvector.

Every stored vector carries a key (a content hash, a pattern's end time), the UTC time from
which it may be used (``available_at``: a document's first-seen time, a price pattern's outcome
time) and optional symbols. :meth:`search` with ``as_of`` filters **inside** the index (a FAISS
ID selector, a SQL ``WHERE``), so a query at t never returns an item available after t, and
never returns fewer than ``k`` hits because future items took the places.

:class:`FaissVectorStore` keeps vectors in memory (``kind="flat"``: exact inner product;
``kind="ivf"``: an inverted-file index trained on the first vectors added, faster on millions,
approximate; ``nprobe`` lists searched) and saves to a folder. The PostgreSQL store
(:mod:`signaltrust.text.vectors_pg`) has the same methods.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.text.documents import as_utc
from signaltrust.text.embeddings import normalise_rows


@dataclass(frozen=True)
class Hit:
    """One search result: the item's key, its cosine similarity and when it became available."""

    key: str
    score: float
    available_at: pd.Timestamp

    def __plain__(self) -> dict[str, Any]:
        return {"key": self.key, "score": self.score, "available_at": self.available_at}


class VectorStore(Protocol):
    """The interface both stores implement."""

    dim: int

    def add(self, keys: Sequence[str], vectors: np.ndarray, available_at: Sequence[Any],
            symbols: Sequence[Sequence[str]] | None = None) -> int: ...

    def search(self, query: np.ndarray, k: int = 10, *, as_of: Any = None,
               symbol: str | None = None) -> list[list[Hit]]: ...

    def __len__(self) -> int: ...


def times_ns(values: Sequence[Any], field: str = "available_at") -> np.ndarray:
    """UTC nanoseconds of times with a zone (ValidationError naming the field otherwise)."""
    return np.array([as_utc(v, field).as_unit("ns").value for v in values], dtype=np.int64)


def check_vectors(vectors: np.ndarray, dim: int, rows: int | None = None) -> np.ndarray:
    """``vectors`` as unit-length float32 rows of width ``dim``."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != dim:
        raise ValidationError(f"vectors must have {dim} columns", field="vectors",
                              value=getattr(array, "shape", None),
                              fix=f"embed with the store's embedder (dimension {dim})")
    if rows is not None and len(array) != rows:
        raise ValidationError("one vector per key", field="vectors", value=len(array),
                              fix=f"give {rows} rows")
    if not np.isfinite(array).all():
        raise ValidationError("vectors contain NaN or infinity", field="vectors",
                              fix="drop or re-embed those rows")
    return normalise_rows(array)


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValidationError("k must be a whole number >= 1", field="k", value=k,
                              fix="e.g. k=10")
    return int(k)


class FaissVectorStore:
    """Vectors in a FAISS index (inner product on unit vectors = cosine), as-of filtered."""

    def __init__(self, dim: int = 384, kind: str = "flat", nlist: int = 1024,
                 nprobe: int = 16) -> None:
        self.dim = dim
        self.kind = kind
        self.nlist = nlist
        self.nprobe = nprobe
        self._index: Any = None
        self._keys: list[str] = []
        self._positions: dict[str, int] = {}
        self._available = np.zeros(0, dtype=np.int64)
        self._symbols: list[frozenset[str]] = []

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    def _make(self, training: np.ndarray) -> Any:
        import faiss

        if self.kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        if self.kind == "ivf":
            nlist = max(1, min(int(self.nlist), len(training) // 39 or 1))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist,
                                       faiss.METRIC_INNER_PRODUCT)
            index.train(training)
            index.nprobe = int(self.nprobe)
            return index
        raise ValidationError("unknown FAISS index kind", field="kind", value=self.kind,
                              fix="use kind='flat' (exact) or kind='ivf' (approximate)")

    def add(self, keys: Sequence[str], vectors: np.ndarray, available_at: Sequence[Any],
            symbols: Sequence[Sequence[str]] | None = None) -> int:
        """Add the items whose key is new (a key already stored keeps its vector and time);
        returns how many were added."""
        keys = [str(k) for k in keys]
        array = check_vectors(vectors, self.dim, len(keys))
        stamps = times_ns(available_at)
        if len(stamps) != len(keys) or (symbols is not None and len(symbols) != len(keys)):
            raise ValidationError("keys, vectors, times and symbols must have one entry each",
                                  field="available_at", value=len(stamps),
                                  fix=f"give {len(keys)} times")
        order: list[int] = []
        batch: set[str] = set()
        for i, key in enumerate(keys):
            if key not in self._positions and key not in batch:
                batch.add(key)
                order.append(i)
        if not order:
            return 0
        chosen = array[order]
        if self._index is None:
            self._index = self._make(chosen)
        self._index.add(chosen)
        for i in order:
            self._positions[keys[i]] = len(self._keys)
            self._keys.append(keys[i])
            self._symbols.append(frozenset(s.upper() for s in (symbols[i] if symbols else ())))
        self._available = np.concatenate([self._available, stamps[order]])
        return len(order)

    def allowed(self, as_of: Any = None, symbol: str | None = None) -> np.ndarray | None:
        """The mask of items a query may return (None: all)."""
        mask = None
        if as_of is not None:
            mask = self._available <= as_utc(as_of, "as_of").as_unit("ns").value
        if symbol is not None:
            wanted = symbol.strip().upper()
            has = np.fromiter((wanted in s for s in self._symbols), dtype=bool,
                              count=len(self._symbols))
            mask = has if mask is None else mask & has
        return mask

    def search(self, query: np.ndarray, k: int = 10, *, as_of: Any = None,
               symbol: str | None = None) -> list[list[Hit]]:
        """The ``k`` most similar items for each query row, among those available at
        ``as_of`` (and mentioning ``symbol``), best first."""
        import faiss

        k = _check_k(k)
        queries = check_vectors(query, self.dim)
        if self._index is None:
            return [[] for _ in range(len(queries))]
        mask = self.allowed(as_of, symbol)
        params = None
        if mask is not None:
            if not mask.any():
                return [[] for _ in range(len(queries))]
            if not mask.all():
                bitmap = np.packbits(mask, bitorder="little")
                selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
                params = (faiss.SearchParametersIVF(sel=selector, nprobe=int(self.nprobe))
                          if self.kind == "ivf" else faiss.SearchParameters(sel=selector))
        elif self.kind == "ivf":
            params = faiss.SearchParametersIVF(nprobe=int(self.nprobe))
        take = min(k, len(self._keys))
        scores, ids = self._index.search(queries, take, params=params)
        out = []
        for row_scores, row_ids in zip(scores, ids, strict=True):
            hits = []
            for score, position in zip(row_scores, row_ids, strict=True):
                if position < 0:
                    continue
                if mask is not None and not mask[position]:  # the selector's guarantee, kept
                    continue
                hits.append(Hit(self._keys[position], float(score),
                                pd.Timestamp(int(self._available[position]), unit="ns",
                                             tz="UTC")))
            out.append(hits)
        return out

    # -- persistence ---------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the index and its keys, times and symbols to ``folder``."""
        import faiss

        target = Path(folder).expanduser()
        target.mkdir(parents=True, exist_ok=True)
        if self._index is not None:
            faiss.write_index(self._index, str(target / "vectors.faiss"))
        np.save(target / "available_ns.npy", self._available)
        meta = {"dim": self.dim, "kind": self.kind, "nlist": self.nlist, "nprobe": self.nprobe,
                "keys": self._keys, "symbols": [sorted(s) for s in self._symbols]}
        (target / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        return target

    @classmethod
    def load(cls, folder: str | Path) -> FaissVectorStore:
        """A store written by :meth:`save`."""
        import faiss

        source = Path(folder).expanduser()
        if not (source / "meta.json").is_file():
            raise ValidationError("no saved vector store in this folder", field="folder",
                                  value=str(source), fix="save one with store.save(folder)")
        meta = json.loads((source / "meta.json").read_text(encoding="utf-8"))
        store = cls(meta["dim"], meta["kind"], meta["nlist"], meta["nprobe"])
        if (source / "vectors.faiss").is_file():
            store._index = faiss.read_index(str(source / "vectors.faiss"))
        store._keys = list(meta["keys"])
        store._positions = {k: i for i, k in enumerate(store._keys)}
        store._symbols = [frozenset(s) for s in meta["symbols"]]
        store._available = np.load(source / "available_ns.npy")
        return store


__all__ = ["FaissVectorStore", "Hit", "VectorStore", "check_vectors", "times_ns"]
