"""The trading core: clock, market data, portfolio, order router, risk and strategies, advanced
one event at a time. Every mode drives the same core; only the driver changes.

A driver creates the core with its market data, a broker and the pre-trade check, adds
strategies, calls :meth:`TradingCore.start`, then hands it events in time order:

- :meth:`~TradingCore.on_bar` / :meth:`~TradingCore.on_bars`: bars that completed (several
  instruments may complete at one time);
- :meth:`~TradingCore.on_tick`: a quote or a trade;
- :meth:`~TradingCore.on_book`, :meth:`~TradingCore.on_trade`,
  :meth:`~TradingCore.on_quote`: book data (L2 messages, prints with their side, quotes with
  sizes; :class:`~signaltrust.trading.books.BookEvents`): the simulated venue fills limit
  orders by queue position, the execution algorithms size children from the touch;
- :meth:`~TradingCore.on_execution_report`: a broker's report that arrived on its own (a real
  broker); the simulated venue reports at once, inside the core's own calls;
- :meth:`~TradingCore.on_timer`: a moment the driver scheduled;

and :meth:`~TradingCore.stop` at the end. The backtest replay (``signaltrust.backtest``), the
paper and live node and the RL environments are such drivers; none of them reaches inside.

What happens for a completed bar (with a broker that fills against bars, the simulated venue):

1. **open** (only when sizing orders or working orders wait): the clock moves to the bar's
   start, its open becomes the symbol's price, DAY orders of past sessions expire, sizing
   orders that shrink positions are released and filled at the open (+ slippage), then the
   rest, sized with the equity after them; then the bar's range fills priced orders (stop,
   limit, stop-limit, trailing stop; adverse first);
2. **close**: the clock moves to the bar's end, market data grows by the bar (history and
   indicators), the listeners of the step see it (risk), every strategy's ``on_bar`` runs; with
   ``fill_at="close"`` market orders placed then fill at the close.

A strategy never sees a bar before its end. Order events and fills reach the strategy that
owns the order (``on_order``, ``on_fill``) in order, after the call that caused them returns.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar, ExecutionReport, Tick, Timer
from signaltrust.core.orders import Fill, Order, OrderEvent
from signaltrust.execution import (
    Broker,
    Ledger,
    OrderManager,
    OrderRouter,
    Portfolio,
    PreTradeCheck,
)
from signaltrust.risk.killswitch import KILL_TAG
from signaltrust.strategy.api import Context, Strategy
from signaltrust.trading.algos import AlgoRuntime
from signaltrust.trading.books import BookEvents
from signaltrust.trading.clock import SimulatedClock
from signaltrust.trading.market import MarketData

_append = list.append  # the market's way past the indicator handles' read-only guard

@dataclass
class Running:
    """One strategy in the core: the object, its id, its context and the symbols it trades."""

    strategy: Strategy
    strategy_id: str
    ctx: Context
    slots: tuple[int, ...]
    wants_orders: bool
    wants_fills: bool


class TradingCore(BookEvents):
    """Clock, market data, portfolio, order router, risk and strategies, stepped by events.

    ``market``: the symbols and their history (:class:`MarketData`); ``broker``: where orders
    go (the :class:`~signaltrust.execution.SimulatedVenue` in a backtest); ``check``: the
    pre-trade check every order passes (the risk engine; default allow all); ``cash`` in
    ``currency``; ``leverage``; ``clock``: a :class:`SimulatedClock` by default (a replay),
    a wall clock in live trading; ``strict``: an execution report that cannot be applied
    raises (backtests) instead of being kept for reconciliation (live); ``fast_path``: a
    market order the simulated venue fills the moment it is sent is taken and filled in one
    step, with the same order, events and fill (a replay setting; see ``OrderRouter``);
    ``compact_log``: while nobody listens for order events, the order manager logs their
    fields and builds the events when read (a replay setting; listeners get them at once).
    """

    def __init__(
        self,
        market: MarketData,
        broker: Broker,
        *,
        cash: float | Decimal = 100_000.0,
        currency: str = "USD",
        leverage: float = 1.0,
        check: PreTradeCheck | None = None,
        clock: Any = None,
        strict: bool = True,
        fast_path: bool = False,
        compact_log: bool = False,
    ) -> None:
        self.market = market
        self.symbols = market.symbols
        # a replay's clock starts before any bar (bars may predate 1970)
        self.clock = clock if clock is not None else SimulatedClock(-(2**62))
        amount = cash if isinstance(cash, Decimal) else Decimal(repr(float(cash)))
        self.ledger = Ledger({currency: amount}, leverage=leverage)
        self.currency = self.ledger.base_currency
        self.manager = OrderManager(compact_log=compact_log)
        self.portfolio = Portfolio(self.ledger, self.symbols)
        self.portfolio.last = market.last  # one list of latest prices
        self.broker = broker
        simulated = all(hasattr(broker, m) for m in ("open_bar", "match_market", "match_range"))
        self.simulator: Any = broker if simulated else None
        self.router = OrderRouter(
            self.manager, self.ledger, self.portfolio, self.clock, broker, check=check,
            currency=self.currency, hold_sizing=simulated, strict=strict, fast_path=fast_path,
        )
        if simulated:
            broker.bind_account(self.portfolio, self.manager)  # type: ignore[attr-defined]
        self.check = self.router.check
        self.fill_at = getattr(broker, "fill_at", "next_open")
        self.router.on_fill = self._filled
        self.router.flush = self.drain
        self.running: list[Running] = []
        self._by_id: dict[str, Running] = {}
        self._on_bar: list[list[Running]] = [[] for _ in self.symbols]
        #: per symbol, the row of the bar whose open or close the simulated venue is filling
        #: at (the bar a fill belongs to, for records); the latest bar for a broker's report
        self.current_row = [-1] * len(self.symbols)
        self.last_end = [-(2**63)] * len(self.symbols)  # end (ns) of each symbol's last bar
        self.fill_listeners: list[Callable[[Order, Fill], None]] = []
        #: called with (core, bars) when bars complete: before the strategies see them, and
        #: after the step (strategies and close fills done)
        self.step_listeners: list[Callable[[TradingCore, Iterable[Bar]], None]] = []
        self.after_step_listeners: list[Callable[[TradingCore, Iterable[Bar]], None]] = []
        self.order_listeners: list[Callable[[OrderEvent], None]] = []
        self.timer_listeners: list[Callable[[Timer], None]] = []
        self._queue: deque[tuple[Running, int, Any]] = deque()
        self._draining = False
        self._listening = False
        self.started = self.stopped = False
        #: the execution algorithms the strategies started (``ctx.execute``)
        self.algos = AlgoRuntime(self)

    # -- set-up -----------------------------------------------------------------------------
    def add_strategy(
        self,
        strategy: Strategy,
        params: Mapping[str, Any] | None = None,
        *,
        strategy_id: str | None = None,
        symbols: Iterable[str] | None = None,
    ) -> Context:
        """Run ``strategy`` here with ``params`` on ``symbols`` (all by default); its context."""
        if not isinstance(strategy, Strategy):
            raise ValidationError(
                "the trading core runs a signaltrust.strategy.Strategy",
                field="strategy", value=type(strategy).__name__,
                fix="subclass signaltrust.strategy.Strategy (rule strategies already are)",
            )
        if self.started:
            raise ValidationError(
                "strategies are added before the core starts", field="strategy",
                value=repr(strategy), fix="add every strategy, then call start()",
            )
        sid = strategy_id or strategy.name or type(strategy).__name__.lower()
        if sid in self._by_id:
            raise ValidationError(
                "two strategies with one id", field="strategy_id", value=sid,
                fix="pass strategy_id= to tell them apart",
            )
        chosen = tuple(self.symbols) if symbols is None else tuple(symbols)
        slots = tuple(self.market.slot(s) for s in chosen)
        strategy.bind(params)
        ctx = Context(self.clock, self.market, self.portfolio, self.router, sid, chosen,
                      algos=self.algos)
        entry = Running(strategy, sid, ctx, slots, strategy.listens("on_order"),
                        strategy.listens("on_fill"))
        self.running.append(entry)
        self._by_id[sid] = entry
        for slot in slots:
            self._on_bar[slot].append(entry)
        self.router.several_strategies(len(self.running) > 1)
        return ctx

    def add_fill_listener(self, listener: Callable[[Order, Fill], None]) -> None:
        """Call ``listener(order, fill)`` after every booked fill (records, risk)."""
        self.fill_listeners.append(listener)

    def add_step_listener(
        self, listener: Callable[[TradingCore, Iterable[Bar]], None], *, after: bool = False
    ) -> None:
        """Call ``listener(core, bars)`` at each step of completed bars: before the strategies
        see them (risk: the bar counts for the orders placed on it), or ``after`` the step
        (records, monitors: the strategies acted and close fills are booked)."""
        (self.after_step_listeners if after else self.step_listeners).append(listener)

    def add_order_listener(self, listener: Callable[[OrderEvent], None]) -> None:
        """Call ``listener(event)`` for every order event, as it happens."""
        self.order_listeners.append(listener)
        self._listen()

    def _listen(self) -> None:
        if not self._listening:
            self.manager.add_listener(self._order_event)
            self._listening = True

    def start(self) -> None:
        """Start every strategy (``on_start``), once."""
        if self.started:
            return
        self.started = True
        if any(r.wants_orders for r in self.running):
            self._listen()
        for entry in self.running:
            entry.strategy.on_start(entry.ctx)
            self.drain()

    def stop(self) -> None:
        """Stop every strategy (``on_stop``), once."""
        if self.stopped:
            return
        self.stopped = True
        for entry in self.running:
            entry.strategy.on_stop(entry.ctx)
            self.drain()

    # -- events ------------------------------------------------------------------------------
    def on_bar(self, bar: Bar) -> None:
        """One completed bar of one symbol (see the module doc for the open and close)."""
        items = ((self.market.slot(bar.symbol), bar),)
        self._in_order(items)
        sim = self.simulator
        if sim is not None and (self.router.pending or sim.working):
            self._open(items)
        self._close(items)

    def on_bars(self, bars: Iterable[Bar]) -> None:
        """Bars of several symbols that completed at the same time, in the order given."""
        items = []
        for bar in bars:
            items.append((self.market.slot(bar.symbol), bar))
        if not items:
            return
        self._in_order(items)
        sim = self.simulator
        if sim is not None and (self.router.pending or sim.working):
            self._open(items)
        self._close(items)

    def consume(self, bars: Iterable[Bar]) -> None:
        """Hand the core completed bars one after another, no two ending at the same time:
        each is processed exactly as :meth:`on_bar` would (a test checks they agree), in one
        loop instead of one call per bar (a replay's fast path; it needs the simulated clock).
        A bar that ends before the core's time raises ValidationError."""
        clock, sim = self.clock, self.simulator
        if (
            not isinstance(clock, SimulatedClock)
            or sim is None
            or self.step_listeners
            or self.after_step_listeners
            or any(b.growable for b in self.market.bars)
        ):
            for bar in bars:  # the general form: one call per bar
                self.on_bar(bar)
            return
        market, router, last_end = self.market, self.router, self.last_end
        slots, lengths = market.slots, market.lengths
        growing, streams, last = market.growing, market.streams, market.last
        calls = [[(e.strategy.on_bar, e.ctx) for e in entries] for entries in self._on_bar]
        queue, drain = self._queue, self.drain
        working, algo_bar = self.algos.working, self.algos.on_bar
        at_close = self.fill_at == "close"
        if len(slots) == 1 and len(calls[0]) == 1:
            self._consume_one(bars, calls[0][0], at_close)
            return
        for bar in bars:
            slot = slots[bar.symbol]
            row = lengths[slot]
            end = bar.end_ns
            if end <= last_end[slot] or end < clock.now_ns:
                self._in_order(((slot, bar),))  # raises: out of order
            if router.pending or sim.working:
                self._open(((slot, bar),))
            clock.now_ns = last_end[slot] = end
            # MarketData.advance for a replayed symbol, inline
            lengths[slot] = row + 1
            for handle, values in growing[slot]:
                _append(handle, values[row])
            if streams[slot]:
                market._stream(slot, row, bar)
            last[slot] = bar.close
            for on_bar, ctx in calls[slot]:
                on_bar(ctx, bar)
                if queue:
                    drain()
            if working:  # execution algorithms, after the strategies
                algo_bar(slot, bar)
                if queue:
                    drain()
            if at_close and (router.pending or sim.working):
                self._fill_market(((slot, bar),), 6)

    def _consume_one(self, bars: Iterable[Bar], call: tuple[Any, Context], at_close: bool) -> None:
        """:meth:`consume`'s loop for one symbol traded by one strategy (the usual backtest):
        the same steps, with the symbol's slot and its strategy's hook read once."""
        clock, sim, market, router = self.clock, self.simulator, self.market, self.router
        lengths, last_end, last = market.lengths, self.last_end, market.last
        growing, streams = market.growing[0], market.streams[0]  # lists extended in place
        on_bar, ctx = call
        queue, drain = self._queue, self.drain
        working, algo_bar = self.algos.working, self.algos.on_bar
        row = lengths[0]
        # the symbol's last end lives in a local while the loop runs (nothing else reads it
        # then) and is written back when the loop ends or leaves by an exception
        previous = last_end[0]
        try:
            for bar in bars:
                end = bar.end_ns
                if end <= previous:
                    last_end[0] = previous
                    self._in_order(((0, bar),))  # raises: out of order
                if router.pending or sim.working:
                    self._open(((0, bar),))
                clock.now_ns = previous = end
                for handle, values in growing:
                    _append(handle, values[row])
                row += 1
                lengths[0] = row
                if streams:
                    market._stream(0, row - 1, bar)
                last[0] = bar.close
                on_bar(ctx, bar)
                if queue:
                    drain()
                if working:
                    algo_bar(0, bar)
                    if queue:
                        drain()
                if at_close and (router.pending or sim.working):
                    self._fill_market(((0, bar),), 6)
        finally:
            last_end[0] = previous

    def on_tick(self, tick: Tick) -> None:
        """A quote or a trade: the clock moves to it and the strategies trading it see it."""
        self._advance(tick.ts_ns)
        slot = self.market.slot(tick.symbol)
        quote = tick.kind == "quote"
        for entry in self._on_bar[slot]:
            hook = entry.strategy.on_quote if quote else entry.strategy.on_trade
            hook(entry.ctx, tick)
            self.drain()
        self.algos.on_tick(slot, tick)
        self.drain()

    def on_execution_report(self, report: ExecutionReport) -> None:
        """A broker's report that arrived on its own (a real broker): apply it, then deliver
        the events it caused."""
        self.current_row[:] = [n - 1 for n in self.market.lengths]
        self.router.on_execution_report(report)
        self.drain()
        if self.algos.working:
            self.algos.on_time(self.clock.now_ns, report=True)
            self.drain()

    def on_timer(self, timer: Timer) -> None:
        """A scheduled moment: the clock moves to it and the timer listeners run."""
        self._advance(timer.ts_ns)
        for listener in self.timer_listeners:
            listener(timer)
        self.drain()
        if self.algos.working:
            self.algos.on_time(timer.ts_ns)
            self.drain()

    def _advance(self, ns: int) -> None:
        if ns > self.clock.now_ns:
            self.clock.advance(ns)

    # -- the bar's phases --------------------------------------------------------------------
    def _in_order(self, items: Iterable[tuple[int, Bar]]) -> None:
        """Refuse a bar that does not end after its symbol's previous one (nothing changes)."""
        last_end = self.last_end
        for slot, bar in items:
            if bar.end_ns <= last_end[slot] or (
                bar.end_ns < self.clock.now_ns and isinstance(self.clock, SimulatedClock)
            ):
                raise ValidationError(
                    f"a bar of {bar.symbol} does not end after the core's time",
                    field="bar.end_ns", value=bar.end_time,
                    fix="hand the core each symbol's bars once, in time order",
                )

    def _open(self, items: Iterable[tuple[int, Bar]]) -> None:
        sim, clock, last = self.simulator, self.clock, self.market.last
        lengths, current = self.market.lengths, self.current_row
        for slot, bar in items:
            current[slot] = lengths[slot]  # fills now belong to this bar
            if bar.ts_ns > clock.now_ns:
                clock.advance(bar.ts_ns)
            last[slot] = bar.open
            if sim.working:
                sim.open_bar(slot, bar.ts_ns)
        self._fill_market(items, 3)  # Bar field 3: open
        if sim.working:
            now = clock.now_ns
            for slot, bar in items:
                sim.match_range(slot, bar.open, bar.high, bar.low, bar.volume, now, bar.ts_ns)
            self.drain()

    def _fill_market(self, items: Iterable[tuple[int, Bar]], field: int) -> None:
        """Release sizing orders and fill market orders at each bar's ``field`` price: the
        orders that shrink positions first, then the rest."""
        sim, router, now = self.simulator, self.router, self.clock.now_ns
        if field == 6:  # at the close: fills belong to the bar just completed
            lengths, current = self.market.lengths, self.current_row
            for slot, _ in items:
                current[slot] = lengths[slot] - 1
        intents = router.intents
        for reducing in (True, False):
            for slot, bar in items:
                price = bar[field]
                if price != price:
                    continue
                if intents[slot]:
                    router.release(slot, reducing, bar.volume)
                if sim.working and sim.has_orders(slot):
                    sim.match_market(slot, price, bar.volume, now, bar.ts_ns, reducing)
        self.drain()

    def _close(self, items: Iterable[tuple[int, Bar]]) -> None:
        clock, market, last_end = self.clock, self.market, self.last_end
        clock.advance(max(bar.end_ns for _, bar in items))  # a replay's clock never goes back
        for slot, bar in items:
            last_end[slot] = bar.end_ns
            market.advance(slot, bar)
        for listener in self.step_listeners:
            listener(self, [bar for _, bar in items])
        on_bar = self._on_bar
        for slot, bar in items:
            for entry in on_bar[slot]:
                entry.strategy.on_bar(entry.ctx, bar)
                if self._queue:
                    self.drain()
        if self.algos.working:  # execution algorithms, after the strategies
            for slot, bar in items:
                self.algos.on_bar(slot, bar)
            self.drain()
        sim = self.simulator
        if self.fill_at == "close" and sim is not None and (self.router.pending or sim.working):
            self._fill_market(items, 6)  # Bar field 6: close
        if self.after_step_listeners:
            done = [bar for _, bar in items]
            for listener in self.after_step_listeners:
                listener(self, done)

    # -- delivery ----------------------------------------------------------------------------
    def _order_event(self, event: OrderEvent) -> None:
        for listener in self.order_listeners:
            listener(event)
        entry = self._by_id.get(event.strategy_id)
        if entry is not None and entry.wants_orders:
            self._queue.append((entry, 0, event))

    def _filled(self, order: Order, fill: Fill) -> None:
        for listener in self.fill_listeners:
            listener(order, fill)
        entry = self._by_id.get(order.strategy_id)
        if entry is not None and entry.wants_fills:
            self._queue.append((entry, 1, fill))

    def drain(self) -> None:
        """Deliver queued order events and fills to their strategies, in order."""
        if self._draining or not self._queue:
            return
        self._draining = True
        try:
            queue = self._queue
            while queue:
                entry, kind, item = queue.popleft()
                if kind == 0:
                    entry.strategy.on_order(entry.ctx, item)
                else:
                    entry.strategy.on_fill(entry.ctx, item)
        finally:
            self._draining = False

    # -- control (the kill switch, an operator) ----------------------------------------------
    def cancel_all(self, reason: str) -> list[str]:
        """Cancel every open order and sizing order; the ids canceled."""
        canceled = []
        for queue in self.router.intents:
            canceled += [i.client_order_id for i in queue]
            queue.clear()
        self.router.pending = 0
        for order in self.manager.open_orders():
            if order.is_open:
                self.router.cancel(order.client_order_id)
                canceled.append(order.client_order_id)
        self.drain()
        return canceled

    def flatten(self, reason: str, *, tag: str = KILL_TAG, symbol: str | None = None
                ) -> list[str]:
        """Send a market order that closes every position (each strategy's own), or only the
        positions in ``symbol``; their ids (none when nothing is open there)."""
        sent = []
        for (held, strategy_id), quantity in self.ledger.open_quantities().items():
            if symbol is not None and held != symbol:
                continue
            side = "SELL" if quantity > 0 else "BUY"
            order = Order(
                self.manager.next_client_order_id(strategy_id), held, side, abs(quantity),
                strategy_id=strategy_id, tags=(tag,),
            )
            self.router.submit(order)
            sent.append(order.client_order_id)
        return sent

    # -- reading -----------------------------------------------------------------------------
    @property
    def equity(self) -> float:
        """Cash plus positions marked at their latest prices (float)."""
        return self.portfolio.equity

    def strategy(self, strategy_id: str) -> Strategy:
        """The strategy running under ``strategy_id``."""
        return self._by_id[strategy_id].strategy


__all__ = ["KILL_TAG", "Running", "TradingCore"]
