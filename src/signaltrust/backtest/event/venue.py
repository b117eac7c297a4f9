"""The broker interface and the simulated venue that fills orders against bars.

Fill rules (DESIGN.md "Time, bars and fills"): a market order fills at the next bar's open
plus slippage (or at the bar's close with ``fill_at="close"``); limit, stop, stop-limit and
trailing-stop orders fill within a bar when its range touches them, at their price, or at the
open when the bar gaps through it (the worse price for a stop). Within one bar: fills at the
open first, then triggered stops (adverse first), then limits; a fill of one bracket exit
cancels the other. Stops fill with slippage, limits at their price. A volume participation cap
fills an order partly; the rest keeps working per its time in force (IOC/FOK cancel it).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal
from typing import Any

from signaltrust.backtest.event.models import (
    FeeModel,
    FixedLatency,
    FixedSlippage,
    LatencyModel,
    PercentFee,
    SlippageModel,
    VolumeParticipation,
)
from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Order, OrderSide, OrderStatus, OrderType, TimeInForce

_DAY_NS = 86_400_000_000_000
_STOPS = (OrderType.STOP, OrderType.TRAILING_STOP)
_DONE = (
    OrderStatus.FILLED,
    OrderStatus.CANCELED,
    OrderStatus.EXPIRED,
    OrderStatus.REJECTED,
    OrderStatus.DENIED,
)


def _path_key(order: Order) -> float:
    """Order along the price path: of two sell stops the higher is hit first as prices fall,
    of two sell limits the lower as they rise (mirrored for buys)."""
    if order.order_type is OrderType.LIMIT:
        price = float(order.limit_price)
        return price if order.side is OrderSide.SELL else -price
    price = float(order.stop_price) if order.stop_price is not None else 0.0
    return -price if order.side is OrderSide.SELL else price


class Broker(ABC):
    """Where orders go after the risk check: the simulated venue, a paper or a real broker."""

    @abstractmethod
    def submit(self, order: Order, now_ns: int) -> None:
        """Take an order (SUBMITTED); acknowledge or reject it through the router."""

    @abstractmethod
    def cancel(self, order: Order, now_ns: int) -> None:
        """Stop working an order the manager has canceled."""


class SimulatedVenue(Broker):
    """Fills orders against bars with pluggable fee, slippage, latency and participation models."""

    def __init__(
        self,
        *,
        fees: FeeModel | None = None,
        slippage: SlippageModel | None = None,
        latency: LatencyModel | None = None,
        participation: float | None = None,
        fill_at: str = "next_open",
    ) -> None:
        if fill_at not in ("next_open", "close"):
            raise ValidationError(
                "unknown fill_at",
                field="fill_at",
                value=fill_at,
                fix="use 'next_open' (default) or 'close'",
            )
        self.fees = fees if fees is not None else PercentFee()
        self.slippage = slippage if slippage is not None else FixedSlippage()
        self.latency = latency if latency is not None else FixedLatency()
        self.participation = VolumeParticipation(participation)
        self._capped = participation is not None
        self.fill_at = fill_at
        self.router: Any = None
        self.book: list[list[Order]] = []
        self.working = 0  # orders in the book (all symbols)
        self._active: dict[str, int] = {}
        self._session: dict[str, int] = {}
        self._triggered: set[str] = set()
        self._used: list[float] = []
        self._used_bar: list[int] = []
        self._seq: dict[str, int] = {}
        self._trade: dict[int, tuple[int, float]] = {}  # slot -> (time, price) of last fill

    def bind(self, router: Any, n_symbols: int) -> None:
        self.router = router
        self.book = [[] for _ in range(n_symbols)]
        self._used = [0.0] * n_symbols
        self._used_bar = [-1] * n_symbols
        self._slot = {s: i for i, s in enumerate(router.portfolio.symbols)}

    # -- broker interface -------------------------------------------------------------------
    def submit(self, order: Order, now_ns: int) -> None:
        slot = self._slot.get(order.symbol)
        if slot is None:
            self.router.rejected(order, f"unknown symbol {order.symbol}")
            return
        self.router.accepted(order)
        self.book[slot].append(order)
        self.working += 1
        self._active[order.client_order_id] = now_ns + self.latency.delay_ns(order)
        self._seq[order.client_order_id] = len(self._seq)
        if order.order_type is OrderType.TRAILING_STOP and order.stop_price is None:
            # trail from the latest trade: a fill at this very time (e.g. the entry it
            # protects), else the latest bar price
            traded = self._trade.get(slot)
            last = traded[1] if traded and traded[0] == now_ns else self.router.portfolio.last[slot]
            if last == last:
                self.router.manager.update_trailing_stop(order.client_order_id, last)

    def fills_at_once(self, slot: int) -> bool:
        """True when a market order of ``slot`` sent now fills whole at once at the price of
        the moment: no participation cap, no latency and no other order working on the symbol
        (so none may fill before it)."""
        latency = self.latency
        return (
            not self.book[slot]
            and not self._capped
            and type(latency) is FixedLatency
            and int(latency.ns) == 0
        )

    def cancel(self, order: Order, now_ns: int) -> None:
        self._prune(self._slot[order.symbol])

    def _prune(self, slot: int) -> None:
        before = len(self.book[slot])
        self.book[slot] = [o for o in self.book[slot] if o.status not in _DONE]
        self.working -= before - len(self.book[slot])

    # -- helpers ----------------------------------------------------------------------------
    def new_bar(self, slot: int, ts_ns: int, bar: int) -> None:
        """A new bar of ``slot`` starts: expire its DAY orders of past sessions."""
        if not self.book[slot]:
            return
        day = ts_ns // _DAY_NS
        for order in self.book[slot]:
            if order.time_in_force is not TimeInForce.DAY or order.status in _DONE:
                continue
            if self._active[order.client_order_id] > ts_ns:
                continue
            first = self._session.setdefault(order.client_order_id, day)
            if first != day:
                self.router.expired(order, "DAY order expired at session end")
        self._prune(slot)

    def _capacity(self, slot: int, volume: float, bar: int) -> float:
        if self._used_bar[slot] != bar:  # a new bar: its whole volume is available
            self._used_bar[slot] = bar
            self._used[slot] = 0.0
        return self.participation.capacity(volume) - self._used[slot]

    def _fill(
        self, order: Order, slot: int, bar: int, price: float, volume: float, market: bool
    ) -> None:
        remaining = order.remaining_quantity
        quantity = remaining
        if self._capped:  # a volume participation cap: fill what this bar has room for
            room = self._capacity(slot, volume, bar)
            if order.time_in_force is TimeInForce.FOK and float(remaining) > room:
                return  # the match attempt cancels it
            if room < float(remaining):
                if room <= 0.0:
                    return
                quantity = min(remaining, Decimal(repr(room)))
        if market:
            side = 1 if order.side is OrderSide.BUY else -1
            price = self.slippage.price(price, side, float(quantity), volume)
        if self._capped:
            self._used[slot] += float(quantity)
        self._trade[slot] = (self.router.clock.now_ns, price)
        self.router.filled(order, quantity, price, slot, bar)

    # -- market orders ----------------------------------------------------------------------
    def match_market(
        self, slot: int, bar: int, price: float, volume: float, now_ns: int, reducing: bool
    ) -> None:
        """Fill working market orders of ``slot`` at ``price`` (+ slippage): the reducing ones
        (side against the position) when ``reducing``, else all that remain."""
        if not self.book[slot]:
            return
        position = self.router.portfolio.qty[slot]
        for order in list(self.book[slot]):
            if order.order_type is not OrderType.MARKET or order.status in _DONE:
                continue
            if self._active[order.client_order_id] > now_ns:
                continue
            if reducing:
                against = position < 0 if order.side is OrderSide.BUY else position > 0
                if not against:
                    continue
            self._fill(order, slot, bar, price, volume, True)
            position = self.router.portfolio.qty[slot]
            if order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
                self.router.match_attempted(order)
        self._prune(slot)

    # -- orders with a price ----------------------------------------------------------------
    def _trigger(self, order: Order, o: float, h: float, lo: float) -> tuple[int, float] | None:
        """(rank, price) when this bar fills ``order``: rank 0 at the open, 1 stop, 2 limit."""
        buy = order.side is OrderSide.BUY
        kind = order.order_type
        if kind is OrderType.LIMIT or (
            kind is OrderType.STOP_LIMIT and order.client_order_id in self._triggered
        ):
            lp = float(order.limit_price)
            if (o <= lp) if buy else (o >= lp):
                return 0, o
            if (lo <= lp) if buy else (h >= lp):
                return 2, lp
            return None
        sp = float(order.stop_price) if order.stop_price is not None else None
        if sp is None:
            return None
        if (o >= sp) if buy else (o <= sp):
            at_open = True
        elif (h >= sp) if buy else (lo <= sp):
            at_open = False
        else:
            return None
        if kind in _STOPS:
            return (0, o) if at_open else (1, sp)
        # stop-limit: the stop turned it into a limit order
        self._triggered.add(order.client_order_id)
        lp = float(order.limit_price)
        if at_open and ((o <= lp) if buy else (o >= lp)):
            return 0, o
        if lo <= lp <= h:
            return 1, lp
        return None

    def match_range(
        self, slot: int, bar: int, o: float, h: float, lo: float, volume: float, now_ns: int
    ) -> None:
        """Fill the priced orders of ``slot`` that this bar's range touches (adverse first)."""
        if not self.book[slot]:
            return
        manager = self.router.manager
        hits: list[tuple[int, int, Order, float]] = []
        tried: list[Order] = []
        for order in self.book[slot]:
            if order.order_type is OrderType.MARKET or order.status in _DONE:
                continue
            if self._active[order.client_order_id] > now_ns:
                continue
            if order.order_type is OrderType.TRAILING_STOP:
                manager.update_trailing_stop(order.client_order_id, o)
            tried.append(order)
            hit = self._trigger(order, o, h, lo)
            if hit is not None:
                hits.append(
                    (hit[0], _path_key(order), self._seq[order.client_order_id], order, hit[1])
                )
        hits.sort(key=lambda item: (item[0], item[1], item[2]))
        for rank, _, _, order, price in hits:
            if order.status in _DONE:
                continue  # e.g. canceled by its OCO sibling's fill
            self._fill(
                order, slot, bar, price, volume, market=rank < 2 and order.order_type in _STOPS
            )
        for order in tried:
            if order.status in _DONE:
                continue
            if order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
                self.router.match_attempted(order)
            elif order.order_type is OrderType.TRAILING_STOP:
                manager.update_trailing_stop(
                    order.client_order_id, h if order.side is OrderSide.SELL else lo
                )
        self._prune(slot)
