"""The event-driven engine: a clock replays bars (and ticks) through a strategy and a venue.

For every distinct bar end time (all instruments whose bars end then, in the order given):

1. **open** (only when orders or sizing orders wait): each bar's open becomes the price;
   DAY orders of past sessions expire; reducing orders fill at the open (+ slippage), then
   the rest, sized with the equity after the reductions; then the bar's range fills the
   priced orders (stop, limit, stop-limit, trailing stop; adverse first).
2. **close**: the clock moves to the bars' end, history grows by these bars, the strategy's
   ``on_bar`` runs for each; with ``fill_at="close"`` its market orders fill at the close.

A strategy never sees a bar before its end: ``ctx.history`` ends at the last completed bar.
Paper and live trading swap the clock, the feed and the broker; the order path
(:class:`~signaltrust.backtest.event.router.OrderRouter`) and the strategy stay the same.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.event.clock import SimulatedClock
from signaltrust.backtest.event.feed import TICK, BarHistory, HistoricalBarFeed, column_of
from signaltrust.backtest.event.results import EventBacktestResult, Recorder, build_result
from signaltrust.backtest.event.router import OrderRouter, Portfolio
from signaltrust.backtest.event.venue import SimulatedVenue
from signaltrust.core.errors import ValidationError
from signaltrust.execution import Ledger, OrderManager
from signaltrust.risk.hook import PreTradeCheck
from signaltrust.strategy.api import Bar, Context, Strategy


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block; restore it as it was after.

    A replay allocates many small objects that live until the end (orders, events, fills);
    the collector would rescan the heap over and over (about 10 % of a 100,000-bar run, plus
    full collections of ~0.1 s at random points). Reference counting still frees everything
    acyclic; cycles wait until the block ends.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class EventEngine:
    """Runs one strategy over a historical feed through a simulated venue; ``run()`` once."""

    def __init__(
        self,
        feed: HistoricalBarFeed,
        strategy: Strategy,
        *,
        cash: float = 100_000.0,
        venue: SimulatedVenue | None = None,
        check: PreTradeCheck | None = None,
        leverage: float = 1.0,
        currency: str = "USD",
        params: Mapping[str, Any] | None = None,
        strategy_id: str | None = None,
        observers: tuple[Callable[[EventEngine], None], ...] = (),
    ) -> None:
        if not isinstance(strategy, Strategy):
            raise ValidationError(
                "the event engine runs a signaltrust.strategy.Strategy",
                field="strategy",
                value=type(strategy).__name__,
                fix="subclass Strategy, or wrap a rule strategy with event_rules.RuleAdapter",
            )
        self.feed = feed
        self.strategy = strategy
        self.params = dict(params or {})
        self.venue = venue if venue is not None else SimulatedVenue()
        self.clock = SimulatedClock(-(2**62))  # bars may predate 1970
        self.market = BarHistory(feed)
        self.ledger = Ledger({currency: Decimal(repr(float(cash)))}, leverage=leverage)
        self.manager = OrderManager()
        self.portfolio = Portfolio(self.ledger, feed.symbols, self.market.last)
        self.recorder = Recorder(len(feed.symbols))
        self.router = OrderRouter(
            self.manager,
            self.ledger,
            self.portfolio,
            self.clock,
            check=check,
            currency=currency,
            fees=self.venue.fees,
            slippage=self.venue.slippage,
            recorder=self.recorder,
        )
        sid = strategy_id or strategy.name or type(strategy).__name__.lower()
        self.ctx = Context(self.clock, self.market, self.portfolio, self.router, sid)
        self.venue.bind(self.router, len(feed.symbols))
        self.router.attach(strategy, self.ctx, self.venue)
        self.observers = observers
        self.cash0 = float(cash)
        labels = [f.index for f in feed.frames.values()]
        union = labels[0]
        for other in labels[1:]:
            union = union.union(other)
        self.index = pd.DatetimeIndex(union).as_unit("ns")
        # row -> position in the union index (the identity for one instrument)
        self._bar_of: list[Any] = (
            [range(len(self.index))]
            if len(labels) == 1
            else [self.index.get_indexer(lab.as_unit("ns")).tolist() for lab in labels]
        )
        # the bars as typed arrays (array.array): the loop reads one value at a time as a
        # Python number, faster than from NumPy; unlike lists they hold no Python objects,
        # so they are built with one copy and cost nothing to free
        cols = feed.columns
        self._starts = [column_of(s, "q") for s in feed.starts]
        self._opens = [column_of(c["open"]) for c in cols]
        self._highs = [column_of(c["high"]) for c in cols]
        self._lows = [column_of(c["low"]) for c in cols]
        self._closes = [column_of(c["close"]) for c in cols]
        self._vols = [column_of(c["volume"]) for c in cols]
        self._ran = False

    def _open_phase(self, items: list[tuple[int, int]]) -> None:
        venue, router, clock, last = self.venue, self.router, self.clock, self.market.last
        starts, opens = self._starts, self._opens
        for slot, row in items:
            start = starts[slot][row]
            if start > clock.now_ns:
                clock.advance(start)
            last[slot] = opens[slot][row]
            venue.new_bar(slot, start, self._bar_of[slot][row])
        self._fill_market(items, opens)
        router.drain()  # orders placed in on_fill of an open fill work from this bar's range
        for slot, row in items:
            self._open_range(slot, row)
        router.drain()

    def _open_one(self, slot: int, row: int) -> None:
        """The open of one bar when orders wait: :meth:`_open_phase` for ``[(slot, row)]``,
        shorter when the symbol's only waiting order is a sizing order the venue fills at once
        (no order working on it): the same steps, without the general path's loops."""
        router, venue = self.router, self.venue
        intents = router.intents[slot]
        if len(intents) != 1 or not router._fuse or not venue.fills_at_once(slot):
            self._open_phase([(slot, row)])
            return
        clock = self.clock
        start = self._starts[slot][row]
        if start > clock._now:
            clock._now = start
        price = self._opens[slot][row]
        self.market.last[slot] = price
        if price == price:
            router.release_at_once(slot, self._vols[slot][row], self._bar_of[slot][row])
        router.drain()
        if venue.book[slot]:  # orders placed in on_fill work from this bar's range
            self._open_range(slot, row)
            router.drain()

    def _open_range(self, slot: int, row: int) -> None:
        """Fill the priced orders of ``slot`` that the range of its bar ``row`` touches."""
        self.venue.match_range(
            slot,
            self._bar_of[slot][row],
            self._opens[slot][row],
            self._highs[slot][row],
            self._lows[slot][row],
            self._vols[slot][row],
            self.clock._now,
        )

    def _fill_market(self, items: list[tuple[int, int]], prices: list[list[float]]) -> None:
        venue, router, now, vols = self.venue, self.router, self.clock.now_ns, self._vols
        for reducing in (True, False):
            for slot, row in items:
                price, volume = prices[slot][row], vols[slot][row]
                if price != price:
                    continue
                bar = self._bar_of[slot][row]
                if router.intents[slot]:
                    router.release(slot, reducing, volume, bar)
                if venue.book[slot]:
                    venue.match_market(slot, bar, price, volume, now, reducing)

    def run(self) -> EventBacktestResult:
        """Replay the feed; return the result (equity, trades, orders, fills, stats)."""
        if self._ran:
            raise ValidationError(
                "an EventEngine runs once",
                field="engine",
                value="run",
                fix="build a new EventEngine for another run",
            )
        self._ran = True
        # the cyclic collector is paused for the replay (see paused_gc)
        with paused_gc():
            try:
                return self._replay()
            finally:
                self._drop_columns()

    def _drop_columns(self) -> None:
        """Free the per-bar lists before the collector runs again: it would scan them all."""
        empty: list[list[Any]] = []
        self._starts = self._opens = self._highs = self._lows = self._closes = self._vols = empty
        self._bar_of = empty
        self.market.growing = [[] for _ in self.market.growing]

    def _replay(self) -> EventBacktestResult:
        strategy, ctx, router, venue, clock = (
            self.strategy,
            self.ctx,
            self.router,
            self.venue,
            self.clock,
        )
        market = self.market
        strategy.bind(self.params)
        strategy.on_start(ctx)
        router.drain()
        cursor, last = market.cursor, market.last
        growing, grow = market.growing, list.append
        on_bar = strategy.on_bar
        at_close = venue.fill_at == "close"
        queue = router._queue
        lean = self._lean_bars() if not self.observers else None
        if lean is not None:  # one bar per time, no ticks: the lean loop
            closes = self._closes
            for slot, row, bar in lean:
                if router.pending or venue.working:
                    self._open_one(slot, row)
                clock._now = bar[2]  # its end; times are strictly increasing here
                cursor[slot] = row
                for handle, values in growing[slot]:  # indicator handles: one more value
                    grow(handle, values[row])
                last[slot] = bar[6]  # its close
                on_bar(ctx, bar)
                if queue:
                    router.drain()
                if at_close and (router.pending or venue.working):
                    self._fill_market([(slot, row)], closes)
                    router.drain()
        else:
            self._loop()
        strategy.on_stop(ctx)
        router.drain()
        return self._result()

    def _lean_bars(self) -> Iterator[tuple[int, int, Bar]] | None:
        """``(symbol index, row, bar)`` in time order when no two bars end together and there
        are no ticks (the lean loop), else None. The bars are built lazily, in C."""
        order = self.feed.single_bars()
        if order is None:
            return None
        symbols = self.feed.symbols
        columns = (
            self._starts,
            [column_of(e, "q") for e in self.feed.ends],
            self._opens,
            self._highs,
            self._lows,
            self._closes,
            self._vols,
        )
        slots, rows = order
        if len(symbols) == 1:
            return zip(slots, rows, Bar.bulk(repeat(symbols[0]), *(c[0] for c in columns)))  # noqa: B905
        pick = list(zip(slots, rows, strict=True))
        gathered = [[c[s][r] for s, r in pick] for c in columns]
        names = [symbols[s] for s in slots]
        return zip(slots, rows, Bar.bulk(names, *gathered), strict=True)

    def _loop(self) -> None:
        """The general loop: bars of several instruments ending together, ticks, observers."""
        strategy, ctx, router, venue, clock = (
            self.strategy,
            self.ctx,
            self.router,
            self.venue,
            self.clock,
        )
        feed, market, symbols = self.feed, self.market, self.feed.symbols
        last, queue = market.last, router._queue
        cols = feed.columns
        at_close = venue.fill_at == "close"
        ends = [e.tolist() for e in feed.ends]
        for time_ns, kind, payload in feed.events():
            if kind == TICK:
                if time_ns > clock.now_ns:
                    clock.advance(time_ns)
                hook = strategy.on_quote if payload.kind == "quote" else strategy.on_trade
                hook(ctx, payload)
                router.drain()
                continue
            if router.pending or venue.working:
                self._open_phase(payload)
            clock.advance(time_ns)
            for slot, row in payload:
                market.advance(slot, row)
                last[slot] = float(cols[slot]["close"][row])
            for slot, row in payload:
                c = cols[slot]
                strategy.on_bar(
                    ctx,
                    Bar(
                        symbols[slot],
                        int(feed.starts[slot][row]),
                        ends[slot][row],
                        float(c["open"][row]),
                        float(c["high"][row]),
                        float(c["low"][row]),
                        float(c["close"][row]),
                        float(c["volume"][row]),
                    ),
                )
                if queue:
                    router.drain()
            if at_close and (router.pending or venue.working):
                self._fill_market(payload, self._closes)
                router.drain()
            for observer in self.observers:
                observer(self)

    def _result(self) -> EventBacktestResult:
        frames = self.feed.frames
        if len(frames) == 1:  # the union index is the frame's own
            close = pd.DataFrame(
                {s: f["close"].to_numpy(dtype=np.float64) for s, f in frames.items()},
                index=self.index,
            )
        else:
            closes = {s: f["close"].astype(np.float64) for s, f in frames.items()}
            close = pd.DataFrame(closes).reindex(self.index)
            close.index = self.index
        marks = {}  # each symbol's last known close
        for symbol, column in zip(self.feed.symbols, self.feed.columns, strict=True):
            known = column["close"][~np.isnan(column["close"])]
            if len(known):
                marks[symbol] = float(known[-1])
        if marks:
            self.ledger.mark(marks)
        self.ledger.check_balanced()
        params = {
            "engine": "event",
            "strategy": repr(self.strategy),
            "strategy_params": vars(self.strategy.p),
        }
        return build_result(
            self.recorder,
            self.index,
            close,
            self.cash0,
            self.manager,
            params=params,
            settings=dict(self.settings),
            periods_per_year=self.periods_per_year,
            benchmark=self.benchmark,
            bars=dict(self.feed.frames),
        )

    settings: dict[str, Any] = {}
    periods_per_year: float | None = None
    benchmark: pd.Series | None = None
