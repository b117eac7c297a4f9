"""Files of documents: JSON Lines (one object a line) and CSV (a header row).

Fields (JSONL keys, CSV columns): ``title`` (required), ``body`` (or ``text``), ``url``,
``source`` (default: the file's format), ``published_at`` (ISO 8601 with a zone, or epoch
seconds), ``first_seen_at`` (when you first saw it, for archives you recorded yourself; else the
ingest's clock), ``language``, ``symbols`` (a list, or text separated by commas or spaces),
``id``. A line or row that is malformed becomes an item error naming its line and field.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from signaltrust.core.errors import ParseError
from signaltrust.text.connectors.base import parse_items
from signaltrust.text.documents import (
    Batch,
    Document,
    ItemInvalid,
    guess_language,
    optional_text,
    parse_time,
    require_text,
)

_SPLIT = re.compile(r"[,\s;]+")


def document_from_record(record: dict[str, Any], default_source: str) -> Document:
    """A Document from one file record (raises ItemInvalid naming the field)."""
    if not isinstance(record, dict):
        raise ItemInvalid("line", f"must be a JSON object, got {type(record).__name__}")
    title = require_text(record, "title")
    body = optional_text(record, "body") or optional_text(record, "text")
    published = None
    if record.get("published_at") not in (None, ""):
        published = parse_time(record["published_at"], "published_at")
    first_seen = None
    if record.get("first_seen_at") not in (None, ""):
        first_seen = parse_time(record["first_seen_at"], "first_seen_at")
        if published is not None and first_seen < published:
            raise ItemInvalid("first_seen_at", f"{first_seen} is before published_at "
                              f"{published}: nothing is seen before it is published")
    raw = record.get("symbols")
    if raw is None or raw == "":
        symbols: tuple[str, ...] = ()
    elif isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        symbols = tuple(s.strip().upper() for s in raw if s.strip())
    elif isinstance(raw, str):
        symbols = tuple(s.upper() for s in _SPLIT.split(raw) if s)
    else:
        raise ItemInvalid("symbols", f"must be a list of text or text, got {raw!r}")
    source = optional_text(record, "source") or default_source
    language = optional_text(record, "language") or guess_language(f"{title} {body}")
    ident = record.get("id")
    return Document(source=source, title=title, body=body, url=optional_text(record, "url"),
                    published_at=published, first_seen_at=first_seen, language=language,
                    external_id="" if ident is None else str(ident), symbols=symbols)


def parse_jsonl(payload: bytes | str, *, source: str = "jsonl",
                where: str | None = None) -> Batch:
    """Documents from JSON Lines text (blank lines skipped)."""
    text = payload.decode("utf-8-sig") if isinstance(payload, bytes) else payload
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]

    def one(entry: tuple[int, str]) -> Document:
        try:
            record = json.loads(entry[1])
        except ValueError as exc:
            raise ItemInvalid("line", f"not JSON: {exc}") from None
        return document_from_record(record, source)

    return parse_items(lines, source, one, label=lambda e: f"line {e[0]}")


def parse_csv(payload: bytes | str, *, source: str = "csv", where: str | None = None) -> Batch:
    """Documents from CSV text with a header row naming the fields above."""
    text = payload.decode("utf-8-sig") if isinstance(payload, bytes) else payload
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "title" not in [f.strip() for f in reader.fieldnames]:
        raise ParseError("the CSV has no 'title' column", path=where, column="title",
                         fix="add a header row with title, body, url, published_at, ...")
    rows = [(reader.line_num, {k.strip(): v for k, v in row.items() if k is not None})
            for row in reader]
    return parse_items(rows, source, lambda e: document_from_record(e[1], source),
                       label=lambda e: f"line {e[0]}")


def read_document_file(path: str | Path, *, source: str | None = None) -> Batch:
    """Documents from a ``.jsonl``/``.ndjson`` or ``.csv`` file (``source`` overrides the
    default name of the records' source)."""
    target = Path(path).expanduser()
    suffix = target.suffix.lower()
    data = target.read_bytes()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return parse_jsonl(data, source=source or "jsonl", where=str(target))
    if suffix == ".csv":
        return parse_csv(data, source=source or "csv", where=str(target))
    raise ParseError(f"unknown document file type {suffix!r}", path=str(target),
                     fix="use a .jsonl (one JSON object a line) or a .csv file")


__all__ = ["document_from_record", "parse_csv", "parse_jsonl", "read_document_file"]
