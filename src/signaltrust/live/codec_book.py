"""Book data as journal payloads (plain JSON) and back, exactly: L2 messages, prints with their
aggressor side, quotes with sizes, and plain ticks.

A node journals each market-data step (kind ``"market"``: ``{"events": [payload, ...]}``) and
a restarted node replays it, so the queue fills a paper account made from book data come back
the same (:meth:`signaltrust.live.account.NodeAccount.on_market`).
"""

from __future__ import annotations

from typing import Any

from signaltrust.core.book import BookLevel, BookUpdate, Quote, Side, Trade
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Tick
from signaltrust.live import codec


def _levels(levels: tuple[BookLevel, ...]) -> list[list[float]]:
    return [[level.price, level.size] for level in levels]


def market_payload(event: BookUpdate | Trade | Quote | Tick) -> dict[str, Any]:
    """One market-data event as a plain dict (``type`` says which)."""
    if isinstance(event, BookUpdate):
        return {"type": "book", "symbol": event.symbol, "ts_ns": event.ts_ns, "seq": event.seq,
                "bids": _levels(event.bids), "asks": _levels(event.asks),
                "snapshot": event.snapshot}
    if isinstance(event, Trade):
        return {"type": "trade", "symbol": event.symbol, "ts_ns": event.ts_ns,
                "price": event.price, "size": event.size, "side": int(event.side),
                "seq": event.seq, "trade_id": event.trade_id}
    if isinstance(event, Quote):
        return {"type": "quote", "symbol": event.symbol, "ts_ns": event.ts_ns, "bid": event.bid,
                "ask": event.ask, "bid_size": event.bid_size, "ask_size": event.ask_size,
                "seq": event.seq}
    if isinstance(event, Tick):
        return {"type": "tick", **codec.tick_payload(event)}
    raise ValidationError("not a market-data event", field="event", value=type(event).__name__,
                          fix="pass a BookUpdate, Trade or Quote (signaltrust.core.book) or a Tick")


def market_from(payload: dict[str, Any]) -> BookUpdate | Trade | Quote | Tick:
    """The event :func:`market_payload` wrote."""
    p = payload
    kind = p.get("type")
    if kind == "book":
        return BookUpdate(p["symbol"], int(p["ts_ns"]), int(p["seq"]),
                          tuple(BookLevel(float(a), float(b)) for a, b in p["bids"]),
                          tuple(BookLevel(float(a), float(b)) for a, b in p["asks"]),
                          bool(p["snapshot"]))
    if kind == "trade":
        return Trade(p["symbol"], int(p["ts_ns"]), float(p["price"]), float(p["size"]),
                     Side(int(p["side"])), int(p["seq"]), str(p["trade_id"]))
    if kind == "quote":
        return Quote(p["symbol"], int(p["ts_ns"]), float(p["bid"]), float(p["ask"]),
                     float(p["bid_size"]), float(p["ask_size"]), int(p["seq"]))
    if kind == "tick":
        return codec.tick_from({k: v for k, v in p.items() if k != "type"})
    raise ValidationError("unknown market-data payload", field="type", value=kind,
                          fix="use a payload written by market_payload")


__all__ = ["market_from", "market_payload"]
