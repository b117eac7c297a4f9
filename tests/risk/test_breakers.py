"""Circuit breakers: daily loss, consecutive losses, volatility spikes, stale data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.risk.breakers import (
    ConsecutiveLossBreaker,
    DailyLossBreaker,
    StaleDataGuard,
    VolatilitySpikeBreaker,
    next_day_ns,
)
from signaltrust.risk.engine import RiskEngine
from signaltrust.risk.states import TradingState
from tests.risk.test_limits import View, order

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2024-01-02 21:00", tz="UTC")


@pytest.mark.parametrize(("path", "trips_at"), [
    ([100, 98, 97.1], []),           # 2.9 % intraday: under 3 %
    ([100, 98, 97.0], [2]),          # 3 % since the day's start
    ([100, 104, 101], []),           # down 2.9 % from a gain: the day's start is 100
])
def test_daily_loss_when_loss_since_day_start_then_trips(path, trips_at):
    breaker = DailyLossBreaker(0.03)
    breaker.update((T0 - DAY).value, path[0])  # yesterday's last equity = today's start
    trips = [i for i, e in enumerate(path[1:], 1)
             if breaker.update((T0 + pd.Timedelta(hours=i)).value, e) is not None]
    assert trips == trips_at


def test_daily_loss_when_tripped_then_halted_until_next_day():
    risk = RiskEngine({"daily_loss_pct": 0.03})
    risk.on_equity((T0 - DAY).value, 100_000)
    risk.on_equity(T0.value, 96_000)
    assert risk.state is TradingState.HALTED
    view = View({"AAA": 100.0})
    assert risk.check(order(at=T0 + pd.Timedelta(hours=2)), view).check == "trading_halted"
    tomorrow = pd.Timestamp(next_day_ns(T0.value), tz="UTC")
    assert tomorrow == pd.Timestamp("2024-01-03", tz="UTC")
    assert risk.check(order(cid="o-2", at=tomorrow), view).allowed
    assert risk.state is TradingState.ACTIVE
    assert [r.kind for r in risk.audit][:2] == ["breaker", "state_change"]


@pytest.mark.parametrize(("pnls", "trips_at"), [
    ([-1, -1, -1], [2]),
    ([-1, -1, 0, -1, -1], []),
    ([-1, 2, -1, -1, -1, -1], [4]),
])
def test_consecutive_losses_when_n_in_a_row_then_trips(pnls, trips_at):
    breaker = ConsecutiveLossBreaker(3)
    assert [i for i, p in enumerate(pnls) if breaker.record(p) is not None] == trips_at


def test_consecutive_losses_when_tripped_then_state_for_cooldown_bars():
    risk = RiskEngine({"max_consecutive_losses": 2, "consecutive_loss_state": "HALTED",
                       "consecutive_loss_cooldown_bars": 3})
    for pnl in (-5.0, -1.0):
        risk.on_trade(pnl, T0.value)
    assert risk.state is TradingState.HALTED
    for k in range(1, 4):
        risk.step((T0 + k * DAY).value)
        assert risk.state is (TradingState.ACTIVE if k == 3 else TradingState.HALTED)


def test_volatility_spike_when_move_beyond_k_sigma_then_trips_on_that_bar_only():
    rng = np.random.default_rng(7)
    closes = 100 * np.cumprod(1 + rng.normal(0, 0.01, 40))
    breaker = VolatilitySpikeBreaker(k=4.0, window=20)
    trips = [i for i, c in enumerate(closes) if breaker.update("AAA", c) is not None]
    assert trips == []
    sigma = np.std(np.diff(closes[-21:]) / closes[-21:-1], ddof=1)
    trip = breaker.update("AAA", closes[-1] * (1 - 5 * sigma))
    assert trip is not None and trip.value == pytest.approx(5.0, rel=1e-9)
    assert breaker.update("BBB", 100.0) is None  # per instrument


def test_volatility_spike_when_tripped_then_reducing_for_n_bars():
    risk = RiskEngine({"volatility_spike_k": 3.0, "volatility_window": 5,
                       "volatility_cooldown_bars": 2})
    for i, close in enumerate([100, 101, 100, 101, 100, 101, 80]):
        risk.step((T0 + i * DAY).value)
        risk.on_bar("AAA", (T0 + i * DAY).value, close)
    assert risk.state is TradingState.REDUCING
    view = View({"AAA": 80.0})
    assert risk.check(order(at=T0 + 6 * DAY), view).check == "reducing_only"
    risk.step((T0 + 7 * DAY).value)
    assert risk.state is TradingState.REDUCING
    risk.step((T0 + 8 * DAY).value)
    assert risk.state is TradingState.ACTIVE


def test_stale_guard_when_never_seen_then_not_stale_but_infinitely_old():
    guard = StaleDataGuard(5)
    assert not guard.is_stale("AAA", 10**18)
    assert guard.age_seconds("AAA", 0) == float("inf")
    guard.update("AAA", 0)
    assert guard.is_stale("AAA", 5_000_000_001) and not guard.is_stale("AAA", 5_000_000_000)
