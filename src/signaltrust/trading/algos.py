"""The runtime of execution algorithms inside the trading core: ``ctx.execute(algo)``.

A strategy starts a parent order with ``ctx.execute(TWAP("GOOG", 1000, bars=10))`` (any
:class:`~signaltrust.execution.algos.ExecutionAlgorithm`); the call returns the parent's id.
The :class:`AlgoRuntime` of the core then drives it:

- at the start it measures the arrival price (the mid quote, else the latest price), hands a
  VWAP the volume history known then (the symbol's completed bars, never a later one) and
  sends what is due at once;
- after each completed bar of the symbol (once the strategies saw it, before close fills),
  each quote or trade, each timer and each broker report it reads what became of the children
  (their orders' status and fill totals), shows the algorithm what the market did and sends
  what it decides;
- every child is an ordinary order of the strategy (its id from the order manager, tagged
  ``algo:<parent id>``) sent through the core's router: the pre-trade check (the risk engine)
  first, then the broker. The strategy sees its children's order events and fills like any
  other order's. A child the check denies or the broker rejects stops the parent (STOPPED,
  with the reason).

Nothing here reads a clock or a random source: the same events give the same children. The
runtime's state (the algorithms, which child belongs to which parent) is plain Python that
pickles with the core, so a node restored from a snapshot continues the schedules.
A live driver asks :meth:`AlgoRuntime.next_due_ns` when to send the core a timer.

**Book data.** The runtime keeps the touch of each symbol with the sizes resting there
(:class:`~signaltrust.trading.books.Touches`: from L2 book messages and quotes that carry
sizes, handed over by the core's ``on_book`` and ``on_quote``) and shows it to the algorithms
in every view (``bid_size``, ``ask_size``), so an algorithm built with ``book=BookSizing(...)``
sizes and prices its children from the touch inside the core. Its **finish** is sized from the
book too: when the window ends and the algorithm sends the rest as one market order, with the
touch known the runtime sends instead a limit order at the opposite touch of at most the
policy's share of the size there (whole lots), kept while the touch stays and sent again, for
what is left, when it moves or fills; a touch too thin for one lot sends nothing until it
refills. Without sizes (bars, plain quotes) the finish is the market order, as before.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from signaltrust.core.book import Quote
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar, Tick
from signaltrust.core.orders import Order
from signaltrust.execution.algos import AlgoReport, ExecutionAlgorithm, MarketView, Submit
from signaltrust.trading.books import Touches

#: the tag every child order carries, followed by its parent's id
ALGO_TAG = "algo:"
_NAN = float("nan")
# decisions in a row at one event before the runtime calls it a runaway algorithm (each
# decision sends or cancels one child; a schedule never needs this many at one moment)
_MAX_DECISIONS = 10_000


class AlgoRuntime:
    """The parent orders of a trading core's strategies, and what drives them (module doc).

    ``working`` holds the algorithms still working (the core checks it before calling in);
    ``parents`` every parent by id, finished ones too (their reports).
    """

    def __init__(self, core: Any) -> None:  # the TradingCore that owns it
        self.core = core
        self.parents: dict[str, ExecutionAlgorithm] = {}
        self.working: list[ExecutionAlgorithm] = []
        self.slots: dict[str, int] = {}  # parent id -> the symbol's slot
        self.quotes: dict[int, tuple[float, float]] = {}  # slot -> the latest (bid, ask)
        self.touches = Touches()  # slot -> the touch with its sizes (book data)
        self.finishing: set[str] = set()  # the children sent as a book-sized finish
        self.used: dict[str, int] = {}  # parent id -> the touch its last sized child took

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a runtime pickled before book data was kept has none
        state.setdefault("touches", Touches())
        state.setdefault("finishing", set())
        state.setdefault("used", {})
        self.__dict__.update(state)

    # -- the strategy's calls (through its Context) -----------------------------------------
    def start(self, strategy_id: str, algo: ExecutionAlgorithm) -> str:
        """Start ``algo`` for ``strategy_id`` now; the parent's id."""
        if not isinstance(algo, ExecutionAlgorithm):
            raise ValidationError(
                "ctx.execute takes an execution algorithm", field="algo",
                value=type(algo).__name__,
                fix="pass e.g. TWAP('GOOG', 100, bars=10) from signaltrust.execution.algos",
            )
        if algo.status != "NEW":
            raise ValidationError("this parent order was already started", field="algo",
                                  value=repr(algo), fix="construct a new algorithm object")
        core = self.core
        slot = core.market.slot(algo.symbol)
        parent_id = f"{strategy_id}-algo-{len(self.parents) + 1}"
        history = self._history(slot) if algo.needs_history else None
        algo.begin(parent_id, strategy_id, self._view(slot, core.clock.now_ns), history)
        self.parents[parent_id] = algo
        self.slots[parent_id] = slot
        self.working.append(algo)
        self._act(algo)
        self._retire()
        return parent_id

    def cancel(self, parent_id: str, reason: str = "canceled by the strategy") -> None:
        """Stop the parent: its working children are canceled, then it ends CANCELED."""
        algo = self.parent(parent_id)
        algo.cancel(reason)
        self._sync(algo)
        self._act(algo)
        self._retire()

    def report(self, parent_id: str) -> AlgoReport:
        """Where the parent stands (fills read from its children's orders now)."""
        algo = self.parent(parent_id)
        self._sync(algo, every=True)
        return algo.report()

    def parent(self, parent_id: str) -> ExecutionAlgorithm:
        """The algorithm working (or that worked) parent ``parent_id``."""
        try:
            return self.parents[parent_id]
        except KeyError:
            raise ValidationError(
                "no such parent order", field="parent_id", value=parent_id,
                fix="pass the id ctx.execute returned",
            ) from None

    # -- the core's calls ---------------------------------------------------------------------
    def on_bar(self, slot: int, bar: Bar) -> None:
        """A completed bar of ``slot``: the algorithms on its symbol observe it and act."""
        for algo in list(self.working):
            if self.slots[algo.parent_id] != slot:
                continue
            self._sync(algo)
            if bar.end_ns > algo.start_ns:  # the arrival bar was seen at the start
                bid, ask = self.quotes.get(slot, (_NAN, _NAN))
                _, _, bid_size, ask_size = self.touches.get(slot)
                algo.observe(MarketView(bar.end_ns, bar.close, bid, ask, bar.volume, True,
                                        bid_size, ask_size))
            self._act(algo)
        self._retire()

    def on_quote(self, slot: int, quote: Quote) -> None:
        """A quote with the sizes at the touch: kept; the algorithms on its symbol see it."""
        self.touches.on_quote(slot, quote)
        self.on_touch(slot, quote.ts_ns)

    def on_touch(self, slot: int, now_ns: int) -> None:
        """The touch of ``slot`` changed (the core applied a book message or a sized quote to
        :attr:`touches`): kept as the latest quote; the algorithms on its symbol see it."""
        bid, ask, _, _ = self.touches.get(slot)
        self.quotes[slot] = (bid, ask)
        if not self.working:
            return
        last = self.core.market.last[slot]
        for algo in list(self.working):
            if self.slots[algo.parent_id] != slot:
                continue
            self._sync(algo)
            algo.observe(self._view(slot, now_ns, last))
            self._act(algo)
        self._retire()

    def on_tick(self, slot: int, tick: Tick) -> None:
        """A quote or a trade of ``slot``: kept (the next arrival price), and the algorithms
        on its symbol observe it and act. A quote here carries no sizes: the sizes at the
        touch become unknown until the next book message or sized quote."""
        quote = tick.kind == "quote"
        if quote:
            self.quotes[slot] = (tick.bid, tick.ask)
            self.touches.on_plain_quote(slot, tick.bid, tick.ask)
        if not self.working:
            return
        bid, ask = self.quotes.get(slot, (_NAN, _NAN))
        _, _, bid_size, ask_size = self.touches.get(slot)
        last = self.core.market.last[slot] if quote else tick.price
        volume = 0.0 if quote else tick.size
        for algo in list(self.working):
            if self.slots[algo.parent_id] != slot:
                continue
            self._sync(algo)
            if tick.ts_ns > algo.start_ns or quote:
                algo.observe(MarketView(tick.ts_ns, last, bid, ask, volume, False, bid_size,
                                        ask_size))
            self._act(algo)
        self._retire()

    def on_time(self, now_ns: int, *, report: bool = False) -> None:
        """A timer, or a broker's ``report`` (which may carry a late fill of a child that
        ended: every child is read then): every algorithm reads its children and acts."""
        for algo in list(self.working):
            self._sync(algo, every=report)
            slot = self.slots[algo.parent_id]
            algo.observe(self._view(slot, now_ns))
            self._act(algo)
        self._retire()

    def next_due_ns(self) -> int | None:
        """The earliest moment a working algorithm's schedule changes by time alone (a live
        driver sends the core a timer then); None when none does."""
        due = [t for t in (a.next_due_ns() for a in self.working) if t is not None]
        return min(due) if due else None

    # -- inside ---------------------------------------------------------------------------------
    def _view(self, slot: int, now_ns: int, last: float | None = None) -> MarketView:
        bid, ask = self.quotes.get(slot, (_NAN, _NAN))
        _, _, bid_size, ask_size = self.touches.get(slot)
        return MarketView(now_ns, self.core.market.last[slot] if last is None else last,
                          bid, ask, 0.0, False, bid_size, ask_size)

    def _history(self, slot: int) -> tuple[Any, Any]:
        """Bar starts and volumes of ``slot``'s completed bars (what is known now)."""
        market = self.core.market
        bars, length = market.bars[slot], market.lengths[slot]
        return bars.starts[:length].copy(), bars.columns["volume"][:length].copy()

    def _sync(self, algo: ExecutionAlgorithm, every: bool = False) -> None:
        """Tell ``algo`` what became of its open children (``every``: all of them, for late
        fills) - status, fill totals, reason."""
        get = self.core.router.get
        for child in algo.children if every else algo.open_children():
            order = get(child.client_order_id)
            algo.child_update(child.client_order_id, order.status.value, order.filled_quantity,
                              order.filled_notional, order.fees, order.reason)

    def _act(self, algo: ExecutionAlgorithm) -> None:
        """Carry out the algorithm's decisions until it has none left at this moment."""
        router = self.core.router
        for _ in range(_MAX_DECISIONS):
            decisions = algo.decide()
            if not decisions:
                return
            for decision in decisions:
                if isinstance(decision, Submit):
                    if not self._touch_free(algo):
                        return  # this touch was used: the next child waits for a new one
                    finish = (decision.limit_price is None and algo.book is not None
                              and algo.window_over)
                    if finish:
                        sized = self._finish_slice(algo, decision)
                        if sized is None:
                            return  # the touch is too thin for a lot: wait for it
                        finish = sized is not decision
                        decision = sized
                    order = self._child(algo, decision)
                    algo.child_sent(order.client_order_id, decision, self.core.clock.now_ns)
                    if finish:
                        self.finishing.add(order.client_order_id)
                    router.submit(order)  # the pre-trade check, then the broker
                else:
                    if self._holds(algo, decision.client_order_id):
                        return  # a finish at the touch, which has not moved
                    algo.child_canceling(decision.client_order_id)
                    router.cancel(decision.client_order_id)
            self._sync(algo)
        raise ValidationError(
            f"the algorithm decided {_MAX_DECISIONS} times at one moment", field="algo",
            value=repr(algo), fix="report this: an algorithm's schedule must settle",
        )

    def _touch_free(self, algo: ExecutionAlgorithm) -> bool:
        """Whether ``algo`` may send a child now: always without sizes at the touch; with
        them, once per touch (a book message or sized quote), so that its children take at
        most the policy's share of each displayed touch, not the share again and again of a
        size that the first child already took. Marks the touch used."""
        book = algo.book
        if book is None or book.market(algo.sign, algo.child_mode(), algo.bid, algo.ask,
                                       algo.bid_size, algo.ask_size, algo.vpin) is None:
            return True
        version = self.touches.version.get(self.slots[algo.parent_id], 0)
        if self.used.get(algo.parent_id) == version:
            return False
        self.used[algo.parent_id] = version
        return True

    def _finish_touch(self, algo: ExecutionAlgorithm) -> tuple[Decimal, Decimal] | None:
        """The opposite touch's price and the most a finish child may take there (the
        policy's share of the size, whole lots), or None without sizes at the touch."""
        book = algo.book
        if book is None:
            return None
        market = book.market(algo.sign, "taker", algo.bid, algo.ask, algo.bid_size,
                             algo.ask_size, algo.vpin)
        if market is None:
            return None
        touch = algo.ask if algo.sign > 0 else algo.bid
        return Decimal(f"{touch:.10g}"), book.policy.child_cap(market, algo.lot)

    def _finish_slice(self, algo: ExecutionAlgorithm, decision: Submit) -> Submit | None:
        """The window's final market order sized from the book (module doc): the decision
        itself without sizes at the touch, None when the touch holds less than a lot."""
        touch = self._finish_touch(algo)
        if touch is None:
            return decision
        price, cap = touch
        quantity = min(decision.quantity, (cap // algo.lot) * algo.lot)
        if quantity <= 0:
            return None
        return Submit(quantity, price)

    def _holds(self, algo: ExecutionAlgorithm, client_order_id: str) -> bool:
        """Whether a cancel of the finish child ``client_order_id`` waits: the parent is not
        stopping and the child still rests at the opposite touch."""
        if client_order_id not in self.finishing or algo.stopping is not None:
            return False
        touch = self._finish_touch(algo)
        return touch is not None and algo.child(client_order_id).limit_price == touch[0]

    def _child(self, algo: ExecutionAlgorithm, decision: Submit) -> Order:
        manager = self.core.manager
        limit = decision.limit_price
        return Order(
            manager.next_client_order_id(algo.strategy_id), algo.symbol, algo.side,
            decision.quantity, "MARKET" if limit is None else "LIMIT", limit_price=limit,
            strategy_id=algo.strategy_id, tags=(ALGO_TAG + algo.parent_id,),
        )

    def _retire(self) -> None:
        if any(not a.is_active for a in self.working):
            self.working[:] = [a for a in self.working if a.is_active]


__all__ = ["ALGO_TAG", "AlgoRuntime"]
