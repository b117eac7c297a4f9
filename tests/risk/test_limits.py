"""Each limit denies exactly what it should (named reason, values) and passes the rest."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.orders import Order
from signaltrust.risk.engine import RiskEngine

T0 = pd.Timestamp("2024-01-02 15:00", tz="UTC")


class View:
    """A portfolio view: prices, positions, cash; equity = cash + marked positions."""

    def __init__(self, prices: dict[str, float], positions: dict[str, float] | None = None,
                 cash: float = 100_000.0, leverage: float = 1.0) -> None:
        self.prices = prices
        self.qty = dict(positions or {})
        self.cash = cash
        self.leverage = leverage

    def price(self, symbol: str) -> float:
        return self.prices.get(symbol, float("nan"))

    def position(self, symbol: str) -> float:
        return self.qty.get(symbol, 0.0)

    def positions(self) -> dict[str, float]:
        return {s: q for s, q in self.qty.items() if q}

    @property
    def equity(self) -> float:
        return self.cash + sum(q * self.prices[s] for s, q in self.qty.items())


def order(side: str = "BUY", qty: float = 10, symbol: str = "AAA", limit: float | None = None,
          stop: float | None = None, cid: str = "o-1", at: pd.Timestamp = T0) -> Order:
    kind = "STOP_LIMIT" if limit and stop else "LIMIT" if limit else "STOP" if stop else "MARKET"
    return Order(cid, symbol, side, qty, kind, limit_price=limit, stop_price=stop, created_at=at)


# (limits, portfolio positions, order kwargs, expected reason or None)
CASES = [
    ({"max_order_quantity": 10}, {}, {"qty": 10}, None),
    ({"max_order_quantity": 10}, {}, {"qty": 11}, "max_order_quantity"),
    ({"max_order_quantity": 10}, {"AAA": 50}, {"side": "SELL", "qty": 11}, "max_order_quantity"),
    ({"max_order_notional": 1000}, {}, {"qty": 10}, None),  # 10 x 100 = 1000
    ({"max_order_notional": 1000}, {}, {"qty": 11}, "max_order_notional"),
    ({"max_order_notional": 1000}, {}, {"qty": 10, "limit": 101}, "max_order_notional"),
    ({"max_position_quantity": 20}, {"AAA": 15}, {"qty": 5}, None),
    ({"max_position_quantity": 20}, {"AAA": 15}, {"qty": 6}, "max_position_quantity"),
    ({"max_position_quantity": 20}, {"AAA": 30}, {"side": "SELL", "qty": 5}, None),  # reduces
    ({"max_position_quantity": 20}, {"AAA": 10}, {"side": "SELL", "qty": 31},
     "max_position_quantity"),  # flips to -21
    ({"max_position_notional": 2000}, {"AAA": 15}, {"qty": 5}, None),
    ({"max_position_notional": 2000}, {"AAA": 15}, {"qty": 6}, "max_position_notional"),
    ({"max_gross_exposure": 3000}, {"BBB": -10}, {"qty": 10}, None),  # 1000 + 2000
    ({"max_gross_exposure": 3000}, {"BBB": -10}, {"qty": 11}, "max_gross_exposure"),
    ({"max_gross_exposure": 500}, {"AAA": 20}, {"side": "SELL", "qty": 5}, None),  # reduces
    ({"max_net_exposure": 1500}, {"BBB": -10}, {"qty": 25}, None),  # -2000 + 2500 = 500
    ({"max_net_exposure": 1500}, {"BBB": 10}, {"qty": 6}, "max_net_exposure"),  # 2000 + 600
    ({"max_net_exposure": 1500}, {"BBB": 10}, {"side": "SELL", "qty": 6}, None),  # 1400
    ({"max_leverage": 1.0}, {}, {"qty": 1000}, None),  # 100k / 100k
    ({"max_leverage": 1.0}, {}, {"qty": 1001}, "max_leverage"),
    ({"max_leverage": 0.5}, {"AAA": 600}, {"side": "SELL", "qty": 100}, None),  # reduces
    ({"price_band_pct": 0.05}, {}, {"limit": 105}, None),
    ({"price_band_pct": 0.05}, {}, {"limit": 105.01}, "price_band"),
    ({"price_band_pct": 0.05}, {}, {"side": "SELL", "limit": 94.9}, "price_band"),
    ({"price_band_pct": 0.05}, {}, {"side": "SELL", "stop": 80}, "price_band"),
    ({"price_band_pct": 0.05}, {}, {"qty": 1}, None),  # market: fills near the last price
    ({}, {}, {"qty": 1000}, None),  # buying power 100k exactly
    ({}, {}, {"qty": 1001}, "buying_power"),
    ({}, {"AAA": 1000}, {"side": "SELL", "qty": 1000}, None),  # closing needs no buying power
    ({"check_buying_power": False}, {}, {"qty": 1001}, None),
    ({}, {}, {"symbol": "ZZZ"}, "no_price"),
]


@pytest.mark.parametrize(("limits", "held", "kwargs", "expected"), CASES)
def test_check_when_limit_table_then_denies_exactly_the_breaches(limits, held, kwargs, expected):
    view = View({"AAA": 100.0, "BBB": 200.0}, held)
    view.cash -= sum(q * view.prices[s] for s, q in held.items())  # equity stays 100k
    risk = RiskEngine(limits)
    verdict = risk.check(order(**kwargs), view)
    if expected is None:
        assert verdict.allowed, verdict.reason
        assert not risk.denials
    else:
        assert not verdict.allowed
        assert verdict.check == expected
        assert verdict.reason.startswith(f"{expected}: ")
        assert risk.denials[-1].reason == expected
        assert risk.audit[-1].kind == "denial"
        assert risk.audit[-1].payload["reason"] == expected


def test_check_when_denied_then_values_involved_are_recorded():
    risk = RiskEngine({"max_order_notional": 1000})
    risk.check(order(qty=12), View({"AAA": 100.0}))
    values = risk.denials[0].values
    assert values["notional"] == pytest.approx(1200.0)
    assert values["limit"] == 1000.0


@pytest.mark.parametrize(("per_minute", "per_second", "gaps_s", "denied_at"), [
    (3, None, [0, 10, 20, 30], [3]),       # 4th order inside the minute
    (3, None, [0, 10, 20, 61], []),        # the first has left the window
    (3, None, [0, 0, 0, 59.9, 60.1], [3]),  # still 3 in (t-60, t] at 59.9
    (None, 2, [0, 0.5, 0.9, 1.0, 1.2], [2, 4]),
])
def test_check_when_order_rate_exceeded_then_denied_by_engine_time(per_minute, per_second,
                                                                    gaps_s, denied_at):
    risk = RiskEngine({"max_orders_per_minute": per_minute, "max_orders_per_second": per_second})
    view = View({"AAA": 100.0})
    denied = []
    for i, gap in enumerate(gaps_s):
        o = order(qty=1, cid=f"o-{i}", at=T0 + pd.Timedelta(seconds=gap))
        if not risk.check(o, view).allowed:
            denied.append(i)
            assert risk.denials[-1].reason == "order_rate"
    assert denied == denied_at


@pytest.mark.parametrize(("age_s", "allowed"), [(59, True), (60, True), (61, False)])
def test_check_when_data_older_than_threshold_then_stale_data(age_s, allowed):
    risk = RiskEngine({"stale_after_seconds": 60})
    risk.on_bar("AAA", T0.value, 100.0)
    verdict = risk.check(order(at=T0 + pd.Timedelta(seconds=age_s)), View({"AAA": 100.0}))
    assert verdict.allowed is allowed
    if not allowed:
        assert verdict.check == "stale_data"


def test_set_limit_when_changed_at_run_time_then_applies_and_is_audited():
    risk = RiskEngine()
    view = View({"AAA": 100.0})
    assert risk.check(order(qty=50), view).allowed
    risk.set_limit("max_order_quantity", 10, actor="alice", reason="tighten")
    assert risk.check(order(qty=50, cid="o-2"), view).check == "max_order_quantity"
    change = [r for r in risk.audit if r.kind == "limit_change"][0]
    assert change.actor == "alice"
    assert change.payload == {"name": "max_order_quantity", "old": None, "new": 10.0,
                              "reason": "tighten"}
    assert risk.audit.verify()


def test_buying_power_shortcut_when_any_portfolio_then_same_verdict_as_the_full_impact():
    from decimal import Decimal

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from signaltrust.core.orders import Order
    from signaltrust.execution import Ledger, Portfolio
    from signaltrust.risk import limits as L

    prices = st.floats(0.01, 1e5, allow_nan=False)
    units = st.floats(-1e4, 1e4, allow_nan=False)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(units, prices), min_size=1, max_size=3), st.floats(-1e6, 1e7),
           st.sampled_from(["BUY", "SELL"]), st.floats(0.001, 1e5), st.integers(0, 2),
           st.one_of(st.none(), prices))
    def check(held, cash, side, quantity, which, limit):
        symbols = tuple(f"S{i}" for i in range(len(held)))
        pf = Portfolio(Ledger({"USD": Decimal(1)}, leverage=2), symbols)
        pf.cash_f = cash
        for slot, (q, p) in enumerate(held):
            pf.qty[slot], pf.last[slot] = q, p
        symbol = symbols[min(which, len(symbols) - 1)]
        order = (Order("o-1", symbol, side, quantity, "LIMIT", limit_price=limit)
                 if limit is not None else Order("o-1", symbol, side, quantity))
        full = L.order_impact(order, pf)
        expected = L.check_buying_power(full)
        got = L.buying_power_denial(order, pf)
        assert (got is None) == (expected is None)
        if got is not None:
            assert got.values == expected.values

    check()
