"""Connectors: feeds, APIs and files turned into documents, one parser per source format.

``parse_payload(source, payload)`` parses bytes a source returned; ``fetch_batch(source, url)``
fetches and parses; ``read_document_file(path)`` reads JSONL or CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.text.connectors.apis import parse_newsapi, parse_reddit, parse_stocktwits
from signaltrust.text.connectors.edgar import parse_edgar_index, parse_edgar_submissions
from signaltrust.text.connectors.files import parse_csv, parse_jsonl, read_document_file
from signaltrust.text.connectors.rss import parse_rss
from signaltrust.text.documents import Batch
from signaltrust.text.fetch import FetchOptions, fetch_bytes

PARSERS: dict[str, Callable[..., Batch]] = {
    "rss": parse_rss,
    "newsapi": parse_newsapi,
    "edgar": parse_edgar_submissions,
    "edgar-index": parse_edgar_index,
    "reddit": parse_reddit,
    "stocktwits": parse_stocktwits,
    "jsonl": parse_jsonl,
    "csv": parse_csv,
}
SOURCES = tuple(PARSERS)


def parser_for(source: str) -> Callable[..., Batch]:
    """The parser of a source format (ValidationError listing them when unknown)."""
    key = source.strip().lower()
    if key not in PARSERS:
        raise ValidationError("unknown source", field="source", value=source,
                              fix=f"use one of: {', '.join(SOURCES)}")
    return PARSERS[key]


def parse_payload(source: str, payload: Any, *, where: str | None = None) -> Batch:
    """Documents from what ``source`` returned (bytes, text or decoded JSON)."""
    return parser_for(source)(payload, where=where)


def fetch_batch(source: str, url: str, options: FetchOptions | None = None) -> Batch:
    """Fetch ``url`` and parse it as ``source`` (FetchError or ParseError for the payload;
    malformed items are in ``batch.errors``)."""
    parser = parser_for(source)
    return parser(fetch_bytes(url, options), where=url)


__all__ = ["PARSERS", "SOURCES", "fetch_batch", "parse_payload", "parser_for",
           "read_document_file"]
