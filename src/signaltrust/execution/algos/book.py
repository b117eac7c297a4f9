"""Children sized and priced from the live book: an execution algorithm's ``book=`` option.

When the market view carries the book's touch (``bid``, ``ask`` and the sizes resting there,
``bid_size`` and ``ask_size``; ``vpin`` when known), an algorithm built with
``book=BookSizing(...)`` sizes and prices each child from it:

- **size**: never more than the liquidity analyser's share of the depth at the touch
  (:class:`~signaltrust.execution.liquidity_policy.LiquidityPolicy`: ``max_take_of_depth``,
  halved under toxic flow), in whole lots; a touch too thin for one lot sends nothing until
  it refills. A taker child measures the side it takes (the ask for a buy), a maker child
  the queue it joins (the bid for a buy);
- **price**: a taker child is a limit order at the opposite touch, so it crosses only the
  depth it needs (it fits in the touch) and is re-priced when the touch moves; a maker child
  joins the touch through the algorithm's :class:`~.pricing.Peg`;
- **mode** (``choose_mode=True``): the analyser's choice per child: taker under toxic flow
  (resting orders are picked off), maker when the spread is wide, else the algorithm's mode.

Without the touch's sizes in the view (bars only, quotes without sizes) the option does
nothing: children are exactly as without it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.execution.liquidity_policy import LiquidityPolicy, LiquiditySnapshot


def _finite_positive(value: float) -> bool:
    return value == value and 0.0 < value < float("inf")


@dataclass(frozen=True)
class BookSizing:
    """Size children from the depth at the touch and price them from the book (module doc):
    the analyser's ``policy`` and whether it also picks taker or maker (``choose_mode``)."""

    policy: LiquidityPolicy = field(default_factory=LiquidityPolicy)
    choose_mode: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.policy, LiquidityPolicy):
            raise ValidationError("policy must be a LiquidityPolicy", field="policy",
                                  value=self.policy,
                                  fix="pass policy=LiquidityPolicy(max_take_of_depth=0.2)")
        if not isinstance(self.choose_mode, bool):
            raise ValidationError("choose_mode must be True or False", field="choose_mode",
                                  value=self.choose_mode, fix="pass choose_mode=True")

    def market(self, side: int, mode: str, bid: float, ask: float, bid_size: float,
               ask_size: float, vpin: float) -> LiquiditySnapshot | None:
        """The touch a child of ``side`` (+1 buy) in ``mode`` measures, or None without a book
        (no valid bid and ask, or no size known on the side measured; a size of 0 is a book
        with nothing there)."""
        if not (_finite_positive(bid) and _finite_positive(ask) and bid < ask):
            return None
        takes = (side > 0) == (mode == "taker")  # a taker buy takes the asks
        depth = ask_size if takes else bid_size
        if not (depth == depth and 0.0 <= depth < float("inf")):  # NaN: no book data
            return None
        return LiquiditySnapshot((ask - bid) / (0.5 * (ask + bid)) * 1e4, depth, vpin)

    def mode(self, own: str, bid: float, ask: float, vpin: float) -> str:
        """The mode of the next child: the analyser's choice with ``choose_mode``, else
        ``own``."""
        if not self.choose_mode or not (_finite_positive(bid) and _finite_positive(ask)
                                        and bid < ask):
            return own
        snapshot = LiquiditySnapshot((ask - bid) / (0.5 * (ask + bid)) * 1e4, 1.0, vpin)
        if self.policy.is_toxic(snapshot):
            return "taker"
        if self.policy.is_wide(snapshot):
            return "maker"
        return own

    def to_state(self) -> dict[str, Any]:
        return {"policy": asdict(self.policy), "choose_mode": self.choose_mode}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> BookSizing:
        return cls(LiquidityPolicy(**state["policy"]), bool(state["choose_mode"]))


__all__ = ["BookSizing"]
