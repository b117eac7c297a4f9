"""The order path shared by every mode, and the portfolio view a strategy and the risk check see.

strategy -> ``OrderManager.submit`` (NEW) -> pre-trade check (DENIED, with the check's reason)
-> ``mark_submitted`` (SUBMITTED) -> broker (ACCEPTED or REJECTED) -> fills ->
``Ledger.apply_fill`` -> ``on_fill``. Every transition reaches the strategy's ``on_order``, in
order, after the call that caused it returns (no re-entrant callbacks). Sizing orders
(value, percent, target) wait here until the broker releases them with a price.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any

from signaltrust.backtest.event.fast_path import fill_at_once, fill_recorded
from signaltrust.backtest.event.models import FeeModel, SlippageModel
from signaltrust.backtest.event.results import fill_reason
from signaltrust.backtest.nb import layout
from signaltrust.core.orders import Fill, Order, OrderEvent, OrderSide, TimeInForce
from signaltrust.execution import Ledger, OrderManager
from signaltrust.execution.manager import utc_timestamp
from signaltrust.risk.hook import AllowAll, PreTradeCheck
from signaltrust.strategy.api import SizingIntent, Strategy

_ZERO = Decimal(0)
_INF = float("inf")
_SIDE = {"BUY": OrderSide.BUY, "SELL": OrderSide.SELL}
_TIF = {t.value: t for t in TimeInForce}
#: an allotment (cash to spend incl. fees, capped by buying power) of at most this share of
#: equity is float noise, not an order (the vectorized engine's ``layout.MIN_ORDER_SHARE``)
_DUST = layout.MIN_ORDER_SHARE
_TARGETS = ("target_units", "target_weight")


_ts = utc_timestamp  # one Timestamp per distinct time: an order's events share it


def _overrides(strategy: Any, hook: str) -> bool:
    """True when ``strategy`` replaces the no-op ``Strategy`` hook (on its class or itself)."""
    if not isinstance(strategy, Strategy) or hook in getattr(strategy, "__dict__", {}):
        return True
    return getattr(type(strategy), hook) is not getattr(Strategy, hook)


class Portfolio:
    """Cash, equity and positions as floats, read from the exact ledger after every fill."""

    def __init__(self, ledger: Ledger, symbols: tuple[str, ...], last: list[float]) -> None:
        self.ledger = ledger
        self.symbols = symbols
        self._slot = {s: i for i, s in enumerate(symbols)}
        self.qty = [0.0] * len(symbols)
        self.last = last  # shared with the market data: latest price per symbol
        self.cash_f = float(ledger.cash())
        self.leverage = float(ledger.leverage)

    @property
    def cash(self) -> float:
        return self.cash_f

    @property
    def equity(self) -> float:
        qty = self.qty
        if len(qty) == 1:
            q = qty[0]
            return self.cash_f + q * self.last[0] if q else self.cash_f
        total = self.cash_f
        for q, p in zip(qty, self.last):  # noqa: B905 - one entry per symbol in both
            if q:
                total += q * p
        return total

    @property
    def gross_exposure(self) -> float:
        total = 0.0
        for q, p in zip(self.qty, self.last):  # noqa: B905 - one entry per symbol in both
            if q:
                total += abs(q) * p
        return total

    def position(self, symbol: str) -> float:
        return self.qty[self._slot[symbol]] if symbol in self._slot else 0.0

    def positions(self) -> dict[str, float]:
        return {s: q for s, q in zip(self.symbols, self.qty, strict=True) if q}

    def price(self, symbol: str) -> float:
        return self.last[self._slot[symbol]] if symbol in self._slot else float("nan")


class OrderRouter:
    """Routes a strategy's orders through the manager, the risk check and the broker."""

    def __init__(
        self,
        manager: OrderManager,
        ledger: Ledger,
        portfolio: Portfolio,
        clock: Any,
        *,
        check: PreTradeCheck | None = None,
        currency: str = "USD",
        fees: FeeModel,
        slippage: SlippageModel,
        recorder: Any = None,
    ) -> None:
        self.manager = manager
        self.ledger = ledger
        self.portfolio = portfolio
        self.clock = clock
        self.check = check if check is not None else AllowAll()
        self.currency = currency
        self.fees = fees
        self.slippage = slippage
        self.recorder = recorder
        self._record = recorder.add if recorder is not None else None  # a row per fill
        self.broker: Any = None
        self.strategy: Any = None
        self.ctx: Any = None
        self.intents: list[list[SizingIntent]] = [[] for _ in portfolio.symbols]
        self.pending = 0  # number of intents waiting for release
        self._slot = {s: i for i, s in enumerate(portfolio.symbols)}
        self._queue: deque[Any] = deque()
        self._draining = False
        self._fill_seq = 0
        # (strategy id, symbol, tags) whose market orders were built once through the
        # validating constructor: later ones take Order.market
        self._valid: set[tuple[str, str, tuple[str, ...]]] = set()
        self._listen = self._queue.append
        manager.add_listener(self._listen)
        self._fills_wanted = True
        self._fuse = False  # sizing orders may take fast_path.fill_at_once (set by attach)
        self.ts = _ts

    def attach(self, strategy: Any, ctx: Any, broker: Any) -> None:
        self.strategy, self.ctx, self.broker = strategy, ctx, broker
        # a hook the strategy does not override is a no-op: its events are still built and
        # logged (manager.events, other listeners), just not queued for a call that does nothing
        if not _overrides(strategy, "on_order"):
            self.manager.remove_listener(self._listen)
        self._fills_wanted = _overrides(strategy, "on_fill")
        self._fuse = getattr(broker, "fills_at_once", None) is not None

    # -- strategy side (OrderRouting) --------------------------------------------------------
    def next_id(self, strategy_id: str) -> str:
        return self.manager.next_client_order_id(strategy_id)

    def submit(self, order: Order) -> str:
        self.manager.submit(order, _ts(self.clock.now_ns))
        self._route(order)
        self.drain()
        return order.client_order_id

    def submit_bracket(
        self, entry: Order, stop_loss: Order | None, take_profit: Order | None
    ) -> str:
        self.manager.bracket(entry, stop_loss, take_profit, _ts(self.clock.now_ns))
        self._route(entry)
        self.drain()
        return entry.client_order_id

    def defer(self, intent: SizingIntent) -> str:
        self.intents[self._slot[intent.symbol]].append(intent)
        self.pending += 1
        return intent.client_order_id

    def cancel(self, client_order_id: str) -> None:
        for queue in self.intents:
            for intent in queue:
                if intent.client_order_id == client_order_id:
                    queue.remove(intent)
                    self.pending -= 1
                    return
        order = self.manager.get(client_order_id)
        self.manager.cancel(client_order_id, _ts(self.clock.now_ns), "canceled by the strategy")
        self.broker.cancel(order, self.clock.now_ns)
        self.drain()

    def link_oco(self, client_order_ids: tuple[str, ...]) -> str:
        return self.manager.link_oco([self.manager.get(i) for i in client_order_ids])

    def get(self, client_order_id: str) -> Order:
        return self.manager.get(client_order_id)

    def is_pending(self, client_order_id: str) -> bool:
        return any(i.client_order_id == client_order_id for q in self.intents for i in q)

    def open_orders(self, symbol: str | None) -> list[Order]:
        return self.manager.open_orders(symbol)

    # -- the path -------------------------------------------------------------------------
    def _route(self, order: Order) -> None:
        ts = _ts(self.clock.now_ns)
        verdict = self.check.check(order, self.portfolio)
        if not verdict.allowed:
            self.manager.deny(order.client_order_id, verdict.reason or verdict.check, ts)
            return
        self.manager.mark_submitted(order.client_order_id, ts)
        self.broker.submit(order, self.clock.now_ns)

    def drain(self) -> None:
        """Deliver queued order events and fills to the strategy, in order."""
        if self._draining or self.strategy is None:
            return
        self._draining = True
        try:
            queue, strategy, ctx = self._queue, self.strategy, self.ctx
            while queue:
                item = queue.popleft()
                if isinstance(item, OrderEvent):
                    strategy.on_order(ctx, item)
                else:
                    strategy.on_fill(ctx, item)
        finally:
            self._draining = False

    # -- broker side ------------------------------------------------------------------------
    def accepted(self, order: Order) -> None:
        self.manager.accept(order.client_order_id, _ts(self.clock.now_ns))

    def rejected(self, order: Order, reason: str) -> None:
        self.manager.reject(order.client_order_id, reason, _ts(self.clock.now_ns))

    def expired(self, order: Order, reason: str) -> None:
        self.manager.expire(order.client_order_id, _ts(self.clock.now_ns), reason)

    def match_attempted(self, order: Order) -> None:
        """After an IOC/FOK order's first matching attempt: its unfilled rest is canceled."""
        self.manager.after_match_attempt(order.client_order_id, _ts(self.clock.now_ns))

    def filled(self, order: Order, quantity: Decimal, price: float, slot: int, bar: int) -> None:
        """Book a fill of ``quantity`` at ``price``: manager, ledger, portfolio, record, events."""
        fee = self.fees.fee(float(quantity) * price)
        self._fill_seq += 1
        fill_id, ts = f"F-{self._fill_seq}", _ts(self.clock.now_ns)
        if type(price) is float and 0.0 < price < _INF and type(fee) is float and 0.0 <= fee < _INF:
            # the venue's own fill of an order it holds: every field is already valid
            fill = Fill.trusted(
                fill_id,
                order.client_order_id,
                order.symbol,
                order.side,
                quantity,
                Decimal(repr(price)),
                Decimal(repr(fee)) if fee else _ZERO,
                self.currency,
                ts,
                order.strategy_id,
            )
        else:  # a model gave something unusual (an int, a negative fee): validate it
            fill = Fill(
                fill_id,
                order.client_order_id,
                order.symbol,
                order.side,
                quantity,
                price,
                fee=fee,
                currency=self.currency,
                timestamp=ts,
                strategy_id=order.strategy_id,
            )
        self.manager.apply_fill(fill)
        self.book(order, fill, float(quantity), price, slot, bar)
        if self.manager._released:
            for released in self.manager.take_released():
                self._route(released)

    def book(
        self, order: Order, fill: Fill, units: float, price: float, slot: int, bar: int
    ) -> None:
        """After the manager applied ``fill``: ledger, portfolio, record, the strategy's queue."""
        cash, quantity = self.ledger.book_trusted(fill)
        side = 1.0 if order.side is OrderSide.BUY else -1.0
        fee = float(fill.fee)
        self.booked(slot, bar, side, units, price, fee, fill_reason(order), cash, quantity)
        if self._fills_wanted:
            self._queue.append(fill)

    def booked(
        self,
        slot: int,
        bar: int,
        side: float,
        units: float,
        price: float,
        fee: float,
        reason: int,
        cash: Decimal,
        quantity: Decimal,
    ) -> None:
        """After the ledger booked a fill: the portfolio's floats (read from the exact ledger:
        ``cash`` and the symbol's net ``quantity`` after it) and the record."""
        pf = self.portfolio
        pf.cash_f = cash_f = float(cash)
        pf.qty[slot] = after = float(quantity)
        if self._record is not None:
            self._record((bar, slot, side, units, price, fee, reason, after, cash_f))

    def deferrable(self) -> bool:
        """True when a fused order may be kept as its fields (``fast_path.fill_recorded``):
        nobody listens for order events or fills and every order passes the risk check."""
        return (
            not self.manager._listeners
            and not self._fills_wanted
            and type(self.check) is AllowAll
        )

    # -- sizing at release ----------------------------------------------------------------
    def release(self, slot: int, reducing: bool, volume: float, bar: int | None = None) -> None:
        """Turn the sizing orders of ``slot`` into orders at the current price.

        ``reducing=True`` sends the target orders that shrink the position (a target across
        zero closes it first); ``False`` sends the rest, sized with the equity after them.
        With ``bar`` (the venue fills market orders at this price now), a lone sizing order
        on a symbol without working orders takes the fused path (:mod:`.fast_path`).
        """
        queue = self.intents[slot]
        if not queue:
            return
        fuse = (
            bar
            if bar is not None
            and self._fuse
            and len(queue) == 1
            and self.broker.fills_at_once(slot)
            else None
        )
        keep: list[SizingIntent] = []
        for intent in queue:
            done = self._release_one(intent, slot, reducing, volume, fuse)
            if not done:
                keep.append(intent)
        self.pending -= len(queue) - len(keep)
        self.intents[slot] = keep

    def release_at_once(self, slot: int, volume: float, bar: int) -> None:
        """:meth:`release` (both passes) of the lone sizing order of ``slot``, which the venue
        fills at once (the caller checked: one intent, ``broker.fills_at_once(slot)``)."""
        queue = self.intents[slot]
        intent = queue[0]
        if (  # only target orders have a reducing part (the others wait in that pass)
            intent.kind in _TARGETS and self._release_one(intent, slot, True, volume, bar)
        ) or self._release_one(intent, slot, False, volume, bar):
            queue.clear()
            self.pending -= 1

    def _release_one(
        self, intent: SizingIntent, slot: int, reducing: bool, volume: float, fuse: int | None
    ) -> bool:
        pf = self.portfolio
        price = pf.last[slot]
        if price != price:
            return False  # no price yet: wait for the symbol's next bar
        position = pf.qty[slot]
        kind = intent.kind
        if kind in _TARGETS:
            equity = pf.equity
            target = intent.amount if kind == "target_units" else intent.amount * equity / price
            crosses = position != 0.0 and (target == 0.0 or (target > 0.0) != (position > 0.0))
            if reducing:
                if position == 0.0:
                    return False
                if crosses:
                    exact = self.ledger.quantity(intent.symbol)
                    self._send(
                        intent, "SELL" if position > 0 else "BUY", abs(exact), slot, volume, fuse
                    )
                    return target == 0.0
                if abs(target) < abs(position):
                    units = abs(position) - abs(target)
                    if units * price > 1e-9 * abs(equity):
                        self._send(
                            intent, "SELL" if position > 0 else "BUY", units, slot, volume, fuse
                        )
                    return True
                return False
            delta = target - position
            if delta == 0.0 or abs(delta) * price <= 1e-9 * abs(equity) or not equity > 0.0:
                return True
            side = 1 if delta > 0 else -1
            units = abs(delta)
            fill_price = self.slippage.price(price, side, 0.0, volume)
            room = pf.leverage * equity - pf.gross_exposure
            cost = units * fill_price + self.fees.fee(units * fill_price)
            if cost > room:
                if room <= _DUST * equity:  # buying power used up but float noise: no order
                    return True
                units = self.fees.units_for_cash(room, fill_price)
            if units > 0.0:
                self._send(intent, "BUY" if side > 0 else "SELL", units, slot, volume, fuse)
            return True
        if reducing:
            return False
        side = 1 if intent.amount > 0 else -1
        fill_price = self.slippage.price(price, side, 0.0, volume)
        equity = pf.equity
        room = pf.leverage * equity - pf.gross_exposure
        if not equity > 0.0 or not room > 0.0:
            return True
        alloc = min(abs(intent.amount) * equity if kind == "percent" else abs(intent.amount), room)
        if alloc <= _DUST * equity:  # float noise of an account already all in: no order
            return True
        units = self.fees.units_for_cash(alloc, fill_price)
        if units > 0.0:
            self._send(intent, "BUY" if side > 0 else "SELL", units, slot, volume, fuse)
        return True

    def _send(
        self,
        intent: SizingIntent,
        side: str,
        units: float | Decimal,
        slot: int,
        volume: float,
        fuse: int | None,
    ) -> None:
        cid = intent.client_order_id
        if cid in self.manager:  # a target across zero: the opening part gets its own id
            cid = self.manager.next_client_order_id(intent.strategy_id)
        tif = _TIF.get(intent.time_in_force)
        key = (intent.strategy_id, intent.symbol, intent.tags)
        if (
            tif is not None
            and key in self._valid
            and (type(units) is Decimal or (type(units) is float and 0.0 < units < _INF))
        ):
            quantity = units if type(units) is Decimal else Decimal(repr(units))
            if fuse is not None and self.deferrable():  # cid is fresh (checked above)
                fill_recorded(
                    self,
                    cid,
                    intent.symbol,
                    _SIDE[side],
                    quantity,
                    units if type(units) is float else float(quantity),
                    tif,
                    intent.strategy_id,
                    intent.tags,
                    slot,
                    fuse,
                    volume,
                )
                return
            order = Order.market(
                cid, intent.symbol, _SIDE[side], quantity, tif, intent.strategy_id, intent.tags
            )
        else:  # the first order of this strategy and symbol, or an odd value: validate it all
            order = Order(
                cid,
                intent.symbol,
                side,
                units,
                "MARKET",
                time_in_force=intent.time_in_force,
                strategy_id=intent.strategy_id,
                tags=intent.tags,
            )
            self._valid.add(key)
        if fuse is not None:  # cid is fresh (checked above)
            fill_at_once(self, order, slot, fuse, volume)
            return
        self.manager.submit(order, _ts(self.clock.now_ns))
        self._route(order)
