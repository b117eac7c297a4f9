"""The compliance officer: restricted and sanctions lists, wash trades and position limits.

:class:`ComplianceRules` is the rule book, read from files (one name a line, ``#`` starts a
comment; a CSV's first column): ``restricted`` symbols may not be bought or sold short
(an order that only shrinks a position is allowed, so it can be closed); a ``sanctioned``
name (a symbol, issuer or counterparty, matched on the order's symbol and tags) may not be
traded either. A *wash trade* is an order that would cross one of the account's own open
orders in the same symbol (a buy at or above its own resting sell, or the reverse; a market
order crosses any). ``position_limits`` caps the absolute position in units per symbol after
the order (``*`` for every symbol).

:meth:`ComplianceOfficer.review` is pure and takes no LLM; the veto itself is a pre-trade
check built on it (``signaltrust.live.compliance.ComplianceCheck``), composed with the risk
engine in backtests, paper and live trading alike.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from signaltrust.agents.base import Agent, AgentSpec
from signaltrust.agents.reports import ComplianceReport
from signaltrust.core.errors import ValidationError


def read_names(path: str | Path) -> frozenset[str]:
    """Upper-cased names from a list file (one a line, ``#`` comments) or a CSV's first column."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError("the compliance list file does not exist", field="path",
                              value=str(path), fix="give a text file with one name a line")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(line for line in handle if not line.lstrip().startswith("#")))
    names = {row[0].strip().upper() for row in rows if row and row[0].strip()}
    names.discard("SYMBOL")  # a CSV header
    names.discard("NAME")
    return frozenset(names)


class OrderIntent(BaseModel):
    """The order under review and the account's view of its symbol."""

    model_config = ConfigDict(extra="forbid")

    symbol: str
    side: int  # +1 buy, -1 sell
    quantity: float
    limit_price: float | None = None
    position: float = 0.0
    tags: tuple[str, ...] = ()
    #: the account's own open orders in the symbol: (side, limit price or None for market)
    open_orders: tuple[tuple[int, float | None], ...] = ()


@dataclass(frozen=True)
class ComplianceRules:
    """The rule book: restricted and sanctioned names, position limits in units."""

    restricted: frozenset[str] = frozenset()
    sanctioned: frozenset[str] = frozenset()
    position_limits: dict[str, float] = field(default_factory=dict)
    check_wash_trades: bool = True

    @classmethod
    def from_files(cls, restricted: str | Path | None = None,
                   sanctions: str | Path | None = None, **kwargs: Any) -> ComplianceRules:
        return cls(read_names(restricted) if restricted else frozenset(),
                   read_names(sanctions) if sanctions else frozenset(), **kwargs)

    @classmethod
    def from_settings(cls, agents: Any, **kwargs: Any) -> ComplianceRules:
        """The lists named by ``[agents] restricted_file`` and ``sanctions_file``."""
        return cls.from_files(agents.restricted_file, agents.sanctions_file, **kwargs)

    def violations(self, order: OrderIntent) -> list[str]:
        """Every rule the order breaks, each in one sentence (empty: compliant)."""
        found: list[str] = []
        symbol = order.symbol.upper()
        after = order.position + order.side * order.quantity
        adds = abs(after) > abs(order.position) or after * order.position < 0
        if symbol in self.restricted and adds:
            found.append(f"restricted: {symbol} is on the restricted list")
        hits = sorted(({symbol} | {t.upper() for t in order.tags}) & self.sanctioned)
        if hits:
            found.append(f"sanctions: {', '.join(hits)} on the sanctions list")
        if self.check_wash_trades:
            for side, price in order.open_orders:
                if side == -order.side and _crosses(order, side, price):
                    found.append(f"wash trade: the {'buy' if order.side > 0 else 'sell'} would "
                                 f"cross the account's own open {'sell' if side < 0 else 'buy'}"
                                 f" in {symbol}")
                    break
        limit = self.position_limits.get(symbol, self.position_limits.get("*"))
        if limit is not None and abs(after) > limit and abs(after) > abs(order.position):
            found.append(f"position limit: {symbol} would be {after:g} units, the limit is "
                         f"{limit:g}")
        return found


def _crosses(order: OrderIntent, resting_side: int, resting_price: float | None) -> bool:
    if order.limit_price is None or resting_price is None:
        return True
    return (order.limit_price >= resting_price if order.side > 0
            else order.limit_price <= resting_price)


@dataclass
class ComplianceOfficer(Agent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "compliance", "restricted and sanctions lists, wash trades, position limits; vetoes "
        "orders in every mode", "on_order (pre-trade)", "OrderIntent",
        report="ComplianceReport", tools=("rule_book",))
    rules: ComplianceRules = field(default_factory=ComplianceRules)

    def assess(self, inputs: OrderIntent) -> ComplianceReport:
        found = self.rules.violations(inputs)
        return ComplianceReport(
            agent=self.name, allowed=not found, violations=found, confidence=1.0,
            stance="bearish" if found else "neutral", score=-1.0 if found else 0.0,
            summary=("veto: " + "; ".join(found)) if found else "compliant",
            reasons=found or ["not restricted, not sanctioned, no wash trade, within limits"])

    def tools(self, inputs: OrderIntent) -> dict[str, Any]:
        def rule_book() -> dict[str, Any]:
            """The list sizes and the position limits."""
            return {"restricted": len(self.rules.restricted),
                    "sanctioned": len(self.rules.sanctioned),
                    "position_limits": self.rules.position_limits}

        return {"rule_book": rule_book}


__all__ = ["ComplianceOfficer", "ComplianceRules", "OrderIntent", "read_names"]
