"""Slippage from book depth: a market fill walks a typical order book instead of paying a flat
fraction. The simulated venue fills against bars; this model gives it the book's shape.

:class:`DepthSlippage` holds the shape of a typical book (the spread, the size resting at each
level from the best, the distance between levels, all measured from recorded books with
:meth:`DepthSlippage.from_levels`) and prices a fill of ``quantity`` at the reference price (a
mid) as a marketable order walking that book: half the spread, then each level's distance,
size-weighted; beyond the levels measured, the book is taken to go on like its deepest level.
Pass it as ``SimulatedVenue(slippage=DepthSlippage(...))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from signaltrust.core.errors import ValidationError
from signaltrust.execution.models import SlippageModel


@dataclass(frozen=True)
class DepthSlippage(SlippageModel):
    """A fill walks a book of ``level_sizes`` (units at each level, best first), the best
    ``spread_bps / 2`` from the mid and each further level ``level_step_bps`` beyond."""

    spread_bps: float
    level_sizes: tuple[float, ...]
    level_step_bps: float

    def __post_init__(self) -> None:
        if not self.spread_bps >= 0 or not self.level_step_bps >= 0:
            raise ValidationError("spread and level step must be non-negative",
                                  field="spread_bps", value=(self.spread_bps, self.level_step_bps),
                                  fix="measure them with DepthSlippage.from_levels(levels)")
        if not self.level_sizes or any(not s > 0 for s in self.level_sizes):
            raise ValidationError("level sizes must be positive", field="level_sizes",
                                  value=self.level_sizes, fix="pass the size at each level")

    def cost_bps(self, quantity: float) -> float:
        """The average distance from the mid, in basis points, of a fill of ``quantity``."""
        left, cost, j = abs(float(quantity)), 0.0, 0
        total = left
        if total == 0:
            return 0.0
        while left > 0:
            size = self.level_sizes[min(j, len(self.level_sizes) - 1)]
            take = min(size, left)
            cost += take * (self.spread_bps / 2 + j * self.level_step_bps)
            left -= take
            j += 1
        return cost / total

    def price(self, reference: float, side: int, quantity: float, volume: float) -> float:
        move = self.cost_bps(quantity) / 1e4
        return reference * (1.0 + move) if side > 0 else reference * (1.0 - move)

    @classmethod
    def from_levels(cls, levels: Any, depth: int = 5) -> DepthSlippage:
        """The typical book of a ``book_levels`` frame: medians of the relative spread, of the
        mean bid and ask size at each level, and of the distance between adjacent levels."""
        bid, ask = levels["bid_price_1"].to_numpy(float), levels["ask_price_1"].to_numpy(float)
        mid = 0.5 * (bid + ask)
        ok = np.isfinite(mid) & (ask > bid)
        if not ok.any():
            raise ValidationError("no uncrossed book rows to measure", field="levels",
                                  value=len(levels), fix="pass book_levels(...) of a real book")
        spread = float(np.median((ask - bid)[ok] / mid[ok])) * 1e4
        sizes, steps = [], []
        for j in range(1, depth + 1):
            names = [f"bid_size_{j}", f"ask_size_{j}"]
            if not all(n in levels.columns for n in names):
                break
            size = np.nanmedian(levels[names].to_numpy(float)[ok].mean(axis=1))
            if not np.isfinite(size) or size <= 0:
                break
            sizes.append(float(size))
            if j > 1:
                gap = (levels[f"ask_price_{j}"].to_numpy(float)
                       - levels[f"ask_price_{j - 1}"].to_numpy(float))[ok] / mid[ok]
                steps.append(float(np.nanmedian(gap)) * 1e4)
        step = float(np.median(steps)) if steps else spread
        return cls(spread, tuple(sizes), step)


__all__ = ["DepthSlippage"]
