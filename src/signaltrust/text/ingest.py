"""Ingest: documents into the store with their first-seen time; the same item twice changes
nothing.

>>> from signaltrust.text import DocumentStore, ingest_file
>>> store = DocumentStore.open("sqlite:///news.db")
>>> report = ingest_file(store, "headlines.jsonl")     # doctest: +SKIP
>>> report.stored, report.duplicates, [str(e) for e in report.errors]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from signaltrust.text.connectors import fetch_batch, read_document_file
from signaltrust.text.documents import Batch, utc_now
from signaltrust.text.fetch import FetchOptions
from signaltrust.text.store import DocumentStore, IngestReport

Clock = Callable[[], pd.Timestamp]


def ingest_batch(store: DocumentStore, batch: Batch, *, source: str = "",
                 clock: Clock = utc_now) -> IngestReport:
    """Store a parsed batch: documents without a first-seen time get ``clock()`` (one instant
    for the batch); malformed items are reported, the rest kept."""
    now = clock()
    documents = [doc.seen(now) for doc in batch.documents]
    return store.add(documents, source=source, errors=batch.errors)


def ingest_file(store: DocumentStore, path: str | Path, *, source: str | None = None,
                clock: Clock = utc_now) -> IngestReport:
    """Ingest a JSONL or CSV file of documents."""
    batch = read_document_file(path, source=source)
    return ingest_batch(store, batch, source=source or Path(path).suffix.lstrip("."),
                        clock=clock)


def ingest_url(store: DocumentStore, source: str, url: str, *,
               options: FetchOptions | None = None, clock: Clock = utc_now) -> IngestReport:
    """Fetch ``url``, parse it as ``source`` (rss, newsapi, edgar, edgar-index, reddit,
    stocktwits, jsonl, csv) and ingest it."""
    batch = fetch_batch(source, url, options)
    return ingest_batch(store, batch, source=source, clock=clock)


__all__ = ["ingest_batch", "ingest_file", "ingest_url"]
