"""Book data for a node: recorded ticks from the tick lake replayed in time with the bars, and a
venue's order-book and trade streams forwarded live, coalesced per symbol.

A paper node given ``ticks`` replays them with its bars as the event backtest does
(:class:`~signaltrust.backtest.replay.feed.HistoricalBarFeed`: a tick at a bar's end comes
before the bar); the ticks of one time are one ``market`` step, journalled and replayed after a
crash, and a restarted node resumes after the last bar and the last market step it journalled.

Live, :class:`VenueMarketStream` watches a CCXT venue's ``watch_order_book`` and
``watch_trades`` (the streams ``signaltrust data record`` records) and hands the node
:class:`~signaltrust.core.book.BookUpdate` snapshots of the best ``depth`` levels and
:class:`~signaltrust.core.book.Trade` prints. Between two steps of the node they wait in a
:class:`MarketCoalescer`: per symbol only the newest book is kept (a snapshot supersedes the
ones before it) and the prints in order, at most ``max_trades`` a symbol (the oldest dropped
and counted), so a burst becomes one ``market`` step instead of flooding the journal.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from signaltrust.backtest.replay.feed import TICK, HistoricalBarFeed
from signaltrust.core.book import BookLevel, BookUpdate, Side, Trade
from signaltrust.core.errors import DefinitiveBrokerError, ValidationError
from signaltrust.core.events import Bar

BACKOFF_S = (0.2, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class MarketBatch:
    """The book data of one time (a ``market`` step): ``events`` in the recorded order."""

    ts_ns: int
    events: list[Any]


def parse_dataset(name: str) -> tuple[str, str | None]:
    """``"BTC-USDT@BINANCE"`` -> ``("BTC-USDT", "BINANCE")``; ``"BTC-USDT"`` -> venue None."""
    symbol, _, venue = name.strip().partition("@")
    return symbol.strip(), (venue.strip() or None)


def lake_ticks(lake: Any, name: str, symbols: Sequence[str]) -> dict[str, list[pd.DataFrame]]:
    """A recorded tick dataset of the lake (``SYMBOL@VENUE``, or ``SYMBOL`` when one venue
    holds it) as a replay's ``ticks``: every kind stored for it (book, trades, quotes), under
    the bars' symbol (its own, or the only one); an unknown dataset is refused naming it."""
    symbol, venue = parse_dataset(name)
    stored = lake.list()
    known = sorted({f"{s}@{v}" for s, v in zip(stored["symbol"], stored["venue"], strict=True)})
    rows = stored[(stored["symbol"] == symbol) & ((venue is None) | (stored["venue"] == venue))]
    if not len(rows):
        raise ValidationError(
            f"no recorded ticks named {name!r} in the tick lake", field="ticks", value=name,
            fix=f"use one of {', '.join(known)}" if known else
            "record some first: signaltrust data record --source ccxt:binance BTC/USDT --book "
            "--trades --minutes 5",
        )
    venues = sorted(set(rows["venue"]))
    if len(venues) > 1:
        raise ValidationError(
            f"ticks of {symbol} are stored for several venues", field="ticks", value=name,
            fix=f"name one: {', '.join(f'{symbol}@{v}' for v in venues)}",
        )
    target = symbol if symbol in symbols else (symbols[0] if len(symbols) == 1 else None)
    if target is None:
        raise ValidationError(
            f"the ticks of {symbol} match none of the bars' symbols", field="ticks", value=name,
            fix=f"replay bars of {symbol}, or one symbol's bars (now {', '.join(symbols)})",
        )
    frames = []
    for kind in ("book", "quotes", "trades"):  # at one time: the book, then the prints
        if kind in set(rows["kind"]):
            frame = lake.read(kind, symbol, venues[0])
            frame.attrs["kind"] = kind
            frames.append(frame)
    return {str(target): frames}


def ticks_hash(ticks: Mapping[str, Any]) -> str:
    """A content hash of a replay's ticks (a restarted node refuses other ticks)."""
    import hashlib

    digest = hashlib.sha256()
    for symbol in sorted(ticks):
        frames = ticks[symbol]
        for frame in frames if isinstance(frames, list | tuple) else (frames,):
            digest.update(symbol.encode())
            digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()[:16]


class TickReplayFeed:
    """Stored bars and ticks in time order: a list of bars (those ending together) or a
    :class:`MarketBatch` (the ticks of one time); at ``speed`` times real time (None: as fast as
    it goes). A restarted node passes the end of its last journalled bar (``after_bar_ns``) and
    the time of its last market step (``after_market_ns``): what it already took is skipped."""

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        ticks: Mapping[str, Any],
        *,
        speed: float | None = None,
        after_bar_ns: int | None = None,
        after_market_ns: int | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.feed = HistoricalBarFeed(dict(frames), ticks=ticks)
        self.speed = speed
        self.after_bar_ns = after_bar_ns
        self.after_market_ns = after_market_ns
        self.sleep = sleep
        self.total = sum(len(f) for f in self.feed.frames.values())

    def _items(self) -> list[tuple[int, list[Bar] | MarketBatch]]:
        bar_after = -(2**63) if self.after_bar_ns is None else self.after_bar_ns
        # every tick at or before a journalled bar's end came before that bar
        tick_after = max(bar_after, -(2**63) if self.after_market_ns is None
                         else self.after_market_ns)
        items: list[tuple[int, list[Bar] | MarketBatch]] = []
        for ts, kind, payload in self.feed.events():
            if kind == TICK:
                if ts <= tick_after:
                    continue
                last = items[-1][1] if items else None
                if isinstance(last, MarketBatch) and last.ts_ns == ts:
                    last.events.append(payload)
                else:
                    items.append((ts, MarketBatch(ts, [payload])))
            elif ts > bar_after:
                items.append((ts, list(payload)))
        return items

    async def __aiter__(self) -> AsyncIterator[list[Bar] | MarketBatch]:
        previous: int | None = None
        for ts, item in self._items():
            if self.speed is not None and previous is not None and ts > previous:
                await self.sleep((ts - previous) / 1e9 / self.speed)
            previous = ts
            yield item


@dataclass
class MarketCoalescer:
    """Book data waiting for the node's next step (module doc: the newest book per symbol,
    the prints in order, at most ``max_trades`` a symbol)."""

    max_trades: int = 1_000
    books: dict[str, BookUpdate] = field(default_factory=dict)
    trades: dict[str, list[Trade]] = field(default_factory=dict)
    superseded_books: int = 0
    dropped_trades: int = 0

    def add(self, event: BookUpdate | Trade) -> bool:
        """Keep ``event``; True when nothing was waiting before (the node needs waking)."""
        empty = not self.books and not self.trades
        if isinstance(event, BookUpdate):
            if event.symbol in self.books:
                self.superseded_books += 1
            self.books[event.symbol] = event
        else:
            prints = self.trades.setdefault(event.symbol, [])
            prints.append(event)
            if len(prints) > self.max_trades:
                del prints[0]
                self.dropped_trades += 1
        return empty

    def take(self) -> list[BookUpdate | Trade]:
        """What waits, in time order (a print and a book of one time: the book first)."""
        waiting: list[BookUpdate | Trade] = [*self.books.values()]
        for prints in self.trades.values():
            waiting += prints
        self.books, self.trades = {}, {}
        return sorted(waiting, key=lambda e: (e.ts_ns, isinstance(e, Trade)))


def book_event(symbol: str, book: Mapping[str, Any], depth: int, last_seq: int
               ) -> BookUpdate | None:
    """A ccxt order book (``watch_order_book``) as a snapshot of its best ``depth`` levels;
    None for the REST book before any update (no venue time) or one that does not advance
    the update id (``nonce``) past ``last_seq``."""
    stamp = book.get("timestamp")
    if stamp is None:
        return None
    nonce = book.get("nonce")
    seq = int(nonce) if nonce is not None else last_seq + 1
    if seq <= last_seq:
        return None
    bids = tuple(BookLevel(float(p), float(q)) for p, q, *_ in list(book.get("bids", []))[:depth])
    asks = tuple(BookLevel(float(p), float(q)) for p, q, *_ in list(book.get("asks", []))[:depth])
    return BookUpdate(symbol, int(stamp) * 1_000_000, seq, bids, asks, True)


def trade_event(symbol: str, item: Mapping[str, Any], now_ns: int) -> Trade:
    """A ccxt trade (``watch_trades``) as a print with its aggressor side."""
    key = str(item.get("id"))
    stamp = item.get("timestamp")
    side = {"buy": Side.BUY, "sell": Side.SELL}.get(str(item.get("side")).lower(), Side.UNKNOWN)
    return Trade(symbol, int(stamp) * 1_000_000 if stamp is not None else now_ns,
                 float(item["price"]), float(item["amount"]), side,
                 int(key) if key.isdigit() else -1, key)


class VenueMarketStream:
    """A CCXT venue's books and trades for ``symbols`` (ours, ``BASE-QUOTE``), as events into a
    :class:`MarketCoalescer` (module doc). A dropped stream is watched again after a short
    backoff; a refusal (an unknown pair) ends the node with its error."""

    def __init__(self, data_client: Any, symbols: Sequence[str], *, depth: int = 10,
                 book: bool = True, trades: bool = True, seen_trades: int = 10_000) -> None:
        self.data_client = data_client
        self.symbols = list(symbols)
        self.depth = depth
        self.book = book
        self.trades = trades
        self.seen_trades = seen_trades
        self.reconnects = 0

    @staticmethod
    def supported(data_client: Any) -> bool:
        """Whether the data client's exchange streams books and trades (ccxt.pro)."""
        exchange = getattr(getattr(data_client, "session", None), "exchange", None)
        return exchange is not None and hasattr(exchange, "watch_order_book") and hasattr(
            exchange, "watch_trades")

    async def run(self, coalescer: MarketCoalescer, wake: Callable[[], None]) -> None:
        """Watch every stream until cancelled; ``wake()`` when the coalescer was empty."""
        from signaltrust.live.adapters.symbols import to_ccxt

        if not self.supported(self.data_client):
            raise ValidationError("the venue does not stream order books and trades",
                                  field="venue", value=type(self.data_client).__name__,
                                  fix="use a ccxt venue with WebSocket streams, or leave out "
                                      "the book stream")
        session = self.data_client.session
        exchange = session.exchange
        await exchange.load_markets()

        def put(event: Any) -> None:
            if coalescer.add(event):
                wake()

        watchers = []
        for symbol in self.symbols:
            market = to_ccxt(symbol)
            if self.book:
                last = {"seq": -1}

                def take_book(answer: Any, symbol: str = symbol, last: dict = last) -> None:
                    event = book_event(symbol, answer, self.depth, last["seq"])
                    if event is not None:
                        last["seq"] = event.seq
                        put(event)

                watchers.append(self._watch(
                    "watch_order_book", functools.partial(exchange.watch_order_book, market),
                    take_book, session))
            if self.trades:
                seen: OrderedDict[str, None] = OrderedDict()

                def take_trades(answer: Any, symbol: str = symbol,
                                seen: OrderedDict[str, None] = seen) -> None:
                    for item in answer:  # ccxt hands back the trades it holds: new ones once
                        key = str(item.get("id"))
                        if key in seen:
                            continue
                        seen[key] = None
                        if len(seen) > self.seen_trades:
                            seen.popitem(last=False)
                        put(trade_event(symbol, item, time.time_ns()))

                watchers.append(self._watch(
                    "watch_trades", functools.partial(exchange.watch_trades, market), take_trades,
                    session))
        await asyncio.gather(*watchers)

    async def _watch(self, name: str, call: Callable[[], Awaitable[Any]],
                     take: Callable[[Any], None], session: Any) -> None:
        attempt = 0
        while True:
            try:
                answer = await call()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - sorted: refusals end, drops reconnect
                classify = getattr(session, "classify", None)
                error = classify(name, exc) if classify is not None else exc
                if isinstance(error, DefinitiveBrokerError):
                    raise error from None
                self.reconnects += 1
                await asyncio.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
                attempt += 1
                continue
            attempt = 0
            take(answer)


__all__ = ["MarketBatch", "MarketCoalescer", "TickReplayFeed", "VenueMarketStream",
           "book_event", "lake_ticks", "parse_dataset", "ticks_hash", "trade_event"]
