"""As-of news retrieval: the stories most like a query among those first seen by time t.

>>> from signaltrust.text.retrieval import NewsIndex
>>> from signaltrust.text.embeddings import HashingEmbedder
>>> index = NewsIndex(HashingEmbedder())
>>> index.add_frame(store.frame())                            # doctest: +SKIP
>>> index.search("guidance cut", as_of="2024-03-05T15:00:00Z", symbol="MSFT")  # doctest: +SKIP

A query made at t never returns a document first seen after t: the filter runs inside the
vector store (see :mod:`signaltrust.text.vectors`), keyed on ``first_seen_at``. This is what a
retrieval-augmented agent or a backtest of one may read at t.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.text.documents import Document
from signaltrust.text.embeddings import Embedder
from signaltrust.text.entities import EntityExtractor
from signaltrust.text.vectors import FaissVectorStore, VectorStore

RESULT_COLUMNS = ("content_hash", "score", "first_seen_at", "title", "source", "url", "symbols")


class NewsIndex:
    """Documents embedded into a vector store, searchable as of a time and by symbol.

    ``embedder``: a :class:`~signaltrust.text.embeddings.Embedder` (MiniLM for meaning);
    ``vectors``: a vector store (default: FAISS in memory, dimension of the embedder);
    ``entities``: finds the tickers a document names, beside the ones its source attached
    (default: the dictionary extractor, no spaCy).
    """

    def __init__(self, embedder: Embedder, vectors: VectorStore | None = None,
                 entities: EntityExtractor | None = None, batch_size: int = 256) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.entities = entities
        self.batch_size = batch_size
        self._documents: dict[str, dict[str, Any]] = {}

    def _store(self) -> VectorStore:
        if self.vectors is None:
            self.vectors = FaissVectorStore(dim=int(self.embedder.dim))
        return self.vectors

    def __len__(self) -> int:
        return len(self._documents)

    def add_documents(self, documents: Sequence[Document]) -> int:
        """Embed and add documents not yet indexed (each needs ``first_seen_at``)."""
        rows = []
        for doc in documents:
            if doc.first_seen_at is None:
                raise ValidationError("an indexed document needs its first-seen time",
                                      field="first_seen_at", value=doc.title[:60],
                                      fix="ingest it first, or set first_seen_at")
            rows.append({"content_hash": doc.content_hash, "title": doc.title, "body": doc.body,
                         "first_seen_at": doc.first_seen_at, "source": doc.source,
                         "url": doc.url, "symbols": doc.symbols})
        return self.add_frame(pd.DataFrame(rows, columns=["content_hash", "title", "body",
                                                          "first_seen_at", "source", "url",
                                                          "symbols"]))

    def add_frame(self, frame: pd.DataFrame) -> int:
        """Add the documents of a store frame (``DocumentStore.frame()``) not yet indexed."""
        needed = {"content_hash", "title", "first_seen_at"}
        if not needed <= set(frame.columns):
            raise ValidationError("not a documents frame", field="frame.columns",
                                  value=sorted(frame.columns),
                                  fix="pass DocumentStore.frame() or use add_documents()")
        fresh = frame[~frame["content_hash"].isin(self._documents.keys())]
        fresh = fresh.drop_duplicates("content_hash")
        if fresh.empty:
            return 0
        extractor = self.entities or EntityExtractor(use_spacy=False)
        self.entities = extractor
        added = 0
        for start in range(0, len(fresh), int(self.batch_size)):
            chunk = fresh.iloc[start:start + int(self.batch_size)]
            bodies = chunk["body"] if "body" in chunk.columns else pd.Series("", index=chunk.index)
            texts = [f"{t}. {b}".strip(" .") if isinstance(b, str) and b else str(t)
                     for t, b in zip(chunk["title"], bodies, strict=True)]
            found = extractor.extract_many(texts)
            own = chunk["symbols"] if "symbols" in chunk.columns else [()] * len(chunk)
            symbols = [tuple(dict.fromkeys([*(s or ()), *(m.ticker for m in mentions)]))
                       for s, mentions in zip(own, found, strict=True)]
            vectors = self.embedder.embed(texts)
            added += self._store().add(list(chunk["content_hash"]), vectors,
                                       list(chunk["first_seen_at"]), symbols)
            for row, tickers in zip(chunk.itertuples(index=False), symbols, strict=True):
                self._documents[row.content_hash] = {
                    "first_seen_at": pd.Timestamp(row.first_seen_at).tz_convert("UTC"),
                    "title": row.title, "source": getattr(row, "source", ""),
                    "url": getattr(row, "url", ""), "symbols": tickers,
                }
        return added

    def refresh(self, store: Any) -> int:
        """Add what the document store holds and the index does not yet."""
        return self.add_frame(store.frame())

    def search(self, query: str | Sequence[str], k: int = 10, *, as_of: Any = None,
               symbol: str | None = None) -> pd.DataFrame:
        """The ``k`` documents most similar to ``query`` among those first seen at or before
        ``as_of`` (and naming ``symbol``), best first: content_hash, score (cosine),
        first_seen_at, title, source, url, symbols. A list of queries gives one frame with a
        ``query`` column."""
        queries = [query] if isinstance(query, str) else list(query)
        if not queries or not all(isinstance(q, str) and q.strip() for q in queries):
            raise ValidationError("search needs query text", field="query", value=query,
                                  fix='e.g. index.search("guidance cut")')
        hits = self._store().search(self.embedder.embed(queries), k, as_of=as_of, symbol=symbol)
        rows = []
        for text, found in zip(queries, hits, strict=True):
            for hit in found:
                doc = self._documents.get(hit.key, {})
                rows.append({"query": text, "content_hash": hit.key, "score": hit.score,
                             "first_seen_at": hit.available_at, "title": doc.get("title", ""),
                             "source": doc.get("source", ""), "url": doc.get("url", ""),
                             "symbols": doc.get("symbols", ())})
        frame = pd.DataFrame(rows, columns=["query", *RESULT_COLUMNS])
        return frame if len(queries) > 1 else frame.drop(columns="query")

    # -- persistence (FAISS) ----------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the FAISS store and the documents' display fields to ``folder``."""
        store = self._store()
        if not isinstance(store, FaissVectorStore):
            raise ValidationError("only a FAISS-backed index saves to a folder",
                                  field="vectors", value=type(store).__name__,
                                  fix="a PostgreSQL store keeps its vectors in the database")
        target = store.save(folder)
        with (target / "documents.jsonl").open("w", encoding="utf-8") as out:
            for key, doc in self._documents.items():
                out.write(json.dumps({
                    "content_hash": key, "first_seen_ns": int(doc["first_seen_at"].value),
                    "title": doc["title"], "source": doc["source"], "url": doc["url"],
                    "symbols": list(doc["symbols"])}) + "\n")
        (target / "embedder.txt").write_text(self.embedder.name, encoding="utf-8")
        return target

    @classmethod
    def load(cls, folder: str | Path, embedder: Embedder) -> NewsIndex:
        """An index saved by :meth:`save`; ``embedder`` must be the one it was built with."""
        source = Path(folder).expanduser()
        built = (source / "embedder.txt").read_text(encoding="utf-8").strip() if (
            source / "embedder.txt").is_file() else ""
        if built and built != embedder.name:
            raise ValidationError("the index was built with another embedder",
                                  field="embedder", value=embedder.name,
                                  fix=f"load it with {built}, or rebuild the index")
        index = cls(embedder, FaissVectorStore.load(source))
        path = source / "documents.jsonl"
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                index._documents[row["content_hash"]] = {
                    "first_seen_at": pd.Timestamp(row["first_seen_ns"], unit="ns", tz="UTC"),
                    "title": row["title"], "source": row["source"], "url": row["url"],
                    "symbols": tuple(row["symbols"]),
                }
        return index


__all__ = ["NewsIndex", "RESULT_COLUMNS"]
