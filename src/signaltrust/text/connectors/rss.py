"""RSS and Atom feeds, parsed by feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0)."""

from __future__ import annotations

import calendar
import html
import re
from typing import Any

import pandas as pd

from signaltrust.text.connectors.base import parse_items, payload_error
from signaltrust.text.documents import Batch, Document, ItemInvalid, guess_language

_TAG = re.compile(r"<[^>]+>")


def strip_html(text: str) -> str:
    """Visible text of an HTML fragment: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def parse_rss(payload: bytes | str, *, source: str = "rss", where: str | None = None) -> Batch:
    """Documents from an RSS or Atom payload.

    Each entry needs a title; its time is the entry's ``published`` (else ``updated``) as
    feedparser normalises it to UTC, absent when the feed states none, an item error when the
    feed states one that cannot be read. The language is the feed's (``<language>``,
    ``xml:lang``), else guessed from the text.
    """
    import feedparser

    parsed = feedparser.parse(payload)
    if parsed.bozo and not parsed.entries:
        raise payload_error(source, f"not an RSS or Atom feed ({parsed.get('bozo_exception')})",
                            where, "check that the address returns a feed (XML)")
    feed_language = _language(parsed.feed.get("language", ""))

    def one(entry: Any) -> Document:
        title = strip_html(entry.get("title") or "")
        if not title:
            raise ItemInvalid("title", "missing or empty")
        body = ""
        if entry.get("content"):
            body = strip_html(entry["content"][0].get("value", ""))
        if not body:
            body = strip_html(entry.get("summary") or "")
        published = None
        for key in ("published", "updated"):
            if entry.get(key):
                stamp = entry.get(f"{key}_parsed")
                if stamp is None:
                    raise ItemInvalid(key, f"not a date feedparser can read: {entry[key]!r}")
                published = pd.Timestamp(calendar.timegm(stamp), unit="s", tz="UTC")
                break
        language = _language(entry.get("language", "")) or feed_language
        return Document(
            source=source, title=title, body=body, url=entry.get("link", "") or "",
            published_at=published, external_id=str(entry.get("id", "") or ""),
            language=language or guess_language(f"{title} {body}"),
        )

    return parse_items(parsed.entries, source, one,
                       label=lambda e: str(e.get("id") or e.get("link") or ""))


def _language(value: str) -> str:
    return value.split("-")[0].strip().lower() if value else ""


__all__ = ["parse_rss", "strip_html"]
