"""Mentions: one row per (document, ticker), the table features and event studies read.

Columns: ``symbol``, ``first_seen_at`` (UTC), ``published_at``, ``sentiment`` (in [-1, 1]),
``events`` (a list of ``{"type", "direction", "trigger"}``), ``content_hash``, ``title``,
``source``. A document that names three tickers gives three rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.text.analysis import TextAnalyzer
from signaltrust.text.documents import Document

COLUMNS = ("symbol", "first_seen_at", "published_at", "sentiment", "events", "content_hash",
           "title", "source")


def mentions_frame(documents: pd.DataFrame | Sequence[Document],
                   analyzer: TextAnalyzer | None = None) -> pd.DataFrame:
    """The mentions of documents.

    ``documents``: a store frame with annotations (``store.frame(analyzer=name)``: its
    ``tickers``, ``sentiment`` and ``events`` are used as stored), or Documents, which
    ``analyzer`` (default :class:`TextAnalyzer` without spaCy) analyses now. The tickers a
    source attached (``symbols``) always count.
    """
    rows: list[dict[str, Any]] = []
    if isinstance(documents, pd.DataFrame):
        needed = {"tickers", "sentiment", "events", "first_seen_at"}
        if not needed <= set(documents.columns):
            raise ValidationError(
                "the documents frame has no annotations", field="documents.columns",
                value=sorted(documents.columns),
                fix="read it with store.frame(analyzer=analyzer.name) after store.annotate()")
        for row in documents.itertuples(index=False):
            if not isinstance(row.sentiment, float) or row.sentiment != row.sentiment:
                continue  # not annotated by this analyzer yet
            for symbol in dict.fromkeys([*row.symbols, *row.tickers]):
                rows.append({"symbol": symbol, "first_seen_at": row.first_seen_at,
                             "published_at": row.published_at, "sentiment": row.sentiment,
                             "events": list(row.events), "content_hash": row.content_hash,
                             "title": row.title, "source": row.source})
    else:
        docs = list(documents)
        missing = [d.title[:50] for d in docs if d.first_seen_at is None]
        if missing:
            raise ValidationError("documents need their first-seen time",
                                  field="first_seen_at", value=missing[0],
                                  fix="ingest them, or set first_seen_at")
        analyzer = analyzer or TextAnalyzer(_dictionary_only())
        for doc, found in zip(docs, analyzer.analyze_many([d.text for d in docs]), strict=True):
            for symbol in dict.fromkeys([*doc.symbols, *found.tickers]):
                rows.append({"symbol": symbol, "first_seen_at": doc.first_seen_at,
                             "published_at": doc.published_at, "sentiment": found.sentiment,
                             "events": [e.__plain__() for e in found.events],
                             "content_hash": doc.content_hash, "title": doc.title,
                             "source": doc.source})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["first_seen_at"] = pd.to_datetime(frame["first_seen_at"], utc=True)
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    frame["sentiment"] = frame["sentiment"].astype(float)
    return frame.sort_values(["first_seen_at", "content_hash"], kind="stable").reset_index(
        drop=True)


def _dictionary_only() -> Any:
    from signaltrust.text.entities import EntityExtractor

    return EntityExtractor(use_spacy=False)


__all__ = ["COLUMNS", "mentions_frame"]
