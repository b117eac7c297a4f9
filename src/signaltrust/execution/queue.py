"""Queue position of a resting limit order, estimated from L2 book updates and trades.

A limit order that rests at a price joins the back of the queue there: the size the book
displays at that price when it arrives is **ahead** of it, and whatever arrives later is
**behind** it. It fills only from volume traded at its price beyond the queue ahead (the
surplus fills it, partly or whole), or from a trade *through* its price (a buy's level was
swept: a print below it), which fills it up to the print's size.

L2 data says how the size at a level changed, not whose orders left, so the model splits each
change the standard way (as the queue models of hftbacktest and the "queue-reactive" /
probabilistic literature do):

- volume traded at the price takes the queue ahead first (first in, first out);
- size added to the level joins behind the order;
- size that left the level without a trade (cancellations) is split by
  :class:`QueueModel` ``cancels``: ``"behind"`` (the conservative model: cancels come from
  behind the order first and advance it only when the level shrinks below the queue ahead) or
  ``"pro_rata"`` (the probabilistic model: a cancel is ahead of the order with probability
  ``ahead^p / (ahead^p + behind^p)``, ``p = power``; ``p = 1`` is proportional to the sizes).

Throughout, ``ahead + behind`` equals the size the book displays at the price (the market's
orders: the simulated order itself is never in the recorded book). Quantities are floats in
the instrument's units; the order's own fills are the caller's business
(:meth:`QueuePosition.on_trade` returns how much the trade filled).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from signaltrust.core.book import BookUpdate, OrderBook, Side, Trade
from signaltrust.core.errors import ValidationError

_CANCELS = ("behind", "pro_rata")


def _size(name: str, value: float) -> float:
    value = float(value)
    if not value >= 0.0 or value == float("inf"):
        raise ValidationError(f"{name} must be a finite size >= 0", field=name, value=value,
                              fix=f"pass the {name} in units, e.g. {name}=500")
    return value


@dataclass(frozen=True)
class QueueModel:
    """How cancellations at a level move a resting order: ``cancels="behind"`` (conservative,
    the default) or ``"pro_rata"`` with exponent ``power`` (see the module doc)."""

    cancels: str = "behind"
    power: float = 1.0

    def __post_init__(self) -> None:
        if self.cancels not in _CANCELS:
            raise ValidationError("unknown queue model", field="cancels", value=self.cancels,
                                  fix="use cancels='behind' (conservative) or 'pro_rata'")
        if isinstance(self.power, bool) or not 0.0 < float(self.power) < float("inf"):
            raise ValidationError("power must be a positive number", field="power",
                                  value=self.power, fix="pass power=1 (pro rata by size)")

    def join(self, side: int, price: float, displayed: float) -> QueuePosition:
        """An order of ``side`` (+1 buy, -1 sell) resting at ``price`` that arrives behind the
        ``displayed`` size at that price."""
        if side not in (1, -1):
            raise ValidationError("side must be +1 (buy) or -1 (sell)", field="side",
                                  value=side, fix="pass side=1 for a buy, -1 for a sell")
        if not float(price) > 0.0:
            raise ValidationError("a resting order needs a price > 0", field="price",
                                  value=price, fix="pass the order's limit price")
        ahead = _size("displayed", displayed)
        return QueuePosition(self, side, float(price), ahead, 0.0)

    def ahead_share(self, ahead: float, behind: float) -> float:
        """The share of a cancel taken from the queue ahead (before clamping to the sizes)."""
        if self.cancels == "behind":
            return 0.0
        if ahead <= 0.0:
            return 0.0
        if behind <= 0.0:
            return 1.0
        p = float(self.power)
        return ahead**p / (ahead**p + behind**p)


@dataclass
class QueuePosition:
    """Where one resting order stands: the market's size ``ahead`` of it and ``behind`` it at
    its ``price`` on its ``side``. Mutable: one per order, owned by the venue that works it."""

    model: QueueModel
    side: int
    price: float
    ahead: float
    behind: float

    @property
    def level(self) -> float:
        """The size the book displays at the order's price (the market's orders)."""
        return self.ahead + self.behind

    def on_trade(self, price: float, size: float, remaining: float) -> float:
        """A print of ``size`` at ``price`` (an aggressor on the other side): the quantity it
        fills of the order's ``remaining`` (0 when it only advanced the queue or missed it;
        ``remaining=0`` advances the queue without filling)."""
        size = _size("size", size)
        if size == 0.0:
            return 0.0
        through = price < self.price if self.side > 0 else price > self.price
        if through:  # the level was swept: everything at it, the order included, traded
            self.ahead = self.behind = 0.0
            return min(max(remaining, 0.0), size)
        if price != self.price:
            return 0.0
        taken = min(self.ahead, size)
        self.ahead -= taken
        surplus = size - taken
        filled = min(max(remaining, 0.0), surplus)
        # in the recorded market the surplus hit the orders behind (the order was not there)
        self.behind = max(self.behind - surplus, 0.0)
        return filled

    def on_level(self, size: float) -> None:
        """The book now displays ``size`` at the order's price (0 when the level is gone).
        Trades since the last update were taken off already; what else changed is new size
        (behind) or cancels (split by the model)."""
        size = _size("size", size)
        change = size - self.level
        if change > 0.0:
            self.behind += change
        elif change < 0.0:
            cancel = -change
            from_ahead = min(cancel * self.model.ahead_share(self.ahead, self.behind), self.ahead)
            from_behind = cancel - from_ahead
            if from_behind > self.behind:  # more left than stood behind: the rest was ahead
                from_ahead += from_behind - self.behind
                from_behind = self.behind
            self.ahead = max(self.ahead - from_ahead, 0.0)
            self.behind = max(self.behind - from_behind, 0.0)
        # the displayed size is the truth: the queue ahead can never exceed it
        self.ahead = min(self.ahead, size)
        self.behind = size - self.ahead


@dataclass
class BookQueues:
    """The simulated venue's book-driven state for one run: the L2 book of each symbol slot
    that has book data, the queue position of each resting limit order, and the displayed
    size the venue's own marketable orders already took (until the level's next update).

    It decides quantities only; the venue turns them into fills and reports.
    """

    model: QueueModel = field(default_factory=QueueModel)
    books: dict[int, OrderBook] = field(default_factory=dict)
    positions: dict[str, QueuePosition] = field(default_factory=dict)
    taken: dict[int, dict[float, float]] = field(default_factory=dict)

    def apply(self, slot: int, update: BookUpdate) -> None:
        """Apply one L2 message of ``slot`` (its checks: sequence, snapshot first, crossed)."""
        book = self.books.get(slot)
        if book is None:
            book = self.books[slot] = OrderBook(update.symbol)
            self.taken[slot] = {}
        book.apply(update)
        taken = self.taken[slot]
        if update.snapshot:
            taken.clear()
        else:
            for level in (*update.bids, *update.asks):
                taken.pop(level.price, None)

    def level(self, slot: int, side: int, price: float) -> float:
        """The displayed size on ``side``'s own book (bids for a buy) at ``price``."""
        book = self.books[slot]
        return (book.bids if side > 0 else book.asks).get(price, 0.0)

    def refresh(self, slot: int, resting: Iterable[tuple[str, int, float]]) -> None:
        """After a book message: each resting order (id, side, price) sees its level's size."""
        positions = self.positions
        for cid, side, price in resting:
            position = positions.get(cid)
            if position is not None:
                position.on_level(self.level(slot, side, price))

    def join(self, cid: str, slot: int, side: int, price: float) -> QueuePosition:
        """Order ``cid`` starts resting at ``price``: behind the size displayed there now."""
        position = self.model.join(side, price, self.level(slot, side, price))
        self.positions[cid] = position
        return position

    def take(
        self, slot: int, side: int, limit: float, quantity: float
    ) -> list[tuple[float, float]]:
        """Walk the displayed other side up to ``limit`` for a marketable order of ``side``:
        the (price, quantity) taken at each level, best first (nothing beyond the display)."""
        book = self.books[slot]
        levels = sorted(book.asks.items()) if side > 0 else sorted(book.bids.items(),
                                                                    reverse=True)
        taken = self.taken[slot]
        out: list[tuple[float, float]] = []
        left = quantity
        for price, size in levels:
            if left <= 0.0 or (price > limit if side > 0 else price < limit):
                break
            free = size - taken.get(price, 0.0)
            if free <= 0.0:
                continue
            take = min(free, left)
            taken[price] = taken.get(price, 0.0) + take
            out.append((price, take))
            left -= take
        return out

    def available(self, slot: int, side: int, limit: float) -> float:
        """The displayed size a marketable order of ``side`` could take up to ``limit``."""
        book = self.books[slot]
        taken = self.taken[slot]
        other = book.asks if side > 0 else book.bids
        return sum(max(size - taken.get(price, 0.0), 0.0) for price, size in other.items()
                   if (price <= limit if side > 0 else price >= limit))

    def on_trade(self, trade: Trade,
                 resting: list[tuple[str, int, float, float]]) -> list[tuple[str, float]]:
        """A print against the resting orders (id, side, price, remaining): the quantity it
        fills of each, in price then time priority. A print fills at most its size in all;
        at one price an order fills only once the orders of ours ahead of it are filled, and
        what they took never advances the orders behind them."""
        budget = trade.size
        fills: list[tuple[str, float]] = []
        # a buy aggressor lifts asks (our sells), a sell aggressor hits bids (our buys)
        hit = (-1,) if trade.side == Side.BUY else (1,) if trade.side == Side.SELL else (1, -1)
        waiting: set[tuple[int, float]] = set()  # (side, price) with an order of ours unfilled
        ordered = sorted(resting, key=lambda row: -row[1] * row[2])  # best price first, stable
        for cid, side, price, remaining in ordered:
            position = self.positions.get(cid)
            if position is None or side not in hit:
                continue
            blocked = (side, price) in waiting
            want = 0.0 if blocked else min(remaining, budget)
            # the volume our orders ahead took never reached the market's orders behind them
            filled = position.on_trade(trade.price, budget, want)
            if filled > 0.0:
                fills.append((cid, filled))
                budget = max(budget - filled, 0.0)
            if filled < remaining:
                waiting.add((side, price))
        return fills

    def forget(self, cid: str) -> None:
        """Order ``cid`` stopped resting (filled, canceled, expired)."""
        self.positions.pop(cid, None)


__all__ = ["BookQueues", "QueueModel", "QueuePosition"]
