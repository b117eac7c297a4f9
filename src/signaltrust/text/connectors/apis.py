"""JSON sources: NewsAPI articles, a Reddit subreddit listing, a StockTwits message stream.

Each parser follows the source's documented format:

- NewsAPI (``/v2/everything``, ``/v2/top-headlines``): ``{"status": "ok", "articles": [{"source":
  {"id", "name"}, "author", "title", "description", "url", "publishedAt", "content"}]}``; an
  error answer is ``{"status": "error", "code", "message"}``.
- Reddit listing (``/r/<sub>/new.json``): ``{"kind": "Listing", "data": {"children": [{"kind":
  "t3", "data": {"id", "name", "title", "selftext", "permalink", "url", "created_utc",
  "subreddit"}}], "after"}}``; ``after`` is the next page's cursor.
- StockTwits stream (``/api/2/streams/symbol/<S>.json``): ``{"response": {"status"}, "cursor":
  {"more", "max"}, "messages": [{"id", "body", "created_at", "user": {"username"}, "symbols":
  [{"symbol"}], "entities": {"sentiment": {"basic": "Bullish"|"Bearish"}}}]}``.
"""

from __future__ import annotations

from typing import Any

from signaltrust.text.connectors.base import (
    load_json,
    parse_items,
    payload_error,
    require_dict,
)
from signaltrust.text.documents import (
    Batch,
    Document,
    ItemInvalid,
    guess_language,
    optional_text,
    parse_time,
    require_text,
)


def parse_newsapi(payload: bytes | str | dict[str, Any], *, source: str = "newsapi",
                  where: str | None = None, language: str | None = None) -> Batch:
    """Documents from a NewsAPI answer (``language``: the one the request asked for)."""
    data = load_json(payload, source, where)
    if not isinstance(data, dict):
        raise payload_error(source, "the answer is not a JSON object", where,
                            "check the URL is a NewsAPI endpoint")
    if data.get("status") == "error":
        raise payload_error(source, f"NewsAPI answered {data.get('code')}: "
                            f"{data.get('message')}", where, "check the API key and the query")
    articles = data.get("articles")
    if not isinstance(articles, list):
        raise payload_error(source, "no 'articles' list in the answer", where,
                            "check the URL is /v2/everything or /v2/top-headlines")

    def one(item: Any) -> Document:
        item = require_dict(item, "article")
        title = require_text(item, "title")
        published = parse_time(item.get("publishedAt"), "publishedAt")
        body = " ".join(p for p in (optional_text(item, "description"),
                                    optional_text(item, "content")) if p)
        outlet = item.get("source") if isinstance(item.get("source"), dict) else {}
        return Document(
            source=source, title=title, body=body, url=optional_text(item, "url"),
            published_at=published, external_id=str(outlet.get("id") or outlet.get("name") or ""),
            language=language or guess_language(f"{title} {body}"),
        )

    return parse_items(articles, source, one, label=lambda a: _get(a, "url"))


def parse_reddit(payload: bytes | str | dict[str, Any], *, source: str = "reddit",
                 where: str | None = None) -> Batch:
    """Documents from a subreddit's JSON listing (posts, kind ``t3``; others skipped)."""
    data = load_json(payload, source, where)
    listing = data.get("data") if isinstance(data, dict) else None
    children = listing.get("children") if isinstance(listing, dict) else None
    if not isinstance(children, list):
        raise payload_error(source, "not a Reddit listing (no data.children)", where,
                            "use a listing URL such as https://www.reddit.com/r/stocks/new.json")

    def one(child: Any) -> Document | None:
        child = require_dict(child, "child")
        if child.get("kind") != "t3":
            return None
        post = require_dict(child.get("data"), "data")
        title = require_text(post, "title", "data.title")
        created = parse_time(post.get("created_utc"), "data.created_utc")
        permalink = optional_text(post, "permalink")
        url = f"https://www.reddit.com{permalink}" if permalink.startswith("/") else permalink
        body = optional_text(post, "selftext")
        return Document(
            source=source, title=title, body=body, url=url or optional_text(post, "url"),
            published_at=created, external_id=str(post.get("name") or post.get("id") or ""),
            language=guess_language(f"{title} {body}"),
        )

    batch = parse_items(children, source, one,
                        label=lambda c: _get(c.get("data") if isinstance(c, dict) else None,
                                             "name"))
    after = listing.get("after")
    batch.next_cursor = after if isinstance(after, str) and after else None
    return batch


def parse_stocktwits(payload: bytes | str | dict[str, Any], *, source: str = "stocktwits",
                     where: str | None = None) -> Batch:
    """Documents from a StockTwits-style message stream; the cashtags become ``symbols``."""
    data = load_json(payload, source, where)
    if not isinstance(data, dict):
        raise payload_error(source, "the answer is not a JSON object", where,
                            "check the URL is a message stream")
    status = data.get("response", {}).get("status") if isinstance(data.get("response"),
                                                                     dict) else None
    if status is not None and status != 200:
        errors = data.get("errors")
        raise payload_error(source, f"the stream answered status {status}: {errors}", where,
                            "check the symbol and the rate limit")
    messages = data.get("messages")
    if not isinstance(messages, list):
        raise payload_error(source, "no 'messages' list in the answer", where,
                            "check the URL is a message stream")

    def one(item: Any) -> Document:
        item = require_dict(item, "message")
        ident = item.get("id")
        if not isinstance(ident, (int, str)) or isinstance(ident, bool) or ident == "":
            raise ItemInvalid("id", "missing")
        body = require_text(item, "body")
        created = parse_time(item.get("created_at"), "created_at")
        symbols = []
        for entry in item.get("symbols") or []:
            if isinstance(entry, dict) and isinstance(entry.get("symbol"), str):
                symbols.append(entry["symbol"].upper())
        user = item.get("user") if isinstance(item.get("user"), dict) else {}
        handle = user.get("username") or ""
        return Document(
            source=source, title=body, body="", published_at=created, external_id=str(ident),
            url=f"https://stocktwits.com/{handle}/message/{ident}" if handle else "",
            symbols=tuple(symbols), language=guess_language(body),
        )

    batch = parse_items(messages, source, one)
    cursor = data.get("cursor")
    if isinstance(cursor, dict) and cursor.get("more") and cursor.get("max") is not None:
        batch.next_cursor = str(cursor["max"])
    return batch


def _get(item: Any, key: str) -> str:
    if isinstance(item, dict):
        value = item.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
    return ""


__all__ = ["parse_newsapi", "parse_reddit", "parse_stocktwits"]
