"""What every connector shares: turning a list of raw items into documents, item by item.

One malformed item never sinks its batch: it becomes an :class:`ItemError` naming the item (its
position and id) and the field, and the other items are kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from signaltrust.core.errors import ParseError
from signaltrust.text.documents import Batch, Document, ItemError, ItemInvalid


def parse_items(items: Iterable[Any], source: str,
                parse_one: Callable[[Any], Document | None],
                label: Callable[[Any], str] | None = None) -> Batch:
    """Documents from ``items`` (``parse_one`` returns None to skip an item on purpose)."""
    batch = Batch()
    for position, item in enumerate(items):
        try:
            doc = parse_one(item)
        except ItemInvalid as exc:
            name = f"#{position}"
            ident = label(item) if label is not None else _ident(item)
            if ident:
                name += f" (id {ident})"
            batch.errors.append(ItemError(source, name, exc.field, exc.message))
            continue
        if doc is not None:
            batch.documents.append(doc)
    return batch


def _ident(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("id", "name", "url", "accessionNumber"):
            value = item.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return str(value)
    return ""


def load_json(payload: bytes | str | dict[str, Any], source: str, where: str | None = None) -> Any:
    """The payload as JSON (a dict passes through); ParseError naming the source otherwise."""
    if isinstance(payload, (dict, list)):
        return payload
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"the {source} payload is not JSON: {exc}", path=where,
                         fix=f"check that the address returns {source}'s JSON format") from None


def payload_error(source: str, message: str, where: str | None, fix: str) -> ParseError:
    """A whole payload that is not the source's format (not one bad item)."""
    return ParseError(f"{source}: {message}", path=where, fix=fix)


def require_dict(item: Any, field_name: str = "item") -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ItemInvalid(field_name, f"must be an object, got {type(item).__name__}")
    return item


__all__ = ["load_json", "parse_items", "payload_error", "require_dict"]
