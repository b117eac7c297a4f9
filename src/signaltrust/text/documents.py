"""Documents: one news item, filing or post, its content hash and the two times that matter.

A document carries the time its source states (``published_at``: the article's date, a filing's
acceptance time, a post's creation time) and the time SignalTrust first saw it
(``first_seen_at``). Only the second is safe for decisions: a source can back-date an item, and
a backfill sees old items late. Every as-of rule in ``signaltrust.text`` (features, retrieval,
event studies) keys on ``first_seen_at``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from signaltrust.core.errors import ValidationError

#: the languages :func:`guess_language` tells apart, by their most frequent function words
_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "for", "on", "that", "with", "its", "as", "by",
           "after", "from", "at", "was", "are", "said", "will", "has", "shares", "than"},
    "de": {"der", "die", "und", "das", "ist", "nicht", "mit", "den", "von", "auf", "für", "ein",
           "eine", "sich", "auch", "wird", "nach", "bei"},
    "fr": {"le", "la", "les", "et", "des", "est", "une", "dans", "pour", "que", "sur", "du",
           "pas", "avec", "par", "au", "aux", "ses"},
    "es": {"el", "los", "las", "y", "del", "que", "en", "por", "una", "para", "con", "se",
           "su", "al", "como", "más", "sus"},
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Document:
    """A text item as stored: source, URL, title, body, stated and first-seen times, language.

    ``content_hash`` (SHA-256 of source, URL, title and body with whitespace normalised) is the
    identity: ingesting the same item again changes nothing. ``symbols`` are the tickers the
    source itself attached (a StockTwits cashtag, an EDGAR filer's ticker); the NLP layer adds
    the ones it finds in the text.
    """

    source: str
    title: str
    body: str = ""
    url: str = ""
    published_at: pd.Timestamp | None = None
    first_seen_at: pd.Timestamp | None = None
    language: str = "und"
    external_id: str = ""
    symbols: tuple[str, ...] = ()
    content_hash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.content_hash:
            object.__setattr__(
                self, "content_hash", content_hash(self.source, self.url, self.title, self.body)
            )

    @property
    def text(self) -> str:
        """Title and body as one text (what the NLP reads)."""
        return f"{self.title}. {self.body}".strip(" .") if self.body else self.title

    def seen(self, at: pd.Timestamp) -> Document:
        """The document with ``first_seen_at`` set to ``at`` when it has none yet."""
        return self if self.first_seen_at is not None else replace(self, first_seen_at=at)

    def __plain__(self) -> dict[str, Any]:
        return {
            "source": self.source, "external_id": self.external_id, "url": self.url,
            "title": self.title, "body": self.body, "published_at": self.published_at,
            "first_seen_at": self.first_seen_at, "language": self.language,
            "symbols": list(self.symbols), "content_hash": self.content_hash,
        }


@dataclass(frozen=True)
class ItemError:
    """One malformed item of a batch: where it was, which field, what was wrong."""

    source: str
    item: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.source} item {self.item}: field {self.field!r}: {self.message}"

    def __plain__(self) -> dict[str, str]:
        return {"source": self.source, "item": self.item, "field": self.field,
                "message": self.message}


@dataclass
class Batch:
    """What a connector parsed from one payload: the good documents and the malformed items."""

    documents: list[Document] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    next_cursor: str | None = None

    def extend(self, other: Batch) -> None:
        self.documents.extend(other.documents)
        self.errors.extend(other.errors)


class ItemInvalid(Exception):
    """Raised inside a connector while parsing one item; becomes an :class:`ItemError`."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def normalise_text(text: str) -> str:
    """NFC, whitespace runs collapsed, stripped: what the content hash and the NLP read."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(source: str, url: str, title: str, body: str) -> str:
    """SHA-256 hex of source, URL, title and body (whitespace-normalised, NUL-separated)."""
    parts = (source.strip().lower(), url.strip(), normalise_text(title), normalise_text(body))
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def guess_language(text: str, default: str = "und") -> str:
    """ISO 639-1 code of the language whose function words are most frequent (en, de, fr, es);
    ``default`` ("und", undetermined) when fewer than two such words appear.

    A small heuristic for routing (the lexicons are English): it is not a language detector
    for short or mixed texts, and a source that states its language wins over it.
    """
    words = [w.lower() for w in _WORD.findall(text)]
    best, hits = default, 1
    for code, stop in _STOPWORDS.items():
        count = sum(1 for w in words if w in stop)
        if count > hits:
            best, hits = code, count
    return best


def parse_time(value: Any, field_name: str) -> pd.Timestamp:
    """A UTC timestamp from ISO 8601 text, epoch seconds, a datetime or a Timestamp.

    Naive times are refused (a source that states no zone cannot be placed in time); raises
    :class:`ItemInvalid` naming the field.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ItemInvalid(field_name, "missing")
    if isinstance(value, bool):
        raise ItemInvalid(field_name, f"not a time: {value!r}")
    try:
        if isinstance(value, (int, float)):
            stamp = pd.Timestamp(float(value), unit="s", tz="UTC")
        else:
            stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ItemInvalid(field_name, f"not a time: {value!r} ({exc})") from None
    if stamp is pd.NaT or pd.isna(stamp):
        raise ItemInvalid(field_name, f"not a time: {value!r}")
    if stamp.tzinfo is None:
        raise ItemInvalid(field_name, f"time without a zone: {value!r} (state it, e.g. ...Z)")
    return stamp.tz_convert("UTC")


def utc_now() -> pd.Timestamp:
    """The wall clock as a UTC Timestamp (the default first-seen time of an ingest)."""
    return pd.Timestamp(datetime.now(UTC))


def as_utc(value: Any, field_name: str) -> pd.Timestamp:
    """``parse_time`` for arguments: a ValidationError (not an item error) on bad input."""
    try:
        return parse_time(value, field_name)
    except ItemInvalid as exc:
        raise ValidationError(
            f"{field_name} must be a time with a zone", field=field_name, value=value,
            fix="give ISO 8601 with a zone, e.g. 2024-03-01T14:30:00Z",
        ) from exc


def require_text(item: dict[str, Any], key: str, field_name: str | None = None) -> str:
    """``item[key]`` as non-empty text, else :class:`ItemInvalid` naming the field."""
    name = field_name or key
    value = item.get(key) if isinstance(item, dict) else None
    if value is None:
        raise ItemInvalid(name, "missing")
    if not isinstance(value, str):
        raise ItemInvalid(name, f"must be text, got {type(value).__name__}")
    if not value.strip():
        raise ItemInvalid(name, "empty")
    return value


def optional_text(item: dict[str, Any], key: str) -> str:
    """``item[key]`` as text ('' when absent or null); a non-text value raises ItemInvalid."""
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ItemInvalid(key, f"must be text, got {type(value).__name__}")
    return value


__all__ = [
    "Batch", "Document", "ItemError", "ItemInvalid", "as_utc", "content_hash", "guess_language",
    "normalise_text", "optional_text", "parse_time", "require_text", "utc_now",
]
