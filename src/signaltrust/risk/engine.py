"""The pre-trade risk engine: every order is checked against the limits, the trading state,
drawdown protection and the circuit breakers; denials carry a named reason and are audited.

:class:`RiskEngine` is a :class:`~signaltrust.execution.PreTradeCheck`, so every driver of the
trading core (the backtest replay, the paper and live node) uses it as it uses any check::

    risk = RiskEngine(settings.risk)              # limits (the [risk] section, read by the caller)
    result = run_strategy(bars, strategy, check=risk, attach=risk.attach)

:meth:`RiskEngine.attach` binds it to a trading core through the core's public callbacks: its
clock, its orders (for pending reductions), its kill switch (``cancel_all``, ``flatten``), and,
only when a limit needs them, the bars, equity and closed trades after each step (drawdown,
daily loss, consecutive losses, volatility spikes, stale data). Without a core, call
:meth:`on_bar`, :meth:`on_equity` and :meth:`on_trade` yourself. Time is always the core
clock's (the bound clock, else the order's ``created_at``), never the machine's wall clock.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
import pydantic

from signaltrust.core.config import RiskSettings, Settings
from signaltrust.core.errors import ConfigError
from signaltrust.core.orders import Fill, Order
from signaltrust.execution.portfolio import Portfolio
from signaltrust.risk import limits as L
from signaltrust.risk.audit import AuditLog
from signaltrust.risk.book import BookLimits, ReturnHistory
from signaltrust.risk.breakers import (
    ConsecutiveLossBreaker,
    DailyLossBreaker,
    StaleDataGuard,
    Trip,
    VolatilitySpikeBreaker,
    next_day_ns,
)
from signaltrust.risk.drawdown import DrawdownProtection
from signaltrust.risk.hook import PortfolioView, PreTradeCheck, Verdict
from signaltrust.risk.killswitch import KILL_TAG, FlattenBroker
from signaltrust.risk.states import (
    StateChange,
    TradingState,
    TradingStateMachine,
    is_reduction,
    state_denial,
    trading_state,
)

log = logging.getLogger(__name__)

NS_PER_SECOND = 1_000_000_000


def validate_limits(limits: RiskSettings | Mapping[str, Any] | None) -> RiskSettings:
    """A validated :class:`RiskSettings` from settings or a mapping (ConfigError naming the key)."""
    if isinstance(limits, RiskSettings):
        return limits
    try:
        return RiskSettings.model_validate(dict(limits or {}))
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        key = "risk." + ".".join(str(p) for p in first.get("loc", ()))
        allowed = first.get("msg", "invalid value")
        if first.get("type") == "extra_forbidden":
            allowed = f"unknown limit; known: {', '.join(RiskSettings.model_fields)}"
        raise ConfigError(f"bad risk limit {key} ({allowed})", field=key,
                          value=first.get("input"), fix=f"set {key} to an allowed value: "
                          f"{allowed}") from exc


@dataclass(frozen=True)
class DenialRecord:
    """A denied order: when, which order, the named reason, the sentence and the values."""

    time: pd.Timestamp
    client_order_id: str
    symbol: str
    side: str
    quantity: float
    reason: str
    message: str
    values: dict[str, Any]
    state: TradingState


@dataclass(frozen=True)
class KillResult:
    """What the kill switch did: orders canceled, flattening orders sent."""

    reason: str
    canceled: list[str]
    flattening_orders: list[str]
    complete: bool


def _ts(ns: int) -> pd.Timestamp:
    return pd.Timestamp(int(ns), tz="UTC")


class RiskEngine(PreTradeCheck):
    """Limits, trading states, drawdown protection, circuit breakers and the kill switch."""

    name = "RiskEngine"

    def __init__(self, limits: RiskSettings | Mapping[str, Any] | None = None, *,
                 audit: AuditLog | None = None, clock: Any = None,
                 broker: FlattenBroker | None = None) -> None:
        self.limits = validate_limits(limits)
        self.audit = audit if audit is not None else AuditLog()
        self.clock = clock
        self.broker = broker
        self.manager: Any = None
        self.states = TradingStateMachine(on_change=self._state_changed)
        self.denials: list[DenialRecord] = []
        self.steps = 0
        self._now_ns = 0
        self._core: Any = None
        self._observing = False
        self._realised: dict[tuple[str, str], float] = {}
        self._allowed = Verdict.allow(self.check_name)
        self._build(set(RiskSettings.model_fields))

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> RiskEngine:
        """A risk engine with the ``[risk]`` limits of ``settings`` (the caller read them)."""
        return cls(settings.risk, **kwargs)

    # ------------------------------------------------------------------ components
    def _build(self, changed: set[str]) -> None:
        lim = self.limits
        if changed & {"max_orders_per_second", "max_orders_per_minute"}:
            self.rate_limiters = [
                L.OrderRateLimiter(n, w * NS_PER_SECOND, name)
                for n, w, name in ((lim.max_orders_per_second, 1, "second"),
                                   (lim.max_orders_per_minute, 60, "minute")) if n is not None
            ]
        if changed & {"drawdown_levels", "recovery_drawdown"}:
            old = getattr(self, "drawdown", None)
            self.drawdown = DrawdownProtection(lim.drawdown_levels, lim.recovery_drawdown)
            if old is not None and old.peak == old.peak:
                self.drawdown.peak, self.drawdown.drawdown = old.peak, old.drawdown
                self.drawdown.multiplier = min(old.multiplier, 1.0) if lim.drawdown_levels \
                    else 1.0
        if "daily_loss_pct" in changed:
            self.daily_loss = (DailyLossBreaker(lim.daily_loss_pct)
                               if lim.daily_loss_pct is not None else None)
        if "max_consecutive_losses" in changed:
            self.consecutive_losses = (ConsecutiveLossBreaker(lim.max_consecutive_losses)
                                       if lim.max_consecutive_losses is not None else None)
        if changed & {"volatility_spike_k", "volatility_window"}:
            self.volatility = (VolatilitySpikeBreaker(lim.volatility_spike_k,
                                                      lim.volatility_window)
                               if lim.volatility_spike_k is not None else None)
        if "stale_after_seconds" in changed:
            old_seen = getattr(getattr(self, "stale", None), "seen", {})
            self.stale = (StaleDataGuard(lim.stale_after_seconds)
                          if lim.stale_after_seconds is not None else None)
            if self.stale is not None:
                self.stale.seen.update(old_seen)
        if changed & _BOOK_FIELDS:
            history = getattr(self, "history", None)
            if history is None or history.lookback != lim.risk_lookback:
                self.history = ReturnHistory(lim.risk_lookback, history)
            self.book = BookLimits(lim, self.history) if BookLimits.wanted(lim) else None
        # without a stale guard the engine still remembers when data last came
        if getattr(self, "_seen", None) is None:
            self._seen = StaleDataGuard(1.0)
        #: the checks every order passes, in order (None: skipped for these limits)
        self._sized = any(
            getattr(lim, name) is not None
            for name in ("max_order_quantity", "max_order_notional", "price_band_pct",
                         "max_position_quantity", "max_position_notional",
                         "max_gross_exposure", "max_net_exposure", "max_leverage")
        ) or lim.check_buying_power or bool(lim.drawdown_levels) or self.book is not None
        #: the default limits: only buying power is checked (computed without OrderImpact)
        self._buying_power_only = (
            self._sized and lim.check_buying_power and not lim.drawdown_levels
            and self.book is None
            and all(getattr(lim, name) is None for name in (
                "max_order_quantity", "max_order_notional", "price_band_pct",
                "max_position_quantity", "max_position_notional", "max_gross_exposure",
                "max_net_exposure", "max_leverage", "max_orders_per_second",
                "max_orders_per_minute"))
        )
        #: ... and no stale-data guard: a check is the buying-power check alone (no hold)
        self._buying_power_only_now = self._buying_power_only and self.stale is None
        if self._core is not None and self.needs_observations() and not self._observing:
            self._observe(self._core)

    def needs_observations(self) -> bool:
        """True when a limit needs the bars, equity or closed trades after each step."""
        lim = self.limits
        return bool(lim.drawdown_levels) or BookLimits.needs_returns(lim) or any(
            getattr(lim, name) is not None
            for name in ("daily_loss_pct", "max_consecutive_losses", "volatility_spike_k",
                         "stale_after_seconds")
        )

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> TradingState:
        """The effective trading state (the most severe hold; ACTIVE when none)."""
        return self.states.state

    @property
    def multiplier(self) -> float:
        """The drawdown exposure multiplier in [0, 1]: sizing may scale positions by it."""
        return self.drawdown.multiplier

    def now_ns(self, order: Order | None = None) -> int:
        """The engine clock's time: the bound clock, else the order's creation, else the last."""
        if self.clock is not None:
            return int(self.clock.now_ns)
        if order is not None and order.created_at is not None:
            return int(pd.Timestamp(order.created_at).value)
        return self._now_ns

    def _state_changed(self, change: StateChange) -> None:
        self.audit.append("state_change", {
            "previous": change.previous, "state": change.state, "source": change.source,
            "reason": change.reason}, actor=change.source,
            time=change.time if change.time is not None else _ts(self._now_ns))

    def set_state(self, state: TradingState | str, *, actor: str, reason: str) -> TradingState:
        """Set the trading state by hand (audited); ACTIVE lifts only the manual hold."""
        state = trading_state(state)
        now = self.now_ns()
        self.audit.append("manual_state", {"state": state, "reason": reason}, actor=actor,
                          time=_ts(now))
        self.states.hold("manual", state, f"{actor}: {reason}", now)
        return self.state

    def reset(self, *, actor: str, reason: str) -> TradingState:
        """Lift the kill switch and manual holds (audited); breakers keep theirs until expiry."""
        now = self.now_ns()
        self.audit.append("reset", {"reason": reason, "holds": sorted(self.states.holds)},
                          actor=actor, time=_ts(now))
        for source in ("kill_switch", "manual"):
            self.states.release(source, now, f"{actor}: {reason}")
        return self.state

    def set_limit(self, name: str, value: Any, *, actor: str, reason: str) -> RiskSettings:
        """Change one limit at run time: validated like the configuration, then audited."""
        if name not in RiskSettings.model_fields:
            raise ConfigError("unknown risk limit", field=f"risk.{name}", value=name,
                              fix=f"use one of {', '.join(RiskSettings.model_fields)}")
        old = getattr(self.limits, name)
        self.limits = validate_limits({**self.limits.model_dump(), name: value})
        self.audit.append("limit_change", {"name": name, "old": old,
                                           "new": getattr(self.limits, name), "reason": reason},
                          actor=actor, time=_ts(self.now_ns()))
        self._build({name})
        return self.limits

    # ------------------------------------------------------------------ the check
    def check(self, order: Order, portfolio: PortfolioView) -> Verdict:
        """Allow ``order`` or deny it with a named reason (kept in ``denials`` and the audit)."""
        clock = self.clock
        now = int(clock.now_ns) if clock is not None else self.now_ns(order)
        if now > self._now_ns:
            self._now_ns = now
        if (
            self._buying_power_only_now
            and not self.states.holds
            and type(portfolio) is Portfolio
            and KILL_TAG not in order.tags
        ):
            # the default limits, no hold, not the kill switch: what _evaluate comes to
            denial = L.buying_power_denial(order, portfolio)
            return self._allowed if denial is None else self._deny(order, denial, now)
        if self.states.holds:
            self.states.expire(now, self.steps)
        denial = self._evaluate(order, portfolio, now)
        if denial is None:
            for limiter in self.rate_limiters:
                limiter.record(now)
            return self._allowed
        return self._deny(order, denial, now)

    def _pending_reduction(self, order: Order, position: float) -> float:
        if self.manager is None or position == 0.0:
            return 0.0
        side = -1 if position > 0 else 1
        return sum(float(o.remaining_quantity) for o in self.manager.open_orders(order.symbol)
                   if o.client_order_id != order.client_order_id and o.side.sign == side)

    def _evaluate(self, order: Order, portfolio: PortfolioView, now: int) -> L.Denial | None:
        lim = self.limits
        holds = self.states.holds
        killing = KILL_TAG in order.tags
        if holds or killing:
            position = float(portfolio.position(order.symbol))
            side, quantity = order.side.sign, float(order.quantity)
            pending = self._pending_reduction(order, position)
            if killing and is_reduction(position, side, quantity, pending):
                return None  # the kill switch's own flattening orders
            code = state_denial(self.state, position, side, quantity, pending)
            if code is not None:
                reasons = {s: h.reason for s, h in holds.items()}
                return L.Denial(L.Reason(code), f"trading is {self.state}: "
                                + ("only cancels are allowed" if code == "trading_halted"
                                   else "only orders that shrink a position are allowed"),
                                {"state": self.state, "holds": reasons, "position": position})
        if self.stale is not None and self.stale.is_stale(order.symbol, now):
            age = self.stale.age_seconds(order.symbol, now)
            return L.Denial(L.Reason.STALE_DATA, f"the latest data of {order.symbol} is "
                            f"{age:g} s old (limit {lim.stale_after_seconds:g} s)",
                            {"age_seconds": age, "limit": lim.stale_after_seconds})
        if not self._sized:
            for limiter in self.rate_limiters:
                if (denial := limiter.check(now)) is not None:
                    return denial
            return None
        if self._buying_power_only and type(portfolio) is Portfolio:
            return L.buying_power_denial(order, portfolio)
        impact = L.order_impact(order, portfolio)
        if isinstance(impact, L.Denial):
            return impact
        m = self.drawdown.multiplier
        denial = self._limits(order, impact, portfolio, m, now)
        if denial is not None and m < 1.0 and denial.reason in _SCALED:
            denial.values["drawdown_multiplier"] = m
        return denial

    def _limits(
        self, order: Order, impact: L.OrderImpact, portfolio: PortfolioView, m: float, now: int
    ) -> L.Denial | None:
        """The first limit ``impact`` breaks (limits scaled by the drawdown multiplier ``m``),
        the order rate included."""
        lim = self.limits
        if lim.max_order_quantity is not None and (
                d := L.check_order_quantity(impact, lim.max_order_quantity)):
            return d
        if lim.max_order_notional is not None and (
                d := L.check_order_notional(impact, lim.max_order_notional)):
            return d
        if lim.price_band_pct is not None and (
                d := L.check_price_band(order, impact, lim.price_band_pct)):
            return d
        for limiter in self.rate_limiters:
            if (d := limiter.check(now)) is not None:
                return d
        if lim.max_position_quantity is not None and (
                d := L.check_position_quantity(impact, lim.max_position_quantity * m)):
            return d
        if lim.max_position_notional is not None and (
                d := L.check_position_notional(impact, lim.max_position_notional * m)):
            return d
        gross_cap = lim.max_gross_exposure
        if gross_cap is None and m < 1.0:  # drawdown protection bites even without a limit
            gross_cap = max(impact.equity, 0.0) * impact.leverage
        if gross_cap is not None and (d := L.check_gross_exposure(impact, gross_cap * m)):
            return d
        if lim.max_net_exposure is not None and (
                d := L.check_net_exposure(impact, lim.max_net_exposure * m)):
            return d
        if lim.max_leverage is not None and (
                d := L.check_leverage(impact, lim.max_leverage * m)):
            return d
        if self.book is not None and (d := self.book.check(impact, portfolio)):
            return d
        if lim.check_buying_power:
            return L.check_buying_power(impact)
        return None

    def _deny(self, order: Order, denial: L.Denial, now: int) -> Verdict:
        record = DenialRecord(_ts(now), order.client_order_id, order.symbol, str(order.side),
                              float(order.quantity), str(denial.reason), denial.message,
                              dict(denial.values), self.state)
        self.denials.append(record)
        self.audit.append("denial", {
            "client_order_id": order.client_order_id, "symbol": order.symbol,
            "side": order.side, "quantity": order.quantity, "order_type": order.order_type,
            "reason": denial.reason, "message": denial.message, "values": denial.values,
            "state": self.state}, actor="risk_engine", time=record.time)
        return Verdict.deny(str(denial.reason), denial.message)

    # ------------------------------------------------------------------ observations
    def on_bar(self, symbol: str, end_ns: int, close: float) -> None:
        """A bar (or quote) of ``symbol`` became known at ``end_ns``: stale data, volatility."""
        self._now_ns = max(self._now_ns, int(end_ns))
        self._seen.update(symbol, end_ns)
        if self.stale is not None:
            self.stale.update(symbol, end_ns)
        if self.book is not None:
            self.history.update(symbol, end_ns, close)
        if self.volatility is not None:
            trip = self.volatility.update(symbol, close)
            if trip is not None:
                self._trip(trip, TradingState.REDUCING, until_step=self.steps
                           + self.limits.volatility_cooldown_bars)

    def on_equity(self, now_ns: int, equity: float) -> None:
        """The latest equity: drawdown protection and the daily-loss breaker."""
        self._now_ns = max(self._now_ns, int(now_ns))
        step = self.drawdown.update(equity)
        if step is not None:
            self.audit.append("drawdown_step", {
                "drawdown": step.drawdown, "previous": step.previous,
                "multiplier": step.multiplier, "equity": equity, "peak": self.drawdown.peak},
                actor="drawdown", time=_ts(self._now_ns))
            if step.multiplier == 0.0:
                self.states.hold("drawdown", TradingState.REDUCING,
                                 f"drawdown {step.drawdown:.2%}: no new exposure", self._now_ns)
            elif step.previous == 0.0:
                self.states.release("drawdown", self._now_ns,
                                    f"drawdown back to {step.drawdown:.2%}")
        if self.daily_loss is not None:
            trip = self.daily_loss.update(now_ns, equity)
            if trip is not None and "daily_loss" not in self.states.holds:
                self._trip(trip, TradingState.HALTED, until_ns=next_day_ns(now_ns))

    def on_trade(self, pnl: float, now_ns: int | None = None) -> None:
        """A trade closed with ``pnl``: the consecutive-losses breaker."""
        if now_ns is not None:
            self._now_ns = max(self._now_ns, int(now_ns))
        if self.consecutive_losses is not None:
            trip = self.consecutive_losses.record(float(pnl))
            if trip is not None:
                self._trip(trip, trading_state(self.limits.consecutive_loss_state),
                           until_step=self.steps + self.limits.consecutive_loss_cooldown_bars)

    def step(self, now_ns: int) -> None:
        """One engine step (a bar time) passed: count it and end holds that ran out."""
        self.steps += 1
        self._now_ns = max(self._now_ns, int(now_ns))
        self.states.expire(self._now_ns, self.steps)

    def _trip(self, trip: Trip, state: TradingState, *, until_ns: int | None = None,
              until_step: int | None = None) -> None:
        self.audit.append("breaker", {
            "breaker": trip.breaker, "value": trip.value, "threshold": trip.threshold,
            "detail": trip.detail, "state": state,
            "until": _ts(until_ns) if until_ns is not None else None,
            "until_step": until_step}, actor=trip.breaker, time=_ts(self._now_ns))
        self.states.hold(trip.breaker, state, trip.detail, self._now_ns, until_ns=until_ns,
                         until_step=until_step)

    # ------------------------------------------------------------------ the trading core
    def attach(self, core: Any) -> RiskEngine:
        """Bind to a trading core through its public callbacks: its clock and orders, its kill
        switch (``core.cancel_all``, ``core.flatten``), and, when a limit needs them, the bars,
        equity and closed trades after each step."""
        self._core = core
        self.clock = core.clock
        self.manager = core.manager
        if self.broker is None:
            self.broker = core
        if self.needs_observations():
            self._observe(core)
        return self

    def _observe(self, core: Any) -> None:
        core.add_step_listener(self._step)
        core.add_fill_listener(self._fill)
        self._observing = True

    def _step(self, core: Any, bars: Any) -> None:
        """After each step of the core: count it, see its bars, then the equity."""
        now = int(core.clock.now_ns)
        self.step(now)
        for bar in bars:
            self.on_bar(bar.symbol, int(bar.end_ns), float(bar.close))
        self.on_equity(now, float(core.equity))

    def _fill(self, order: Order, fill: Fill) -> None:
        """After each fill: a trade closed when the position's realised P&L moved."""
        key = (fill.symbol, fill.strategy_id)
        realised = float(self._core.ledger.position(*key).realised_pnl)
        before = self._realised.get(key, 0.0)
        if realised != before:
            self._realised[key] = realised
            self.on_trade(realised - before, int(self._core.clock.now_ns))

    # ------------------------------------------------------------------ kill switch
    def kill(self, reason: str, *, actor: str = "operator") -> KillResult:
        """Halt, cancel every open order and flatten every position (audited)."""
        now = self.now_ns()
        self.audit.append("kill_switch", {"reason": reason, "state_before": self.state},
                          actor=actor, time=_ts(now))
        self.states.hold("kill_switch", TradingState.HALTED, f"{actor}: {reason}", now)
        if self.broker is None:
            log.warning("kill switch without a broker: halted, nothing canceled or flattened")
            result = KillResult(reason, [], [], complete=False)
        else:
            canceled = self.broker.cancel_all(reason)
            sent = self.broker.flatten(reason)
            result = KillResult(reason, list(canceled), list(sent), complete=True)
        self.audit.append("kill_switch_done", {
            "canceled": result.canceled, "flattening_orders": result.flattening_orders,
            "complete": result.complete}, actor=actor, time=_ts(self.now_ns()))
        return result

    def status(self) -> dict[str, Any]:
        """State, holds, drawdown multiplier and denial counts, as plain data."""
        counts: dict[str, int] = {}
        for d in self.denials:
            counts[d.reason] = counts.get(d.reason, 0) + 1
        return {"state": str(self.state), "multiplier": self.multiplier,
                "drawdown": self.drawdown.drawdown,
                "holds": {s: {"state": str(h.state), "reason": h.reason}
                          for s, h in self.states.holds.items()},
                "denials": counts, "audit_records": len(self.audit),
                "audit_verified": self.audit.verify()}

    def denials_frame(self) -> pd.DataFrame:
        """Every denial as a table (time, order, reason, message, values, state)."""
        columns = list(DenialRecord.__dataclass_fields__)
        return pd.DataFrame([asdict(d) for d in self.denials], columns=columns)


_BOOK_FIELDS = {"max_var_pct", "max_cvar_pct", "var_cutoff", "risk_lookback", "max_correlation",
                "max_sector_exposure", "max_asset_class_exposure", "sectors", "asset_classes"}
_SCALED = {L.Reason.MAX_POSITION_QUANTITY, L.Reason.MAX_POSITION_NOTIONAL,
           L.Reason.MAX_GROSS_EXPOSURE, L.Reason.MAX_NET_EXPOSURE, L.Reason.MAX_LEVERAGE}
