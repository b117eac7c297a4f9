"""The liquidity analyser's inputs and thresholds: a snapshot of the market (spread, depth,
VPIN) and the policy that turns it into child sizes.

:class:`LiquiditySnapshot` and :class:`LiquidityPolicy` are shared by the analyser
(:mod:`signaltrust.execution.liquidity`, which picks the algorithm) and by the execution
algorithms that size children from the live book (:mod:`signaltrust.execution.algos.book`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from signaltrust.core.errors import ValidationError


@dataclass(frozen=True)
class LiquiditySnapshot:
    """What the market offers now: ``spread_bps`` (ask - bid over mid, in basis points),
    ``depth`` (size resting on the side an order would take, over the first levels) and
    ``vpin`` (NaN when unknown)."""

    spread_bps: float
    depth: float
    vpin: float = float("nan")

    @classmethod
    def from_book(cls, levels: Any, side: str, *, depth_levels: int = 5,
                  vpin: float = float("nan")) -> LiquiditySnapshot:
        """From one row of ``book_levels`` (``bid_price_1``, ``ask_size_1``...): a BUY takes
        the asks, a SELL the bids."""
        if side not in ("BUY", "SELL"):
            raise ValidationError("side must be BUY or SELL", field="side", value=side,
                                  fix="pass side='BUY' or side='SELL'")
        bid, ask = float(levels["bid_price_1"]), float(levels["ask_price_1"])
        if not (bid > 0 and ask > bid):
            raise ValidationError("the book has no valid best bid and ask", field="levels",
                                  value=(bid, ask), fix="pass a row of an uncrossed book")
        taken = "ask" if side == "BUY" else "bid"
        depth = 0.0
        for j in range(1, depth_levels + 1):
            size = levels.get(f"{taken}_size_{j}", float("nan"))
            if size is not None and size == size:  # NaN where the book is thinner
                depth += float(size)
        mid = 0.5 * (bid + ask)
        return cls((ask - bid) / mid * 1e4, depth, vpin)


@dataclass(frozen=True)
class LiquidityPolicy:
    """The analyser's thresholds (the rules they drive are listed in
    :mod:`signaltrust.execution.liquidity`); they also size a child from the depth."""

    max_take_of_depth: float = 0.25
    toxic_vpin: float = 0.6
    toxic_rate: float = 0.05
    wide_spread_bps: float = 20.0

    def __post_init__(self) -> None:
        for name in ("max_take_of_depth", "toxic_rate"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ValidationError(f"{name} is a fraction in (0, 1]", field=name,
                                      value=value, fix=f"pass e.g. {name}=0.1")
        if not 0 < self.toxic_vpin <= 1:
            raise ValidationError("toxic_vpin is a probability in (0, 1]", field="toxic_vpin",
                                  value=self.toxic_vpin, fix="pass e.g. toxic_vpin=0.6")
        if not self.wide_spread_bps > 0:
            raise ValidationError("wide_spread_bps must be positive", field="wide_spread_bps",
                                  value=self.wide_spread_bps, fix="pass e.g. 20")

    def is_toxic(self, market: LiquiditySnapshot) -> bool:
        """VPIN known and at or above ``toxic_vpin``."""
        return market.vpin == market.vpin and market.vpin >= self.toxic_vpin

    def is_wide(self, market: LiquiditySnapshot) -> bool:
        """The spread at or above ``wide_spread_bps``."""
        return market.spread_bps >= self.wide_spread_bps

    def take_share(self, market: LiquiditySnapshot) -> float:
        """The most of the displayed depth one child may take: ``max_take_of_depth``, halved
        under toxic flow."""
        return self.max_take_of_depth * (0.5 if self.is_toxic(market) else 1.0)

    def child_cap(self, market: LiquiditySnapshot, lot: float | Decimal = 1) -> Decimal:
        """The largest child in whole ``lot`` steps within :meth:`take_share` of the depth
        (0 when the depth is too thin for one lot)."""
        step = Decimal(str(lot))
        if not step > 0:
            raise ValidationError("lot must be > 0", field="lot", value=lot,
                                  fix="pass the quantity step, e.g. lot=1")
        depth = market.depth if market.depth == market.depth and market.depth > 0 else 0.0
        return (Decimal(repr(self.take_share(market) * depth)) // step) * step


__all__ = ["LiquidityPolicy", "LiquiditySnapshot"]
