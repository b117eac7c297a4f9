"""Portfolio limits before the trade: VaR and CVaR (the order's marginal effect), correlation
of new exposure, sector and asset-class exposure; named denials, reductions always pass, and
the same engine in the trading core's replay."""

from __future__ import annotations

import numpy as np
import pytest

from signaltrust.backtest import run_strategy
from signaltrust.core.errors import ConfigError
from signaltrust.data import load
from signaltrust.risk.engine import RiskEngine
from signaltrust.strategy.api import Strategy
from tests.risk.test_limits import View, order

DAY = 86_400 * 10**9


def _returns(n: int = 100, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, n)


def _feed(risk: RiskEngine, returns: dict[str, np.ndarray]) -> None:
    """Bars of closes that make exactly these returns (start at 100)."""
    for symbol, r in returns.items():
        closes = 100.0 * np.cumprod(np.r_[1.0, 1.0 + r])
        for i, close in enumerate(closes):
            risk.on_bar(symbol, (i + 1) * DAY, float(close))


def _engine(limits, returns):
    risk = RiskEngine({"check_buying_power": False, **limits})
    _feed(risk, returns)
    return risk


def test_var_when_order_takes_book_var_over_the_limit_then_denied_with_marginal_var():
    r = _returns()
    risk = _engine({"max_var_pct": 0.01}, {"AAA": r})
    view = View({"AAA": 100.0}, {"AAA": 500})  # 50,000 held, equity 150,000
    var_now = -np.percentile(r, 5) * 50_000 / 150_000
    var_after = -np.percentile(r, 5) * 60_000 / 150_000
    limit = (var_now + var_after) / 2
    risk.set_limit("max_var_pct", limit, actor="t", reason="t")

    denied = risk.check(order(qty=100), view)

    assert not denied.allowed and denied.reason.startswith("max_var:")
    values = risk.denials[-1].values
    assert values["var_before"] == pytest.approx(var_now)
    assert values["var_after"] == pytest.approx(var_after)
    assert values["marginal_var"] == pytest.approx(var_after - var_now)
    assert risk.check(order(qty=40), view).allowed  # stays under the limit
    assert risk.check(order(side="SELL", qty=100), view).allowed  # cuts risk


def test_cvar_when_limit_set_then_tail_mean_is_the_measure():
    r = _returns(seed=1)
    risk = _engine({"max_cvar_pct": 0.004}, {"AAA": r})
    view = View({"AAA": 100.0})
    tail = r[r <= np.percentile(r, 5)].mean()
    units = int(0.004 * 100_000 / (-tail * 100.0))  # the largest position under the limit

    assert risk.check(order(qty=units), view).allowed
    denied = risk.check(order(qty=units + 2), view)
    assert denied.reason.startswith("max_cvar:")
    assert risk.denials[-1].values["cvar_after"] == pytest.approx(
        -tail * (units + 2) * 100.0 / 100_000)


def test_var_when_order_hedges_the_book_then_allowed_although_var_stays_high():
    r = _returns(seed=2)
    risk = _engine({"max_var_pct": 0.001}, {"AAA": r, "BBB": r * 0.9})
    view = View({"AAA": 100.0, "BBB": 100.0}, {"AAA": 500})
    assert not risk.check(order(symbol="BBB", qty=100), view).allowed  # adds to the risk
    assert risk.check(order(symbol="BBB", side="SELL", qty=100), view).allowed  # a hedge


def test_correlation_when_new_long_tracks_a_held_long_then_denied_naming_both():
    r = _returns(seed=3)
    noise = _returns(seed=4)
    risk = _engine({"max_correlation": 0.7}, {"AAA": r, "BBB": r + 0.2 * noise,
                                              "CCC": noise})
    view = View({"AAA": 100.0, "BBB": 100.0, "CCC": 100.0}, {"AAA": 100})

    denied = risk.check(order(symbol="BBB", qty=10), view)
    assert denied.reason.startswith("max_correlation:")
    values = risk.denials[-1].values
    assert values["other"] == "AAA" and values["correlation"] > 0.9
    assert risk.check(order(symbol="CCC", qty=10), view).allowed  # unrelated
    assert risk.check(order(symbol="BBB", side="SELL", qty=10), view).allowed  # a hedge


def test_sector_when_order_crowds_one_sector_then_denied_other_sectors_pass():
    risk = RiskEngine({"max_sector_exposure": 0.5, "check_buying_power": False,
                       "sectors": {"AAA": "tech", "BBB": "tech", "CCC": "energy"}})
    view = View({"AAA": 100.0, "BBB": 100.0, "CCC": 100.0}, {"AAA": 400}, cash=60_000)
    # equity 100,000; tech holds 40,000
    assert risk.check(order(symbol="BBB", qty=100), view).allowed  # tech 50 %
    denied = risk.check(order(symbol="BBB", qty=101), view)
    assert denied.reason.startswith("max_sector_exposure: sector tech")
    assert risk.denials[-1].values["share_after"] == pytest.approx(0.501)
    assert risk.check(order(symbol="CCC", qty=450), view).allowed
    assert risk.check(order(symbol="AAA", side="SELL", qty=100), view).allowed


def test_asset_class_when_unmapped_symbols_then_grouped_as_unclassified():
    risk = RiskEngine({"max_asset_class_exposure": 0.3, "check_buying_power": False,
                       "asset_classes": {"BTC": "crypto"}})
    view = View({"BTC": 100.0, "AAA": 100.0, "BBB": 100.0}, {"AAA": 200})
    denied = risk.check(order(symbol="BBB", qty=200), view)  # 40,000 of 120,000 unclassified
    assert denied.reason.startswith("max_asset_class_exposure: asset class unclassified")
    assert risk.check(order(symbol="BTC", qty=300), view).allowed


def test_var_when_history_is_too_short_then_not_measured_and_allowed():
    risk = _engine({"max_var_pct": 0.0001, "max_correlation": 0.1},
                   {"AAA": _returns(10), "BBB": _returns(10)})
    view = View({"AAA": 100.0, "BBB": 100.0}, {"AAA": 100})
    assert risk.check(order(symbol="BBB", qty=100), view).allowed


def test_config_when_portfolio_limit_invalid_then_error_names_the_key():
    with pytest.raises(ConfigError) as err:
        RiskEngine({"max_var_pct": 1.5})
    assert err.value.field == "risk.max_var_pct"


class BuyBoth(Strategy):
    """Buys 10,000 of SPX on its 30th bar and of GOOG on its 40th (each once)."""

    START = {"SPX": 30, "GOOG": 40}

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, int] = {}

    def on_bar(self, ctx, bar):
        self.seen[bar.symbol] = self.seen.get(bar.symbol, 0) + 1
        if self.seen[bar.symbol] >= self.START[bar.symbol] and ctx.position(bar.symbol) == 0 \
                and not ctx.open_orders(bar.symbol):
            ctx.buy(bar.symbol, round(10_000 / bar.close))


@pytest.mark.parametrize(("limits", "reason"), [
    ({"max_correlation": 0.5}, "max_correlation"),
    ({"max_var_pct": 0.005}, "max_var"),
])
def test_replay_when_book_limit_set_then_trading_core_denies_with_named_reason(limits, reason):
    spx, goog = load("sp500").loc["2008-06":"2008-12"], load("goog").loc["2008-06":"2008-12"]
    risk = RiskEngine({**limits, "risk_lookback": 60})
    run_strategy({"SPX": spx, "GOOG": goog}, BuyBoth(), check=risk, attach=risk.attach)
    assert {d.reason for d in risk.denials} == {reason}
    assert {d.symbol for d in risk.denials} == {"GOOG"}  # SPX was bought first, alone
    assert risk.denials[0].time >= goog.index[39]


def test_docs_when_portfolio_limits_example_runs_then_the_correlated_buy_is_denied():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "risk.md").read_text()
    section = text.split("## Portfolio limits", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "docs/risk.md", "exec"), namespace)  # noqa: S102
    risk = namespace["risk"]
    assert risk.denials[0].reason == "max_correlation"
    assert risk.denials[0].values["correlation"] == pytest.approx(0.98, abs=0.01)
