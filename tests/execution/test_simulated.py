"""The simulated venue: market, limit, stop, trailing and bracket fills, gaps, partial fills by
volume, IOC/FOK/DAY, and a denied order's reason reaching on_order."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.backtest import run_strategy
from signaltrust.execution import FixedLatency, FixedSlippage, PercentFee, SimulatedVenue
from signaltrust.risk import MaxOrderQuantity
from signaltrust.strategy.api import Strategy


def ohlc(rows, freq="D", volume=1_000.0):
    index = pd.date_range("2024-01-01", periods=len(rows), freq=freq, tz="UTC").as_unit("ns")
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=index, dtype=float)
    frame["volume"] = volume
    return frame


class Script(Strategy):
    """Runs ``actions[i](ctx)`` at the end of bar i and records order events and fills."""

    def __init__(self, actions):
        super().__init__()
        self.actions = actions

    def on_start(self, ctx):
        self.events, self.fills, self.ids = [], [], {}

    def on_bar(self, ctx, bar):
        i = len(ctx.history(bar.symbol)) - 1
        if i in self.actions:
            self.ids[i] = self.actions[i](ctx)

    def on_order(self, ctx, event):
        self.events.append(event)

    def on_fill(self, ctx, fill):
        self.fills.append(fill)


def go(rows, actions, *, participation=None, latency_ns=0, fees=0.0, slippage=0.0,
       fill_at="next_open", volume=1_000.0, **kwargs):
    strategy = Script(actions)
    venue = SimulatedVenue(
        fees=PercentFee(fees), slippage=FixedSlippage(slippage), participation=participation,
        latency=FixedLatency(latency_ns), fill_at=fill_at,
    )
    result = run_strategy(
        {"X": ohlc(rows, volume=volume)}, strategy, cash=100_000, venue=venue, **kwargs
    )
    return strategy, result


FLAT = [100, 101, 99, 100]


def test_market_when_placed_then_fills_at_next_open_plus_slippage():
    s, r = go(
        [FLAT, [102, 103, 101, 102], FLAT],
        {0: lambda c: c.buy("X", 10)},
        slippage=0.001,
        fees=0.001,
    )
    fill = s.fills[0]
    assert float(fill.price) == pytest.approx(102 * 1.001)
    assert float(fill.fee) == pytest.approx(10 * 102 * 1.001 * 0.001)
    assert r.orders["time"].iloc[0] == r.equity.index[1]
    assert [e.status.value for e in s.events] == ["NEW", "SUBMITTED", "ACCEPTED", "FILLED"]


def test_market_when_fill_at_close_then_fills_at_this_close():
    s, _ = go([FLAT, [102, 103, 101, 102.5]], {1: lambda c: c.buy("X", 1)}, fill_at="close")
    assert float(s.fills[0].price) == 102.5


def test_limit_when_range_touches_then_fills_at_limit_price():
    rows = [FLAT, [100, 101, 98, 99], FLAT]
    s, _ = go(rows, {0: lambda c: c.buy("X", 5, type="limit", limit=98.5)})
    assert float(s.fills[0].price) == 98.5


def test_limit_when_gap_through_then_fills_at_open():
    rows = [FLAT, [97, 98, 96, 97], FLAT]
    s, _ = go(rows, {0: lambda c: c.buy("X", 5, type="limit", limit=98.5)})
    assert float(s.fills[0].price) == 97


def test_stop_when_touched_then_fills_at_stop_and_gap_fills_at_worse_open():
    s, _ = go(
        [FLAT, [100, 100, 94, 95], FLAT],
        {0: lambda c: (c.buy("X", 5), c.sell("X", 5, type="stop", stop=96))[0]},
    )
    # the stop is live from bar 1; bought at 100, stopped at 96
    assert [float(f.price) for f in s.fills] == [100, 96]
    s, _ = go(
        [FLAT, FLAT, [90, 91, 89, 90]],
        {0: lambda c: c.buy("X", 5), 1: lambda c: c.sell("X", 5, type="stop", stop=96)},
    )
    assert float(s.fills[-1].price) == 90  # gapped below the stop: the open, not 96


def test_stop_limit_when_triggered_then_fills_at_limit():
    s, _ = go(
        [FLAT, [100, 100, 95, 96], FLAT],
        {0: lambda c: c.sell("X", 1, type="stop_limit", stop=97, limit=96.5)},
    )
    assert float(s.fills[0].price) == 96.5


def test_trailing_stop_when_price_rises_then_trigger_follows_the_high():
    rows = [FLAT, [100, 110, 100, 109], [109, 109, 103, 104], FLAT]
    s, _ = go(
        rows,
        {0: lambda c: (c.buy("X", 1), c.sell("X", 1, type="trailing_stop", trail_percent=5))[0]},
    )
    assert float(s.fills[-1].price) == pytest.approx(110 * 0.95)


def test_bracket_when_bar_touches_both_exits_then_stop_loss_first_and_oco_cancels():
    rows = [FLAT, [100, 100, 100, 100], [100, 112, 90, 100], FLAT]
    s, r = go(rows, {0: lambda c: c.bracket("X", 10, stop_loss=95, take_profit=110)})
    prices = [float(f.price) for f in s.fills]
    assert prices == [100, 95]  # adverse first
    canceled = [e for e in s.events if e.status.value == "CANCELED"]
    assert len(canceled) == 1 and canceled[0].reason.startswith("OCO")
    assert r.trades["exit_reason"].iloc[0] == "stop_loss"


def test_bracket_when_take_profit_touched_then_exit_at_limit():
    rows = [FLAT, [100, 100, 100, 100], [100, 111, 99, 110], FLAT]
    s, r = go(rows, {0: lambda c: c.bracket("X", 10, stop_loss=95, take_profit=110)})
    assert [float(f.price) for f in s.fills] == [100, 110]
    assert r.trades["exit_reason"].iloc[0] == "take_profit"


def test_participation_when_order_exceeds_volume_share_then_fills_partly_over_bars():
    rows = [FLAT, FLAT, FLAT, FLAT]
    s, _ = go(rows, {0: lambda c: c.buy("X", 250)}, participation=0.1, volume=1_000.0)
    assert [float(f.quantity) for f in s.fills] == [100, 100, 50]
    statuses = [e.status.value for e in s.events]
    assert statuses.count("PARTIALLY_FILLED") == 2 and statuses[-1] == "FILLED"


def test_ioc_when_partly_fillable_then_rest_canceled():
    s, _ = go([FLAT, FLAT, FLAT], {0: lambda c: c.buy("X", 250, tif="IOC")}, participation=0.1)
    assert [float(f.quantity) for f in s.fills] == [100]
    assert s.events[-1].status.value == "CANCELED"


def test_fok_when_not_fully_fillable_then_canceled_without_fill():
    s, _ = go([FLAT, FLAT, FLAT], {0: lambda c: c.buy("X", 250, tif="FOK")}, participation=0.1)
    assert s.fills == [] and s.events[-1].status.value == "CANCELED"
    s, _ = go([FLAT, FLAT, FLAT], {0: lambda c: c.buy("X", 50, tif="FOK")}, participation=0.1)
    assert [float(f.quantity) for f in s.fills] == [50]


def test_day_when_not_filled_in_its_session_then_expires():
    rows = [FLAT, FLAT, FLAT, [90, 91, 89, 90]]
    s, _ = go(rows, {0: lambda c: c.buy("X", 1, type="limit", limit=95, tif="DAY")})
    assert s.fills == []  # bar 3 would have filled a GTC order
    assert s.events[-1].status.value == "EXPIRED"
    s, _ = go(rows, {0: lambda c: c.buy("X", 1, type="limit", limit=95)})
    assert float(s.fills[0].price) == 90


def test_order_when_risk_check_denies_then_on_order_sees_denied_with_reason():
    s, r = go([FLAT, FLAT], {0: lambda c: c.buy("X", 500)}, check=MaxOrderQuantity(100))
    denied = s.events[-1]
    assert denied.status.value == "DENIED"
    assert denied.reason.startswith("MaxOrderQuantity") and "500" in denied.reason
    assert s.fills == [] and len(r.orders) == 0


def test_latency_when_longer_than_a_bar_then_fill_waits_for_the_next_open():
    rows = [FLAT, [101, 102, 100, 101], [103, 104, 102, 103]]
    s, _ = go(
        rows, {0: lambda c: c.buy("X", 1)}, latency_ns=int(pd.Timedelta("1D").value)
    )  # active at bar 2 start
    assert float(s.fills[0].price) == 103


def test_cancel_when_order_working_then_never_fills():
    def place_then_cancel(ctx):
        oid = ctx.buy("X", 1, type="limit", limit=50)
        ctx.cancel(oid)
        return oid

    s, _ = go([FLAT, [40, 41, 39, 40]], {0: place_then_cancel})
    assert s.fills == [] and s.events[-1].status.value == "CANCELED"
