"""The compliance veto: a pre-trade check that every order passes, in every mode.

:class:`ComplianceCheck` asks :class:`~signaltrust.agents.compliance.ComplianceRules` about an
order (restricted and sanctions lists, wash trades against the account's own open orders,
position limits) and denies it with the broken rules as the reason; an order it allows goes
on to the check it wraps (the risk engine). Its verdicts are recorded in the agents' audit
trail. No LLM takes part.

- backtest: ``run_strategy(..., check=ComplianceCheck(rules, then=risk), attach=check.attach)``;
- paper and live: ``TradingNode(..., hooks=(compliance_hook(rules),))`` puts it in front of
  each account's own check (its risk engine and pause gate) after recovery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from signaltrust.agents.audit import AuditTrail
from signaltrust.agents.compliance import ComplianceRules, OrderIntent
from signaltrust.core.orders import Order
from signaltrust.execution.pretrade import PortfolioView, PreTradeCheck, Verdict


class ComplianceCheck(PreTradeCheck):
    """Deny orders that break the compliance rules; pass the rest to ``then``."""

    name = "compliance"

    def __init__(self, rules: ComplianceRules, then: PreTradeCheck | None = None, *,
                 manager: Any = None, trail: AuditTrail | None = None) -> None:
        self.rules = rules
        self.then = then
        self.manager = manager
        self.trail = trail
        self.denied: list[tuple[str, str]] = []
        self._allowed = Verdict.allow(self.name)

    def attach(self, core: Any) -> ComplianceCheck:
        """Bind to a trading core (its open orders, for the wash-trade rule) and attach the
        wrapped check when it has an ``attach`` (the risk engine)."""
        self.manager = core.manager
        if self.then is not None and hasattr(self.then, "attach"):
            self.then.attach(core)
        return self

    def intent(self, order: Order, portfolio: PortfolioView) -> OrderIntent:
        resting: tuple[tuple[int, float | None], ...] = ()
        if self.manager is not None:
            resting = tuple(
                (o.side.sign, None if o.limit_price is None else float(o.limit_price))
                for o in self.manager.open_orders(order.symbol)
                if o.client_order_id != order.client_order_id)
        return OrderIntent(
            symbol=order.symbol, side=order.side.sign, quantity=float(order.quantity),
            limit_price=None if order.limit_price is None else float(order.limit_price),
            position=float(portfolio.position(order.symbol)), tags=tuple(order.tags),
            open_orders=resting)

    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        found = self.rules.violations(self.intent(order, portfolio))
        if found:
            why = "; ".join(found)
            self.denied.append((order.client_order_id, why))
            if self.trail is not None:
                self.trail.record("compliance", "decision", {
                    "order": order.client_order_id, "symbol": order.symbol,
                    "veto": True, "violations": found})
            return Verdict.deny(self.name, why)
        if self.then is not None:
            return self.then.check(order, portfolio)
        return self._allowed


def compliance_hook(rules: ComplianceRules, *,
                    trail: AuditTrail | None = None) -> Callable[[Any], None]:
    """A trading-node hook that puts the compliance check in front of an account's check
    (once: an account recovered from a snapshot that already has it keeps its own)."""

    def install(account: Any) -> None:
        core = account.core
        current = core.router.check
        if isinstance(current, ComplianceCheck):
            current.rules = rules
            return
        check = ComplianceCheck(rules, then=current, manager=core.manager, trail=trail)
        core.router.check = check
        core.check = check

    return install


__all__ = ["ComplianceCheck", "compliance_hook"]
