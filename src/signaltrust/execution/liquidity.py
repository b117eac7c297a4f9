"""The liquidity analyser: from spread, depth and VPIN, how to work an order and in what sizes.

:class:`LiquidityAnalyser` looks at a :class:`LiquiditySnapshot` (the spread in basis points,
the size resting on the side the order takes within a few levels, VPIN) and answers an
:class:`ExecutionPlan`: the algorithm, taker or maker, the child size, and the reasons, each
a rule of :class:`LiquidityPolicy` that fired. Rules, in order:

1. a child never takes more than ``max_take_of_depth`` of the displayed depth (walking the
   book costs more than waiting); toxic flow halves that;
2. toxic flow (VPIN at or above ``toxic_vpin``): resting orders are picked off by informed
   traders, so no maker orders; a taker POV at ``toxic_rate`` keeps the footprint small;
3. a wide spread (``wide_spread_bps`` or more): crossing it costs more than the risk of
   waiting, so a maker iceberg showing one child at a time;
4. an order that fits in one child: a single market order;
5. otherwise a taker TWAP in as many slices as children are needed.

The plan builds the algorithm (:meth:`ExecutionPlan.algorithm_for`) for ``ctx.execute``;
:func:`walk_book` prices a marketable order against the displayed levels (the slippage that
depth implies).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.execution.liquidity_policy import LiquidityPolicy, LiquiditySnapshot


@dataclass(frozen=True)
class BookFill:
    """What a marketable order of ``quantity`` would get by walking the displayed levels:
    ``filled`` (at most the displayed size), ``average_price``, ``slippage_bps`` (the average
    price's distance from the mid, against the order) and ``levels`` touched."""

    filled: float
    average_price: float
    slippage_bps: float
    levels: int


def walk_book(levels: Any, side: str, quantity: float, *, depth_levels: int = 20) -> BookFill:
    """Walk one row of ``book_levels`` as a marketable order would (a BUY takes the asks from
    the best up, a SELL the bids from the best down); what is not displayed is not filled."""
    if side not in ("BUY", "SELL"):
        raise ValidationError("side must be BUY or SELL", field="side", value=side,
                              fix="pass side='BUY' or side='SELL'")
    want = abs(float(quantity))
    if not want > 0:
        raise ValidationError("quantity must be non-zero", field="quantity", value=quantity,
                              fix="pass the order's size")
    bid, ask = float(levels["bid_price_1"]), float(levels["ask_price_1"])
    mid = 0.5 * (bid + ask)
    taken = "ask" if side == "BUY" else "bid"
    filled = cost = 0.0
    touched = 0
    for j in range(1, depth_levels + 1):
        price = levels.get(f"{taken}_price_{j}", float("nan"))
        size = levels.get(f"{taken}_size_{j}", float("nan"))
        if price is None or size is None or price != price or size != size or filled >= want:
            break
        take = min(float(size), want - filled)
        filled += take
        cost += take * float(price)
        touched += 1
    if filled == 0:
        return BookFill(0.0, float("nan"), float("nan"), 0)
    average = cost / filled
    sign = 1.0 if side == "BUY" else -1.0
    return BookFill(filled, average, sign * (average - mid) / mid * 1e4, touched)


@dataclass(frozen=True)
class ExecutionPlan:
    """How to work an order: ``algorithm`` (MARKET, TWAP, ICEBERG or POV), ``mode`` (taker or
    maker), ``child_quantity``, ``children`` (how many, at least), ``rate`` (POV only) and the
    ``reasons`` (the rules that decided)."""

    algorithm: str
    mode: str
    child_quantity: Decimal
    children: int
    rate: float | None
    reasons: tuple[str, ...]

    def algorithm_for(self, symbol: str, quantity: float | Decimal, *,
                      lot: float | Decimal = 1, book: Any = None) -> Any:
        """The execution algorithm to hand to ``ctx.execute`` (signed ``quantity``), or None
        for MARKET (send one market order). ``book``: a
        :class:`~signaltrust.execution.algos.BookSizing` that keeps sizing each child from
        the live touch while the algorithm works (None: sized by this plan only)."""
        from signaltrust.execution.algos import POV, TWAP, Iceberg

        if self.algorithm == "MARKET":
            return None
        if self.algorithm == "TWAP":
            return TWAP(symbol, quantity, bars=self.children, mode=self.mode, lot=lot,
                        book=book)
        if self.algorithm == "ICEBERG":
            return Iceberg(symbol, quantity, display=self.child_quantity, mode=self.mode,
                           lot=lot, book=book)
        return POV(symbol, quantity, rate=float(self.rate or 0.05), mode=self.mode, lot=lot,
                   book=book)

    def __plain__(self) -> dict[str, Any]:
        return {"algorithm": self.algorithm, "mode": self.mode,
                "child_quantity": str(self.child_quantity), "children": self.children,
                "rate": self.rate, "reasons": list(self.reasons)}


class LiquidityAnalyser:
    """Chooses the algorithm and the child size from spread, depth and VPIN."""

    def __init__(self, policy: LiquidityPolicy | None = None) -> None:
        self.policy = policy if policy is not None else LiquidityPolicy()

    def is_toxic(self, market: LiquiditySnapshot) -> bool:
        return self.policy.is_toxic(market)

    def is_wide(self, market: LiquiditySnapshot) -> bool:
        return self.policy.is_wide(market)

    def take_share(self, market: LiquiditySnapshot) -> float:
        return self.policy.take_share(market)

    def child_cap(self, market: LiquiditySnapshot, lot: float | Decimal = 1) -> Decimal:
        return self.policy.child_cap(market, lot)

    def plan(self, quantity: float | Decimal, market: LiquiditySnapshot, *,
             lot: float | Decimal = 1) -> ExecutionPlan:
        """The plan for an order of ``quantity`` (either sign) in ``market``."""
        size = abs(Decimal(str(quantity)))
        step = Decimal(str(lot))
        if size == 0 or step <= 0:
            raise ValidationError("quantity and lot must be non-zero", field="quantity",
                                  value=quantity, fix="pass the order's size and the lot step")
        if not market.depth > 0 or not market.spread_bps >= 0:
            raise ValidationError("the market shows no depth or a negative spread",
                                  field="market", value=market,
                                  fix="pass a snapshot of an uncrossed book with resting size")
        policy, reasons = self.policy, []
        toxic = self.is_toxic(market)
        share = self.take_share(market)
        child = max(self.child_cap(market, step), step)
        reasons.append(f"child <= {share:.0%} of the depth {market.depth:g}")
        children = math.ceil(size / child)
        if toxic:
            reasons.append(f"VPIN {market.vpin:.2f} >= {policy.toxic_vpin}: toxic flow, no "
                           f"resting orders, taker POV at {policy.toxic_rate:.0%}")
            return ExecutionPlan("POV", "taker", min(child, size), children, policy.toxic_rate,
                                 tuple(reasons))
        if self.is_wide(market):
            reasons.append(f"spread {market.spread_bps:.1f} bp >= {policy.wide_spread_bps} bp: "
                           "wait at the touch (maker iceberg)")
            return ExecutionPlan("ICEBERG", "maker", min(child, size), children, None,
                                 tuple(reasons))
        if size <= child:
            reasons.append("fits in one child at a tight spread: one market order")
            return ExecutionPlan("MARKET", "taker", size, 1, None, tuple(reasons))
        reasons.append(f"needs {children} children at a tight spread: taker TWAP")
        return ExecutionPlan("TWAP", "taker", child, children, None, tuple(reasons))


__all__ = ["BookFill", "ExecutionPlan", "LiquidityAnalyser", "LiquidityPolicy",
           "LiquiditySnapshot", "walk_book"]
