"""Book data inside the trading core: the touch of each symbol, from L2 books and sized quotes.

The core keeps, per symbol slot, the best bid and ask **with the sizes resting there**, from
the symbol's L2 book (rebuilt from its snapshots and deltas, refusing gaps and crossed books
as :class:`~signaltrust.core.book.OrderBook` does) or from a level-1
:class:`~signaltrust.core.book.Quote` that carries sizes. The execution algorithms read it
(their ``book=BookSizing(...)`` option sizes children from it); the simulated venue keeps its
own copy of the book for its queues. A quote without sizes (a plain ``Tick``) makes the sizes
unknown again (NaN) until the next book message or sized quote: a size is never carried
over from an older touch.

Plain data: it pickles with the core.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from signaltrust.core.book import BookUpdate, OrderBook, Quote, Trade
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Tick

_NAN = float("nan")
Touch = tuple[float, float, float, float]  # bid, ask, bid size, ask size
_UNKNOWN: Touch = (_NAN, _NAN, _NAN, _NAN)


class Touches:
    """The latest touch (bid, ask, bid size, ask size) of each symbol slot (module doc)."""

    def __init__(self) -> None:
        self.books: dict[int, OrderBook] = {}
        self.touch: dict[int, Touch] = {}
        #: per slot, how many book messages and sized quotes came (a touch's identity)
        self.version: dict[int, int] = {}

    def on_book(self, slot: int, update: BookUpdate) -> Touch:
        """Apply one L2 message of ``slot`` (ValidationError for a gap, a delta before the first
        snapshot or a crossed book, and nothing changes); the touch after it. An empty side
        has a NaN price and a size of 0."""
        book = self.books.get(slot)
        if book is None:
            book = OrderBook(update.symbol)
        book.apply(update)
        self.books[slot] = book
        bid = max(book.bids) if book.bids else _NAN
        ask = min(book.asks) if book.asks else _NAN
        touch = (bid, ask, book.bids[bid] if book.bids else 0.0,
                 book.asks[ask] if book.asks else 0.0)
        self.touch[slot] = touch
        self.version[slot] = self.version.get(slot, 0) + 1
        return touch

    def on_quote(self, slot: int, quote: Quote) -> Touch:
        """A level-1 quote with sizes: the touch of ``slot`` until the next book message."""
        touch = (quote.bid, quote.ask, quote.bid_size, quote.ask_size)
        self.touch[slot] = touch
        self.version[slot] = self.version.get(slot, 0) + 1
        return touch

    def on_plain_quote(self, slot: int, bid: float, ask: float) -> None:
        """A quote without sizes: the prices move, the sizes become unknown."""
        if slot in self.touch or slot in self.books:
            self.touch[slot] = (bid, ask, _NAN, _NAN)

    def get(self, slot: int) -> Touch:
        """The latest touch of ``slot`` (all NaN without book data or sized quotes)."""
        return self.touch.get(slot, _UNKNOWN)

    def has_book(self, slot: int) -> bool:
        """Whether ``slot`` has L2 book data (its prints then fill queued orders)."""
        return slot in self.books




class BookEvents:
    """The trading core's book-data events (a base of :class:`~signaltrust.trading.TradingCore`).

    - :meth:`on_book`: an L2 snapshot or delta. The touch is kept for the execution
      algorithms; a simulated venue with the book hook (``on_book``) gets it and from then on
      fills that symbol's limit orders by queue position; the reports of those fills go
      through the core's order path (router, ledger, fill and order listeners, strategies).
    - :meth:`on_trade`: a print with its aggressor side. With book data for its symbol the
      simulated venue fills first the resting limit orders the print reaches beyond their
      queue; then the strategies and algorithms see it as a trade tick (``on_trade``).
    - :meth:`on_quote`: a level-1 quote with sizes: the strategies see it as a quote tick
      (``on_quote``), the algorithms with its sizes.
    - :meth:`on_market`: any of these, or a :class:`~signaltrust.core.events.Tick`.

    Without book data nothing here runs and the core is unchanged.
    """

    # the core's state this part reads (set by TradingCore)
    market: Any
    simulator: Any
    algos: Any
    current_row: list[int]
    _on_bar: list[list[Any]]

    if TYPE_CHECKING:  # the core's methods

        def _advance(self, ns: int) -> None: ...

        def drain(self) -> None: ...

        def on_tick(self, tick: Tick) -> None: ...

    def on_market(self, event: BookUpdate | Trade | Quote | Tick) -> None:
        """One market-data event of any kind, by its type (a replay's ticks)."""
        if isinstance(event, Tick):
            self.on_tick(event)
        elif isinstance(event, BookUpdate):
            self.on_book(event)
        elif isinstance(event, Trade):
            self.on_trade(event)
        elif isinstance(event, Quote):
            self.on_quote(event)
        else:
            raise ValidationError(
                "the core takes ticks, quotes, prints and book messages", field="event",
                value=type(event).__name__,
                fix="pass a Tick, or a Quote, Trade or BookUpdate of signaltrust.core.book")

    def on_book(self, update: BookUpdate) -> None:
        """An L2 message: the touch is kept, the simulated venue fills by queue (class doc).
        A message out of sequence, a delta before the first snapshot or a crossed book raises
        ValidationError and changes nothing."""
        self._advance(update.ts_ns)
        slot = self.market.slot(update.symbol)
        algos = self.algos
        touches: Touches = algos.touches
        touches.on_book(slot, update)  # refused here first: the venue never sees a bad one
        sim = self.simulator
        if sim is not None and hasattr(sim, "on_book"):
            self._fills_in_bar(slot)
            sim.on_book(update)
            self.drain()
        algos.on_touch(slot, update.ts_ns)
        self.drain()

    def on_trade(self, trade: Trade) -> None:
        """A print: queue fills first (with book data), then the strategies and algorithms see
        it as a trade tick."""
        self._advance(trade.ts_ns)
        slot = self.market.slot(trade.symbol)
        sim = self.simulator
        if sim is not None and self.algos.touches.has_book(slot) and hasattr(sim, "on_trade"):
            self._fills_in_bar(slot)
            sim.on_trade(trade)
            self.drain()
        self.on_tick(Tick(trade.symbol, trade.ts_ns, "trade", trade.price, trade.size))

    def on_quote(self, quote: Quote) -> None:
        """A quote with sizes: the strategies see it as a quote tick, the algorithms with its
        sizes."""
        self._advance(quote.ts_ns)
        slot = self.market.slot(quote.symbol)
        tick = Tick(quote.symbol, quote.ts_ns, "quote", bid=quote.bid, ask=quote.ask)
        for entry in self._on_bar[slot]:
            entry.strategy.on_quote(entry.ctx, tick)
            self.drain()
        self.algos.on_quote(slot, quote)
        self.drain()

    def _fills_in_bar(self, slot: int) -> None:
        """Fills made now belong to the bar in progress (the one after the last completed),
        never to a bar that ended before them."""
        market = self.market
        row = market.lengths[slot]
        bars = market.bars[slot]
        if not bars.growable:
            row = min(row, len(bars.starts) - 1)
        self.current_row[slot] = row


__all__ = ["BookEvents", "Touch", "Touches"]
