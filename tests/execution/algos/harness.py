"""A small, exact stand-in for the trading core's runtime in the algorithm tests: it shows an
algorithm market views one at a time and fills its children by hand-checkable rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from signaltrust.execution.algos import Cancel, ExecutionAlgorithm, MarketView, Submit

MIN = 60_000_000_000
T0 = 1_700_000_000_000_000_000  # 2023-11-14 22:13:20 UTC


def views(closes: list[float], *, volume: float = 1000.0, step: int = MIN,
          bid_ask: list[tuple[float, float]] | None = None) -> list[MarketView]:
    """One completed bar a ``step`` apart per close (the first is the arrival)."""
    out = []
    for i, close in enumerate(closes):
        bid, ask = bid_ask[i] if bid_ask else (float("nan"), float("nan"))
        out.append(MarketView(T0 + i * step, close, bid, ask, volume, True))
    return out


class Venue:
    """Fills the children of one algorithm: a market child at the next view's last price, a
    limit child when the next view's last price reaches it (at its limit); 1 bp fees. A deny
    rule (a function of the child's quantity and the children sent) stands for the risk
    engine."""

    def __init__(self, deny: Any = None) -> None:
        self.open: dict[str, tuple[Decimal, Decimal | None]] = {}
        self.sent = 0
        self.log: list[tuple[int, str, str, Decimal | None]] = []
        self.deny = deny

    def begin(self, algo: ExecutionAlgorithm, view: MarketView, history: Any = None) -> None:
        algo.begin("p1", "s1", view, history)
        self.act(algo, 0)

    def step(self, algo: ExecutionAlgorithm, index: int, view: MarketView) -> None:
        algo.observe(view)
        for cid, (quantity, limit) in list(self.open.items()):
            price = Decimal(repr(view.last))
            if limit is not None and (price > limit if algo.sign > 0 else price < limit):
                continue
            price = limit if limit is not None else price
            del self.open[cid]
            notional = quantity * price
            algo.child_update(cid, "FILLED", quantity, notional, notional / 10_000)
        self.act(algo, index)

    def act(self, algo: ExecutionAlgorithm, index: int) -> None:
        for _ in range(100):
            decisions = algo.decide()
            if not decisions:
                return
            for d in decisions:
                if isinstance(d, Submit):
                    self.sent += 1
                    cid = f"c{self.sent}"
                    algo.child_sent(cid, d, algo.now_ns)
                    self.log.append((index, "submit", str(d.quantity), d.limit_price))
                    if self.deny is not None and self.deny(d, self.sent):
                        algo.child_update(cid, "DENIED", Decimal(0), Decimal(0), Decimal(0),
                                          "max_position: over the limit")
                    else:
                        self.open[cid] = (d.quantity, d.limit_price)
                else:
                    assert isinstance(d, Cancel)
                    algo.child_canceling(d.client_order_id)
                    self.open.pop(d.client_order_id)
                    self.log.append((index, "cancel", d.client_order_id, None))
                    algo.child_update(d.client_order_id, "CANCELED", Decimal(0), Decimal(0),
                                      Decimal(0))
        raise AssertionError("the algorithm never settled")


def run_all(algo: ExecutionAlgorithm, market: list[MarketView], history: Any = None,
            venue: Venue | None = None) -> Venue:
    venue = venue or Venue()
    venue.begin(algo, market[0], history)
    for i, view in enumerate(market[1:], start=1):
        venue.step(algo, i, view)
    return venue
