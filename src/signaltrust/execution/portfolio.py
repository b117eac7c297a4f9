"""The portfolio view: cash, equity and positions as floats, re-read from the exact ledger.

Strategies and pre-trade checks read floats (fast, and what they compute with); the ledger
keeps the exact Decimal books. After every booked fill the router copies the ledger's cash
and the symbol's net quantity (and the strategy's own quantity) here, so the two never drift.
Symbols are addressed by name or by slot (their position in ``symbols``).
"""

from __future__ import annotations

from decimal import Decimal

from signaltrust.core.errors import ValidationError
from signaltrust.execution.ledger import Ledger


class Portfolio:
    """Cash, equity and positions as floats, read from the exact ledger after every fill."""

    def __init__(self, ledger: Ledger, symbols: tuple[str, ...]) -> None:
        self.ledger = ledger
        self.symbols = symbols
        self.slots = {s: i for i, s in enumerate(symbols)}
        self.qty = [0.0] * len(symbols)  # net units per slot, all strategies
        self.last = [float("nan")] * len(symbols)  # latest known price per slot
        self.by_strategy: dict[str, list[float]] = {}  # strategy id -> units per slot
        #: several strategies trade here: keep each one's own units (else the net is its own)
        self.separate = False
        self.cash_f = float(ledger.cash())
        self.leverage = float(ledger.leverage)

    # -- reading ----------------------------------------------------------------------------
    @property
    def cash(self) -> float:
        return self.cash_f

    @property
    def equity(self) -> float:
        """Cash plus positions marked at their latest prices."""
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
        """Sum of |units x latest price| over the positions."""
        total = 0.0
        for q, p in zip(self.qty, self.last):  # noqa: B905 - one entry per symbol in both
            if q:
                total += abs(q) * p
        return total

    @property
    def buying_power(self) -> float:
        """Further gross exposure the account can take: equity x leverage - gross exposure."""
        return self.leverage * self.equity - self.gross_exposure

    def slot(self, symbol: str) -> int:
        """The slot of ``symbol`` (ValidationError naming the symbols traded when unknown)."""
        try:
            return self.slots[symbol]
        except KeyError:
            raise ValidationError(
                "unknown symbol",
                field="symbol",
                value=symbol,
                fix=f"use one of {', '.join(self.symbols)}",
            ) from None

    def position(self, symbol: str, strategy_id: str | None = None) -> float:
        """Signed units of ``symbol``: of one strategy, or net over all when None."""
        slot = self.slots.get(symbol)
        if slot is None:
            return 0.0
        if strategy_id is None or not self.separate:
            return self.qty[slot]
        own = self.by_strategy.get(strategy_id)
        return own[slot] if own is not None else 0.0

    def positions(self, strategy_id: str | None = None) -> dict[str, float]:
        """Signed units per symbol with an open position (of one strategy, or net)."""
        units = (self.qty if strategy_id is None or not self.separate
                 else self.by_strategy.get(strategy_id, ()))
        return {s: q for s, q in zip(self.symbols, units) if q}  # noqa: B905

    def own(self, slot: int, strategy_id: str) -> float:
        """Signed units of one strategy in the symbol at ``slot`` (0.0 before its first fill)."""
        if not self.separate:
            return self.qty[slot]
        units = self.by_strategy.get(strategy_id)
        return units[slot] if units is not None else 0.0

    def price(self, symbol: str) -> float:
        """The latest known price of ``symbol`` (NaN before the first)."""
        slot = self.slots.get(symbol)
        return self.last[slot] if slot is not None else float("nan")

    # -- writing (the router, after the ledger booked a fill) --------------------------------
    def booked(
        self, slot: int, strategy_id: str, cash: Decimal, net: Decimal, own: Decimal | None
    ) -> None:
        """The ledger's cash and the symbol's net units after a fill, and the strategy's own
        units when several strategies trade (``own``; None: the net is the strategy's)."""
        self.cash_f = float(cash)
        self.qty[slot] = float(net)
        if own is not None:
            units = self.by_strategy.get(strategy_id)
            if units is None:
                units = self.by_strategy[strategy_id] = [0.0] * len(self.symbols)
            units[slot] = float(own)


__all__ = ["Portfolio"]
