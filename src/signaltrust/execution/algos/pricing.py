"""Maker pricing: a limit price at an offset from the touch, and when to re-peg it.

The touch is the best price on the order's own side: the bid for a buy, the ask for a sell.
Without a quote (bars only) it is the latest price. The offset moves the price away from the
market (a buy below the bid, a sell above the ask) by ``offset_bps`` and/or ``offset_ticks``;
the price is rounded to the tick, away from the market. A working order is re-pegged when the
market moves *away* from it: the peg price of now is better for the other side than the
order's price by more than ``repeg_bps``. A market that moves towards the order leaves it be
(it is then more likely to fill).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from signaltrust.core.errors import ValidationError


def _finite(value: float) -> bool:
    return value == value and abs(value) != math.inf


@dataclass(frozen=True)
class Peg:
    """Where a maker child rests: ``offset_bps`` (0.0001 of the touch each) and
    ``offset_ticks`` behind the touch, rounded to ``tick_size`` (None: 10 significant digits);
    re-pegged when the market moves away by more than ``repeg_bps`` (0: any move)."""

    offset_bps: float = 0.0
    offset_ticks: int = 0
    tick_size: Decimal | None = None
    repeg_bps: float = 0.0

    def __post_init__(self) -> None:
        for name in ("offset_bps", "repeg_bps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                0.0 <= float(value) < 10_000.0
            ):
                raise ValidationError(
                    f"{name} must be a number of basis points in [0, 10000)", field=name,
                    value=value, fix=f"pass e.g. {name}=2.0 (2 bps)",
                )
        if isinstance(self.offset_ticks, bool) or not isinstance(self.offset_ticks, int) or (
            self.offset_ticks < 0
        ):
            raise ValidationError(
                "offset_ticks must be a whole number >= 0", field="offset_ticks",
                value=self.offset_ticks, fix="pass e.g. offset_ticks=1",
            )
        if self.tick_size is not None:
            tick = Decimal(str(self.tick_size))
            if not tick.is_finite() or tick <= 0:
                raise ValidationError(
                    "tick_size must be > 0", field="tick_size", value=self.tick_size,
                    fix="pass the instrument's price increment, e.g. tick_size='0.01'",
                )
            object.__setattr__(self, "tick_size", tick)
        elif self.offset_ticks:
            raise ValidationError(
                "offset_ticks needs a tick_size", field="tick_size", value=None,
                fix="pass tick_size= (e.g. '0.01') or use offset_bps",
            )

    @staticmethod
    def touch(side: int, bid: float, ask: float, last: float) -> float:
        """The best price on the order's side: bid (buy) or ask (sell), else the last price."""
        quote = bid if side > 0 else ask
        return quote if _finite(quote) and quote > 0.0 else last

    def price(self, side: int, bid: float, ask: float, last: float) -> Decimal | None:
        """The limit price of a maker child of ``side`` (+1 buy, -1 sell); None without a
        price to peg to."""
        touch = self.touch(side, bid, ask, last)
        if not (_finite(touch) and touch > 0.0):
            return None
        raw = touch * (1.0 - side * self.offset_bps / 10_000.0)
        price = Decimal(f"{raw:.10g}")
        tick = self.tick_size
        if tick is None:
            return price if price > 0 else None
        steps = (price / tick).to_integral_value(ROUND_FLOOR if side > 0 else ROUND_CEILING)
        steps -= side * self.offset_ticks
        return steps * tick if steps > 0 else None

    def moved_away(self, side: int, working: Decimal, now: Decimal) -> bool:
        """True when the peg price of now is better for the market than the working price
        by more than ``repeg_bps``: the market went away from the order (re-peg it)."""
        band = Decimal(repr(self.repeg_bps)) / 10_000
        if side > 0:
            return now > working * (1 + band)
        return now < working * (1 - band)

    def to_state(self) -> dict[str, Any]:
        return {"offset_bps": self.offset_bps, "offset_ticks": self.offset_ticks,
                "tick_size": None if self.tick_size is None else str(self.tick_size),
                "repeg_bps": self.repeg_bps}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Peg:
        tick = state.get("tick_size")
        return cls(float(state["offset_bps"]), int(state["offset_ticks"]),
                   None if tick is None else Decimal(tick), float(state["repeg_bps"]))


__all__ = ["Peg"]
