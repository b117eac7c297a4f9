"""The pre-trade hook every order passes before any broker: allow, or deny with a named reason.

The order router calls ``check.check(order, portfolio)`` for each order after registering it
(NEW) and before sending it (SUBMITTED); a denial ends the order DENIED with the verdict's
reason. A check sees the order and a read-only view of the portfolio, never the engine. The
risk engine (``signaltrust.risk``) is the full implementation; :class:`AllowAll` passes all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from signaltrust.core.orders import Order


@runtime_checkable
class PortfolioView(Protocol):
    """What a pre-trade check may read: latest prices, positions and equity (floats)."""

    def price(self, symbol: str) -> float:
        """The latest known price of ``symbol`` (NaN when none yet)."""
        ...

    def position(self, symbol: str) -> float:
        """Signed units held of ``symbol``."""
        ...

    @property
    def equity(self) -> float:
        """Cash plus positions marked at their latest prices."""
        ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a pre-trade check: allowed, or denied with the check's name and why."""

    allowed: bool
    check: str = ""
    reason: str | None = None

    @classmethod
    def allow(cls, check: str = "") -> Verdict:
        return cls(True, check)

    @classmethod
    def deny(cls, check: str, why: str) -> Verdict:
        """A denial whose ``reason`` reads ``"<check>: <why>"`` (what ``on_order`` shows)."""
        return cls(False, check, f"{check}: {why}")


class PreTradeCheck(ABC):
    """A pre-trade risk check: ``check(order, portfolio) -> Verdict`` (allow or named deny)."""

    #: the name a denial carries (defaults to the class name)
    name: str = ""

    @property
    def check_name(self) -> str:
        return self.name or type(self).__name__

    @abstractmethod
    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        """Allow ``order`` or deny it with a reason naming this check."""


class AllowAll(PreTradeCheck):
    """The pass-through check: every order is allowed."""

    name = "AllowAll"

    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        return ALLOWED


ALLOWED = Verdict(True, "AllowAll")

__all__ = ["ALLOWED", "AllowAll", "PortfolioView", "PreTradeCheck", "Verdict"]
