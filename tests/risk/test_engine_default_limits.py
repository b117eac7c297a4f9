"""The risk engine's default limits (buying power only) on the trading core's portfolio: the
short check it takes then still yields to trading-state holds, the kill switch's flattening
orders and the stale-data guard."""

from __future__ import annotations

from decimal import Decimal

from signaltrust.core.orders import Order
from signaltrust.execution import Ledger, Portfolio
from signaltrust.risk import KILL_TAG, RiskEngine
from signaltrust.trading import SimulatedClock


def portfolio(units: float = 0.0) -> Portfolio:
    pf = Portfolio(Ledger({"USD": Decimal(1000)}), ("X",))
    pf.last[0] = 10.0
    pf.qty[0] = units
    return pf


def order(cid: str, side: str, units: float, *, tags: tuple[str, ...] = ()) -> Order:
    return Order(cid, "X", side, units, "MARKET", strategy_id="t", tags=tags)


def engine(**limits) -> RiskEngine:
    return RiskEngine(limits, clock=SimulatedClock(1_000_000_000))


def test_check_when_default_limits_then_orders_within_buying_power_pass_and_others_denied():
    risk = engine()
    assert risk.check(order("t-1", "BUY", 50), portfolio()).allowed
    verdict = risk.check(order("t-2", "BUY", 150), portfolio())
    assert not verdict.allowed and verdict.check == "buying_power"
    assert [d.reason for d in risk.denials] == ["buying_power"]


def test_check_when_default_limits_and_a_reducing_hold_then_new_exposure_denied_until_reset():
    risk = engine()
    risk.set_state("reducing", actor="ops", reason="drill")
    verdict = risk.check(order("t-1", "BUY", 10), portfolio())
    assert not verdict.allowed and verdict.check == "reducing_only"
    assert risk.check(order("t-2", "SELL", 5), portfolio(units=20)).allowed  # shrinks
    risk.reset(actor="ops", reason="drill over")
    assert risk.check(order("t-3", "BUY", 10), portfolio()).allowed


def test_check_when_default_limits_and_halted_then_only_the_kill_switch_flattens():
    risk = engine()
    risk.set_state("halted", actor="ops", reason="drill")
    assert not risk.check(order("t-1", "SELL", 20), portfolio(units=20)).allowed
    flatten = order("t-2", "SELL", 20, tags=(KILL_TAG,))
    assert risk.check(flatten, portfolio(units=20)).allowed


def test_check_when_stale_guard_on_then_an_order_on_old_data_denied():
    risk = engine(stale_after_seconds=1.0)
    risk.on_bar("X", 0, 10.0)  # the clock is 1 s later: not stale yet
    assert risk.check(order("t-1", "BUY", 10), portfolio()).allowed
    risk.clock.now_ns = 5_000_000_000
    verdict = risk.check(order("t-2", "BUY", 10), portfolio())
    assert not verdict.allowed and verdict.check == "stale_data"
