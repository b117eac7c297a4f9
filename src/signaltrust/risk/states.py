"""Trading states ACTIVE / REDUCING / HALTED: what each allows, and who holds the state where.

Several causes can restrict trading at once (drawdown protection, a circuit breaker, the kill
switch, a person). Each cause places a *hold* (REDUCING or HALTED, with a reason and an optional
expiry in time or in bars); the effective state is the most severe hold, ACTIVE when none.
Every change of the effective state is kept as a :class:`StateChange` (time, from, to, source,
reason) and passed to the ``on_change`` callback (the engine audits it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from signaltrust.core.errors import ValidationError


class TradingState(StrEnum):
    """ACTIVE: any order; REDUCING: only orders that shrink a position; HALTED: only cancels."""

    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


def trading_state(value: TradingState | str, field: str = "state") -> TradingState:
    """Parse a state name (case-insensitive) or raise naming the allowed ones."""
    try:
        return TradingState(str(value).upper())
    except ValueError:
        raise ValidationError("unknown trading state", field=field, value=value,
                              fix="use ACTIVE, REDUCING or HALTED") from None


@dataclass(frozen=True)
class StateChange:
    """A change of the effective trading state: when, from, to, which cause and why."""

    time: pd.Timestamp | None
    previous: TradingState
    state: TradingState
    source: str
    reason: str


@dataclass(frozen=True)
class Hold:
    """One cause restricting trading; it ends when released, at ``until_ns`` or ``until_step``."""

    source: str
    state: TradingState
    reason: str
    since_ns: int
    until_ns: int | None = None
    until_step: int | None = None

    def expired(self, now_ns: int, step: int) -> bool:
        return ((self.until_ns is not None and now_ns >= self.until_ns)
                or (self.until_step is not None and step >= self.until_step))


def _time(ns: int | None) -> pd.Timestamp | None:
    return None if ns is None else pd.Timestamp(int(ns), tz="UTC")


class TradingStateMachine:
    """Holds per cause; ``state`` is the most severe; changes are recorded in ``history``."""

    def __init__(self, on_change: Callable[[StateChange], None] | None = None) -> None:
        self.holds: dict[str, Hold] = {}
        self.history: list[StateChange] = []
        self.on_change = on_change
        self._state = TradingState.ACTIVE

    @property
    def state(self) -> TradingState:
        return self._state

    def _settle(self, now_ns: int | None, source: str, reason: str) -> StateChange | None:
        state = max((h.state for h in self.holds.values()), key=lambda s: s.severity,
                    default=TradingState.ACTIVE)
        if state is self._state:
            return None
        change = StateChange(_time(now_ns), self._state, state, source, reason)
        self._state = state
        self.history.append(change)
        if self.on_change is not None:
            self.on_change(change)
        return change

    def hold(self, source: str, state: TradingState | str, reason: str, now_ns: int, *,
             until_ns: int | None = None, until_step: int | None = None) -> StateChange | None:
        """Place (or replace) the hold of ``source``; ACTIVE releases it."""
        state = trading_state(state)
        if state is TradingState.ACTIVE:
            return self.release(source, now_ns, reason)
        self.holds[source] = Hold(source, state, reason, int(now_ns), until_ns, until_step)
        return self._settle(now_ns, source, reason)

    def release(self, source: str, now_ns: int | None, reason: str) -> StateChange | None:
        """Remove the hold of ``source`` (nothing happens when it has none)."""
        if self.holds.pop(source, None) is None:
            return None
        return self._settle(now_ns, source, reason)

    def expire(self, now_ns: int, step: int) -> list[StateChange]:
        """Release the holds whose time or bar count has run out."""
        changes = []
        for hold in [h for h in self.holds.values() if h.expired(now_ns, step)]:
            change = self.release(hold.source, now_ns, f"{hold.reason}: expired")
            if change is not None:
                changes.append(change)
        return changes


def state_denial(state: TradingState, position: float, side: int, quantity: float,
                 pending_reduction: float = 0.0) -> str | None:
    """The rule of ``state`` for an order: None (allowed), ``trading_halted`` or ``reducing_only``.

    A reducing order is on the opposite side of the position and, with the reducing orders
    already working (``pending_reduction`` units), does not take the position across zero.
    """
    if state is TradingState.HALTED:
        return "trading_halted"
    if state is TradingState.REDUCING and not is_reduction(position, side, quantity,
                                                           pending_reduction):
        return "reducing_only"
    return None


def is_reduction(position: float, side: int, quantity: float,
                 pending_reduction: float = 0.0) -> bool:
    """True when the order shrinks ``|position|`` without crossing zero."""
    if position == 0.0 or (position > 0.0) == (side > 0):
        return False
    return quantity + pending_reduction <= abs(position) * (1.0 + 1e-12)
