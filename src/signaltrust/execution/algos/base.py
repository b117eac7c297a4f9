"""The parent order of an execution algorithm: a deterministic state machine over child orders.

An :class:`ExecutionAlgorithm` never sends anything itself. Its runtime (the trading core's
``signaltrust.trading.algos``) hands it what the market did (:meth:`observe` a
:class:`MarketView`), asks what to do (:meth:`decide`: :class:`Submit` or :class:`Cancel`
instructions), sends those through the core's normal order path (the pre-trade check, then the
broker) and tells it what became of each child (:meth:`child_sent`, :meth:`child_update`).
The same inputs in the same order give the same instructions: no clock is read, nothing random.

Each step it compares what is due by now (the subclass's schedule: TWAP and VWAP slices,
POV's share of the volume seen, an iceberg's whole quantity) with what filled, and works at
most one child at a time:

- **taker** mode: a market child for what is due (a limit child at ``limit`` when one is set);
- **maker** mode: a limit child pegged to the touch (:class:`~.pricing.Peg`), canceled and sent
  again when the market moves away from it or when more became due than it shows.

With ``book=BookSizing(...)`` and a view that carries the touch's sizes, children are sized
from the depth at the touch and priced from the book (:mod:`.book`); without book data the
option changes nothing.

When its window ends (``duration`` or ``bars``) resting children are canceled and the rest
goes as a market order (``finish="market"``, unless a ``limit`` is set) or is left
(``finish="cancel"``: EXPIRED). A child denied by the pre-trade check or rejected by the broker
stops the parent (STOPPED, with the reason); so does a child canceled by someone else (the kill
switch, an operator). Fills that arrive after a child ended still count. Its whole state is
plain data (:meth:`to_state`, :meth:`from_state`) and pickles.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.execution.algos.book import BookSizing
from signaltrust.execution.algos.pricing import Peg
from signaltrust.execution.algos.schedule import to_lots
from signaltrust.execution.algos.shortfall import AlgoReport, build_report

_ZERO = Decimal(0)
TERMINAL = frozenset({"FILLED", "CANCELED", "EXPIRED", "REJECTED", "DENIED"})
_OPEN = ("WORKING", "CANCELING")
_MODES = ("taker", "maker")
_FINISH = ("market", "cancel")


class MarketView(NamedTuple):
    """What the market did at one event, as the runtime saw it: the time, the latest price,
    the quote (NaN without one), the volume traded in this event (a completed bar's or a
    trade's; 0 when none) and whether it is a completed bar of the algorithm's symbol. With
    book data: the sizes resting at the bid and the ask, and VPIN (NaN when unknown)."""

    now_ns: int
    last: float
    bid: float = float("nan")
    ask: float = float("nan")
    volume: float = 0.0
    bar: bool = False
    bid_size: float = float("nan")
    ask_size: float = float("nan")
    vpin: float = float("nan")


class Submit(NamedTuple):
    """Send a child of ``quantity``: a market order, or a limit order at ``limit_price``."""

    quantity: Decimal
    limit_price: Decimal | None


class Cancel(NamedTuple):
    """Cancel the working child ``client_order_id``."""

    client_order_id: str


@dataclass
class Child:
    """One child order as the parent knows it; ``status`` WORKING, CANCELING or the order's
    final status; fills are the order's running totals."""

    client_order_id: str
    quantity: Decimal
    limit_price: Decimal | None
    sent_ns: int
    status: str = "WORKING"
    filled: Decimal = _ZERO
    notional: Decimal = _ZERO
    fees: Decimal = _ZERO

    @property
    def is_open(self) -> bool:
        return self.status in _OPEN

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled

    def to_state(self) -> list[Any]:
        return [self.client_order_id, str(self.quantity),
                None if self.limit_price is None else str(self.limit_price), self.sent_ns,
                self.status, str(self.filled), str(self.notional), str(self.fees)]

    @classmethod
    def from_state(cls, row: list[Any]) -> Child:
        cid, qty, limit, sent, status, filled, notional, fees = row
        return cls(cid, Decimal(qty), None if limit is None else Decimal(limit), int(sent),
                   status, Decimal(filled), Decimal(notional), Decimal(fees))


def _decimal(value: Any, field: str) -> Decimal:
    try:
        out = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except Exception:  # noqa: BLE001 - any unparsable input is the same bad value
        out = Decimal("NaN")
    if not out.is_finite() or isinstance(value, bool):
        raise ValidationError(f"{field} must be a finite number", field=field, value=value,
                              fix=f"pass {field} as a number, e.g. {field}=100")
    return out


class ExecutionAlgorithm:
    """Base of TWAP, VWAP, iceberg and POV: a parent order worked through child orders.

    ``symbol``; signed ``quantity`` (+ buy, - sell); ``mode`` ``"taker"`` (market children) or
    ``"maker"`` (limit children at ``peg`` from the touch); ``limit``: a price never to pay
    more (buy) or receive less (sell) than; ``lot``: the quantity step (children are whole
    lots, the quantity is a multiple of it); ``min_child``: the smallest child worth sending
    (one lot by default; the last one may be smaller); ``finish``: what happens to the rest
    when the window ends (``"market"``: sent as a market order, ``"cancel"``: left, EXPIRED);
    ``book``: size and price children from the live book when the view carries it
    (:class:`~.book.BookSizing`; None: never).
    """

    algorithm: ClassVar[str] = ""
    needs_history: ClassVar[bool] = False
    #: replace a resting child that shows less than is due (False: refill only when it ends)
    grows: ClassVar[bool] = True

    def __init__(
        self,
        symbol: str,
        quantity: float | Decimal,
        *,
        mode: str = "taker",
        peg: Peg | None = None,
        limit: float | Decimal | None = None,
        lot: float | Decimal = 1,
        min_child: float | Decimal | None = None,
        finish: str = "market",
        book: BookSizing | None = None,
    ) -> None:
        if not isinstance(symbol, str) or not symbol or symbol.strip() != symbol:
            raise ValidationError("symbol must be a non-empty string", field="symbol",
                                  value=symbol, fix="pass the instrument's symbol, e.g. 'GOOG'")
        signed = _decimal(quantity, "quantity")
        if signed == 0:
            raise ValidationError("a parent order needs a quantity != 0", field="quantity",
                                  value=quantity, fix="pass + units to buy, - units to sell")
        if mode not in _MODES:
            raise ValidationError("unknown mode", field="mode", value=mode,
                                  fix="use mode='taker' (market orders) or 'maker' (limits)")
        if finish not in _FINISH:
            raise ValidationError("unknown finish", field="finish", value=finish,
                                  fix="use finish='market' or 'cancel'")
        if peg is not None and not isinstance(peg, Peg):
            raise ValidationError("peg must be a Peg", field="peg", value=peg,
                                  fix="pass peg=Peg(offset_bps=2)")
        self.symbol = symbol
        self.side = "BUY" if signed > 0 else "SELL"
        self.sign = 1 if signed > 0 else -1
        self.quantity = abs(signed)
        self.mode = mode
        self.peg = peg if peg is not None else Peg()
        self.limit = None if limit is None else _decimal(limit, "limit")
        if self.limit is not None and self.limit <= 0:
            raise ValidationError("limit must be > 0", field="limit", value=limit,
                                  fix="pass a positive price or None")
        self.lot = _decimal(lot, "lot")
        if self.lot <= 0:
            raise ValidationError("lot must be > 0", field="lot", value=lot,
                                  fix="pass the quantity step, e.g. lot=1 or lot='0.0001'")
        self.lots = to_lots(self.quantity, self.lot)
        self.min_child = self.lot if min_child is None else _decimal(min_child, "min_child")
        self.finish = finish
        if book is not None and not isinstance(book, BookSizing):
            raise ValidationError("book must be a BookSizing", field="book", value=book,
                                  fix="pass book=BookSizing() or leave it out")
        self.book = book
        # the running state (set by begin)
        self.parent_id = ""
        self.strategy_id = ""
        self.status = "NEW"
        self.reason: str | None = None
        self.start_ns = self.now_ns = 0
        self.end_ns: int | None = None  # when it ended
        self.arrival = self.last = float("nan")
        self.bid = self.ask = float("nan")
        self.bid_size = self.ask_size = self.vpin = float("nan")
        self.bars_seen = 0
        self.volume_seen = 0.0
        self.filled = self.notional = self.fees = _ZERO
        self.children: list[Child] = []
        self.denied = 0
        self.stopping: tuple[str, str] | None = None
        self.window_ns: int | None = None  # the window ends at this time ...
        self.window_bars: int | None = None  # ... or after this many bars

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.symbol!r}, {self.sign * self.quantity}, "
                f"mode={self.mode!r}, status={self.status})")

    # -- the subclass's schedule --------------------------------------------------------------
    def plan(self, history: Any = None) -> None:
        """Fix the schedule at the start (``history``: bars known then, for VWAP)."""

    def due_lots(self) -> int:
        """Lots that should have been worked by now (cumulative, at most ``lots``)."""
        raise NotImplementedError

    def max_child(self) -> Decimal | None:
        """The most a child may show (None: no cap)."""
        return None

    def next_due_ns(self) -> int | None:
        """The next moment the schedule changes by time alone (a live driver's timer)."""
        return None

    def spec(self) -> dict[str, Any]:
        """The constructor's arguments as plain data."""
        return {"symbol": self.symbol, "quantity": str(self.sign * self.quantity),
                "mode": self.mode, "peg": self.peg.to_state(),
                "limit": None if self.limit is None else str(self.limit), "lot": str(self.lot),
                "min_child": str(self.min_child), "finish": self.finish,
                "book": None if self.book is None else self.book.to_state()}

    def plan_state(self) -> dict[str, Any]:
        return {}

    def load_plan(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`plan` computed (from :meth:`plan_state`)."""

    # -- the runtime's calls ------------------------------------------------------------------
    def begin(self, parent_id: str, strategy_id: str, view: MarketView,
              history: Any = None) -> None:
        """Start working at ``view.now_ns``; the arrival price is the mid quote, else the
        latest price (ValidationError when there is neither)."""
        if self.status != "NEW":
            raise ValidationError("this parent order was already started", field="algo",
                                  value=repr(self), fix="construct a new algorithm object")
        bid, ask = view.bid, view.ask
        arrival = (bid + ask) / 2.0 if bid == bid and ask == ask and 0 < bid <= ask else view.last
        if not arrival == arrival or arrival <= 0.0:
            raise ValidationError(
                f"no price of {self.symbol} yet to measure the arrival price against",
                field="symbol", value=self.symbol,
                fix="start the algorithm after the first bar or quote of the symbol",
            )
        self.parent_id, self.strategy_id = parent_id, strategy_id
        self.start_ns = self.now_ns = int(view.now_ns)
        self.arrival = float(arrival)
        self.last, self.bid, self.ask = view.last, bid, ask
        self.bid_size, self.ask_size, self.vpin = view.bid_size, view.ask_size, view.vpin
        self.plan(history)
        self.status = "WORKING"

    def observe(self, view: MarketView) -> None:
        """What the market did at one event (each event once)."""
        if view.now_ns > self.now_ns:
            self.now_ns = int(view.now_ns)
        if view.bar:
            self.bars_seen += 1
        if view.volume == view.volume and view.volume > 0.0:
            self.volume_seen += float(view.volume)
        if view.last == view.last:
            self.last = view.last
        self.bid, self.ask = view.bid, view.ask
        self.bid_size, self.ask_size, self.vpin = view.bid_size, view.ask_size, view.vpin

    def cancel(self, reason: str = "canceled by the strategy") -> None:
        """Stop the parent: its working children are canceled at the next decision."""
        if self.status == "WORKING" and self.stopping is None:
            self.stopping = ("CANCELED", reason)

    def child_sent(self, client_order_id: str, instruction: Submit, now_ns: int) -> None:
        self.children.append(Child(client_order_id, instruction.quantity,
                                   instruction.limit_price, int(now_ns)))

    def child_canceling(self, client_order_id: str) -> None:
        child = self.child(client_order_id)
        if child.status == "WORKING":
            child.status = "CANCELING"

    def child_update(self, client_order_id: str, status: str, filled: Decimal,
                     notional: Decimal, fees: Decimal, reason: str | None = None) -> None:
        """The child's order now: its status and running fill totals (late fills included)."""
        child = self.child(client_order_id)
        self.filled += filled - child.filled
        self.notional += notional - child.notional
        self.fees += fees - child.fees
        child.filled, child.notional, child.fees = filled, notional, fees
        before = child.status
        if status in TERMINAL:
            child.status = status
        if before in _OPEN and status in ("DENIED", "REJECTED"):
            self.denied += status == "DENIED"
            self._stop(f"child {client_order_id} {status.lower()}: {reason or ''}")
        elif before == "WORKING" and status in ("CANCELED", "EXPIRED"):
            # ended by someone else (the kill switch, an operator, the venue): sending
            # more would work against them
            self._stop(f"child {client_order_id} {status.lower()} outside the algorithm"
                       + (f": {reason}" if reason else ""))

    def _stop(self, reason: str) -> None:
        if self.status == "WORKING" and self.stopping is None:
            self.stopping = ("STOPPED", reason)

    def child(self, client_order_id: str) -> Child:
        for child in reversed(self.children):
            if child.client_order_id == client_order_id:
                return child
        raise ValidationError("no such child order", field="client_order_id",
                              value=client_order_id, fix="pass an id this parent sent")

    def open_children(self) -> list[Child]:
        return [c for c in self.children if c.is_open]

    # -- the decision ---------------------------------------------------------------------------
    @property
    def window_over(self) -> bool:
        return (self.window_ns is not None and self.now_ns >= self.window_ns) or (
            self.window_bars is not None and self.bars_seen >= self.window_bars)

    def child_mode(self) -> str:
        """Taker or maker for the next child: ``mode``, or the book's choice (``book``)."""
        if self.book is None:
            return self.mode
        return self.book.mode(self.mode, self.bid, self.ask, self.vpin)

    def child_price(self) -> Decimal | None:
        """The limit price of a new child: the peg (maker), the opposite touch (taker with
        book data) or ``limit`` (taker), never beyond ``limit``."""
        mode = self.child_mode()
        if mode == "taker":
            if self._book_market(mode) is None:
                return self.limit
            touch = self.ask if self.sign > 0 else self.bid
            price: Decimal | None = Decimal(f"{touch:.10g}")
        else:
            price = self.peg.price(self.sign, self.bid, self.ask, self.last)
        if price is not None and self.limit is not None:
            price = min(price, self.limit) if self.sign > 0 else max(price, self.limit)
        return price

    def _book_market(self, mode: str) -> Any:
        """The touch a child in ``mode`` measures (a LiquiditySnapshot), None without book."""
        if self.book is None:
            return None
        return self.book.market(self.sign, mode, self.bid, self.ask, self.bid_size,
                                self.ask_size, self.vpin)

    def book_cap(self) -> Decimal | None:
        """The most the next child may be from the depth at the touch (None: no book)."""
        mode = self.child_mode()
        market = self._book_market(mode)
        if market is None or self.book is None:
            return None
        return self.book.policy.child_cap(market, self.lot)

    def decide(self) -> list[Submit | Cancel]:
        """What to do now: send one child, cancel one, or nothing (see the module doc)."""
        if self.status != "WORKING":
            return []
        open_ = self.open_children()
        if self.stopping is not None:
            if open_:
                return [Cancel(c.client_order_id) for c in open_ if c.status == "WORKING"]
            self._end(*self.stopping)
            return []
        remaining = self.quantity - self.filled
        if remaining <= 0 and not open_:
            self._end("FILLED", None)
            return []
        if self.window_over:
            return self._finish_window(open_, remaining)
        want = min(self.due_lots() * self.lot, self.quantity) - self.filled
        cap = self.max_child()
        if cap is not None:
            want = min(want, cap)
        depth_cap = self.book_cap()
        if depth_cap is not None:
            want = min(want, depth_cap)
        mode = self.child_mode()
        price = self.child_price()
        if mode == "maker" and price is None:
            return []  # nothing to peg to yet
        if open_:
            child = open_[0]
            if child.status == "CANCELING" or child.limit_price is None:
                return []  # a cancel on its way, or a market child still working
            stale = mode == "maker" and price is not None and self.peg.moved_away(
                self.sign, child.limit_price, price)
            if depth_cap is not None and mode == "taker":
                stale = price is not None and price != child.limit_price  # the touch moved
            short = self.grows and want > child.remaining
            return [Cancel(child.client_order_id)] if stale or short else []
        quantity = self._child_quantity(want, remaining)
        if quantity <= 0:
            return []
        return [Submit(quantity, price)]

    def _child_quantity(self, want: Decimal, remaining: Decimal) -> Decimal:
        if want >= remaining:
            return remaining
        quantity = (want // self.lot) * self.lot
        return quantity if quantity >= self.min_child else _ZERO

    def _finish_window(self, open_: list[Child], remaining: Decimal) -> list[Submit | Cancel]:
        resting = [c for c in open_ if c.limit_price is not None and c.status == "WORKING"]
        if resting:
            return [Cancel(c.client_order_id) for c in resting]
        if open_:
            return []  # market children and cancels on their way
        if self.finish == "market" and self.limit is None:
            return [Submit(remaining, None)]
        self._end("EXPIRED", f"the window ended with {remaining} unfilled")
        return []

    def _end(self, status: str, reason: str | None) -> None:
        self.status, self.reason, self.end_ns = status, reason, self.now_ns

    # -- reading ------------------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.status == "WORKING"

    def report(self) -> AlgoReport:
        """Arrival price, average fill, implementation shortfall, fees, children, duration."""
        return build_report(
            parent_id=self.parent_id, algorithm=self.algorithm, mode=self.mode,
            symbol=self.symbol, side=self.side, quantity=self.quantity, filled=self.filled,
            notional=self.notional, fees=self.fees, status=self.status, reason=self.reason,
            arrival=self.arrival, last=self.last, children=len(self.children),
            denied=self.denied, start_ns=self.start_ns, end_ns=self.end_ns,
            now_ns=self.now_ns,
        )

    # -- state as plain data ----------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """Everything needed to continue exactly where it stands, as JSON-ready data."""
        return {
            "algorithm": self.algorithm, "spec": self.spec(),
            "state": {
                "parent_id": self.parent_id, "strategy_id": self.strategy_id,
                "status": self.status, "reason": self.reason, "start_ns": self.start_ns,
                "now_ns": self.now_ns, "end_ns": self.end_ns, "arrival": _f(self.arrival),
                "last": _f(self.last), "bid": _f(self.bid), "ask": _f(self.ask),
                "bid_size": _f(self.bid_size), "ask_size": _f(self.ask_size),
                "vpin": _f(self.vpin),
                "bars_seen": self.bars_seen, "volume_seen": self.volume_seen,
                "filled": str(self.filled), "notional": str(self.notional),
                "fees": str(self.fees), "denied": self.denied,
                "stopping": None if self.stopping is None else list(self.stopping),
                "window_ns": self.window_ns, "window_bars": self.window_bars,
                "children": [c.to_state() for c in self.children],
                "plan": self.plan_state(),
            },
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> ExecutionAlgorithm:
        """A new algorithm from :meth:`spec`'s plain data."""
        args = dict(spec)
        args["peg"] = Peg.from_state(args["peg"])
        if args.get("book") is not None:
            args["book"] = BookSizing.from_state(args["book"])
        args["quantity"] = Decimal(args["quantity"])
        return cls(**args)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ExecutionAlgorithm:
        """The algorithm :meth:`to_state` described, continuing where it stood."""
        if state.get("algorithm") != cls.algorithm:
            raise ValidationError(
                f"this state is of {state.get('algorithm')!r}, not {cls.algorithm!r}",
                field="algorithm", value=state.get("algorithm"),
                fix="use signaltrust.execution.algos.algorithm_from_state(state)",
            )
        algo = cls.from_spec(state["spec"])
        algo.load_state(state["state"])
        return algo

    def load_state(self, state: dict[str, Any]) -> None:
        """Take over the running state of :meth:`to_state` (``state["state"]``)."""
        s = state
        self.parent_id, self.strategy_id = s["parent_id"], s["strategy_id"]
        self.status, self.reason = s["status"], s["reason"]
        self.start_ns, self.now_ns, self.end_ns = s["start_ns"], s["now_ns"], s["end_ns"]
        self.arrival, self.last = _nan(s["arrival"]), _nan(s["last"])
        self.bid, self.ask = _nan(s["bid"]), _nan(s["ask"])
        self.bid_size, self.ask_size = _nan(s.get("bid_size")), _nan(s.get("ask_size"))
        self.vpin = _nan(s.get("vpin"))
        self.bars_seen, self.volume_seen = int(s["bars_seen"]), float(s["volume_seen"])
        self.filled, self.notional = Decimal(s["filled"]), Decimal(s["notional"])
        self.fees, self.denied = Decimal(s["fees"]), int(s["denied"])
        self.stopping = None if s["stopping"] is None else tuple(s["stopping"])  # type: ignore[assignment]
        self.window_ns, self.window_bars = s["window_ns"], s["window_bars"]
        self.children = [Child.from_state(row) for row in s["children"]]
        self.load_plan(s["plan"])


def _f(value: float) -> float | None:
    return value if value == value else None


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def duration_ns(value: Any, field: str = "duration") -> int:
    """A positive duration (``"30min"``, a Timedelta, nanoseconds) in nanoseconds."""
    try:
        ns = int(value) if isinstance(value, int) and not isinstance(value, bool) else int(
            pd.Timedelta(value).value)
    except (TypeError, ValueError):
        ns = -1
    if ns <= 0:
        raise ValidationError(f"{field} must be a positive duration", field=field, value=value,
                              fix=f"pass e.g. {field}='2h' or a pandas Timedelta")
    return ns


__all__ = ["TERMINAL", "Cancel", "Child", "ExecutionAlgorithm", "MarketView", "Submit",
           "duration_ns"]
