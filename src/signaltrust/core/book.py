"""Quotes, trades and order books (L2 snapshots and deltas): the tick-level market data types.

:class:`~signaltrust.core.events.Tick` is what the trading core consumes; these are the richer
records the data layer stores and the microstructure features read. All times are int64 UTC
nanoseconds; ``seq`` is the venue's sequence number (monotonic per instrument and stream).

A book message is a :class:`BookUpdate`: a full snapshot (``snapshot=True``: the levels it
carries replace the whole book) or a delta (each level sets the size resting at its price; a
size of 0 removes the level).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from signaltrust.core.errors import ValidationError


class Side(IntEnum):
    """The aggressor side of a trade, or the side of a book level: +1 buy/bid, -1 sell/ask."""

    SELL = -1
    UNKNOWN = 0
    BUY = 1


@dataclass(frozen=True, slots=True)
class Quote:
    """The best bid and ask with the sizes resting there (level 1)."""

    symbol: str
    ts_ns: int
    bid: float
    ask: float
    bid_size: float
    ask_size: float
    seq: int = -1

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)

    @property
    def spread(self) -> float:
        return self.ask - self.bid


@dataclass(frozen=True, slots=True)
class Trade:
    """One print: price, size and the aggressor side when the venue says it (else UNKNOWN)."""

    symbol: str
    ts_ns: int
    price: float
    size: float
    side: Side = Side.UNKNOWN
    seq: int = -1
    trade_id: str = ""


@dataclass(frozen=True, slots=True)
class BookLevel:
    """The size resting at one price on one side of the book."""

    price: float
    size: float


@dataclass(frozen=True, slots=True)
class BookUpdate:
    """An L2 message: a snapshot that replaces the book, or a delta that sets levels."""

    symbol: str
    ts_ns: int
    seq: int
    bids: tuple[BookLevel, ...] = field(default_factory=tuple)
    asks: tuple[BookLevel, ...] = field(default_factory=tuple)
    snapshot: bool = False


class OrderBook:
    """An L2 book rebuilt from :class:`BookUpdate` messages, refusing gaps and stale messages.

    ``apply`` raises :class:`ValidationError` for a message whose sequence number is not above
    the last applied one, and for a delta before the first snapshot; a book that ends crossed
    (best bid at or above best ask) is refused too. Mutable by design: one per stream.
    """

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.seq = -1
        self.ts_ns = -1

    def apply(self, update: BookUpdate) -> None:
        """Apply one snapshot or delta (sizes of 0 remove a level)."""
        if update.seq <= self.seq:
            raise ValidationError(
                "book message out of order", field="seq", value=update.seq,
                fix=f"deliver messages in sequence order; the last applied was {self.seq}",
            )
        if not update.snapshot and self.seq < 0:
            raise ValidationError(
                "a book delta arrived before any snapshot", field="snapshot", value=update.seq,
                fix="start the stream with a snapshot (ask the venue for one)",
            )
        bids, asks = (({}, {}) if update.snapshot else (dict(self.bids), dict(self.asks)))
        for book, levels in ((bids, update.bids), (asks, update.asks)):
            for level in levels:
                if level.size < 0:
                    raise ValidationError("negative size in a book message", field="size",
                                          value=level.size, fix="drop or correct the message")
                if level.size == 0:
                    book.pop(level.price, None)
                else:
                    book[level.price] = level.size
        if bids and asks and max(bids) >= min(asks):
            raise ValidationError(
                "the book would be crossed", field="seq", value=update.seq,
                fix="the stream lost a message: ask the venue for a fresh snapshot",
            )
        self.bids, self.asks, self.seq, self.ts_ns = bids, asks, update.seq, update.ts_ns

    def top(self, depth: int = 1) -> tuple[list[BookLevel], list[BookLevel]]:
        """The best ``depth`` bid levels (highest first) and ask levels (lowest first)."""
        bids = sorted(self.bids.items(), key=lambda kv: -kv[0])[:depth]
        asks = sorted(self.asks.items())[:depth]
        return [BookLevel(p, s) for p, s in bids], [BookLevel(p, s) for p, s in asks]

    def quote(self) -> Quote | None:
        """The level-1 quote, or None while a side is empty."""
        if not self.bids or not self.asks:
            return None
        bid, ask = max(self.bids), min(self.asks)
        return Quote(self.symbol, self.ts_ns, bid, ask, self.bids[bid], self.asks[ask], self.seq)


__all__ = ["BookLevel", "BookUpdate", "OrderBook", "Quote", "Side", "Trade"]
