"""A node's account: one trading core with its broker, risk engine and strategies.

A paper account's broker is the backtest's simulated venue (its fee, slippage and fill-timing
models, the backtest's defaults), inside the core: a paper account on a replayed feed makes the
trades an event backtest makes. A live account's broker is a venue's execution client behind
an :class:`~signaltrust.live.outbox.Outbox`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from signaltrust.backtest.replay.results import Recorder
from signaltrust.core.events import Bar
from signaltrust.core.orders import Fill, Order, OrderEvent
from signaltrust.execution import (
    FixedLatency,
    FixedSlippage,
    PercentFee,
    PreTradeCheck,
    SimulatedVenue,
    Verdict,
)
from signaltrust.live.codec import fill_payload, order_event_payload
from signaltrust.live.config import AccountConfig
from signaltrust.live.outbox import Outbox
from signaltrust.risk import RiskEngine
from signaltrust.strategy.loader import load_strategy
from signaltrust.trading import MarketData, TradingCore


class Outputs:
    """What a step caused, as journal entries: order events and fills (each with the ledger
    entry it made). The node takes them after each step and journals them with its input."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, int, dict[str, Any]]] = []

    def take(self) -> list[tuple[str, int, dict[str, Any]]]:
        taken, self.entries = self.entries, []
        return taken


class _OrderEvents:
    def __init__(self, outputs: Outputs, account: str, clock: Any, orders: Any = None) -> None:
        self.outputs, self.account, self.clock, self.orders = outputs, account, clock, orders

    def __call__(self, event: OrderEvent) -> None:
        payload = order_event_payload(event, self.account)
        if event.previous_status is None and self.orders is not None:
            # what the order is and why it was sent (a stop, a take-profit, the kill switch):
            # journalled once, when it registers, for the trade explanations
            order = self.orders.find(event.client_order_id)
            if order is not None:
                payload.update(
                    type=order.order_type.value, tags=list(order.tags), parent_id=order.parent_id,
                    **{k: None if getattr(order, k) is None else str(getattr(order, k))
                       for k in ("stop_price", "limit_price", "trail_percent")})
        self.outputs.entries.append(("order", self.clock.now_ns, payload))


class _Fills:
    def __init__(self, outputs: Outputs, account: str, core: TradingCore) -> None:
        self.outputs, self.account, self.core = outputs, account, core

    def __call__(self, order: Order, fill: Fill) -> None:
        ledger = self.core.ledger
        self.outputs.entries.append((
            "fill", self.core.clock.now_ns,
            fill_payload(fill, self.account, ledger.cash(), ledger.quantity(fill.symbol)),
        ))


class NodeGate(PreTradeCheck):
    """The risk engine, and the node's pause: while paused, every new order is denied
    (``node_paused``); cancels and the orders already working are untouched."""

    name = "node"

    def __init__(self, risk: RiskEngine) -> None:
        self.risk = risk
        self.paused = False
        self.warming = False  # history before the live stream: the strategy sees, never trades

    def check(self, order: Order, portfolio: Any) -> Verdict:
        if self.warming:
            return Verdict.deny("warm_up", "history before the live stream: no orders")
        if self.paused:
            return Verdict.deny("node_paused", "the node is paused; resume it to trade")
        return self.risk.check(order, portfolio)


class NodeAccount:
    """One account's trading core, built from its configuration."""

    def __init__(
        self,
        node: str,
        config: AccountConfig,
        market: MarketData,
        clock: Any,
        outputs: Outputs,
        *,
        venue: Any = None,
    ) -> None:
        self.name = config.name
        self.config = config
        strategies = [(load_strategy(s.spec, s.params), s.id) for s in config.strategies]
        if config.broker == "paper":
            broker: Any = SimulatedVenue(
                fees=PercentFee(config.fees, config.fixed_fees, config.min_fees),
                slippage=FixedSlippage(config.slippage), fill_at=config.fill_at,
                latency=FixedLatency(int(round(config.latency_ms * 1e6))),
                participation=config.participation,
            )
            self.outbox = None
        else:
            if venue is None:
                raise ValueError(f"account {config.name} needs its venue's execution client")
            broker = self.outbox = Outbox(venue, config.name)
        self.acknowledged: set[str] = set()  # differences an operator acknowledged
        self.last_unexplained: list[str] = []  # of the last reconciliation
        self.risk = RiskEngine(config.risk)
        self.gate = NodeGate(self.risk)
        core = TradingCore(
            market, broker, cash=config.cash, leverage=config.leverage, check=self.gate,
            clock=clock, strict=config.broker == "paper", fast_path=True,
        )
        core.manager.ids.prefix = f"{node}-{config.name}-"
        self.core = core
        self.recorder = Recorder(core)
        self.risk.attach(core)
        core.add_order_listener(_OrderEvents(outputs, config.name, clock, core.manager))
        core.add_fill_listener(_Fills(outputs, config.name, core))
        self.strategies = []
        for strategy, sid in strategies:
            core.add_strategy(strategy, None, strategy_id=sid)
            self.strategies.append(strategy)
        core.start()

    @property
    def symbols(self) -> tuple[str, ...]:
        return self.core.symbols

    def on_bars(self, bars: list[Bar]) -> None:
        mine = [b for b in bars if b.symbol in self.core.market.slots]
        if len(mine) == 1:
            self.core.on_bar(mine[0])
        elif mine:
            self.core.on_bars(mine)

    def on_market(self, event: Any) -> None:
        """A tick, sized quote, print or L2 book message of one of the account's symbols (a
        paper account's venue then fills limit orders by queue position, as a replay does:
        ``TradingCore.on_book``); another symbol's is not the account's business."""
        if event.symbol in self.core.market.slots:
            self.core.on_market(event)

    def summary(self) -> dict[str, Any]:
        """Cash, equity, positions, orders and fills so far, and the risk state."""
        core = self.core
        return {
            "account": self.name, "broker": self.config.broker,
            "cash": float(core.ledger.cash()), "equity": float(core.equity),
            "positions": {s: q for s, q in core.portfolio.positions().items() if q},
            "fills": len(self.recorder.rows),
            "risk_state": str(self.risk.state),
            "paused": self.gate.paused,
        }


def prepare_frames(config: AccountConfig, frames: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The replayed bars with what the account's strategies join to them (their
    ``prepare_bars``), as a backtest prepares them."""
    out = dict(frames)
    for spec in config.strategies:
        strategy = load_strategy(spec.spec, spec.params)
        out = {s: strategy.prepare_bars(f) for s, f in out.items()}
    return out


__all__ = ["NodeAccount", "NodeGate", "Outputs", "prepare_frames"]
