"""The risk engine on the trading core: denials reach the strategy, the kill switch flattens
through the order path, drawdown protection acts on a replayed crash, limits come from the
configuration and run-time changes are validated and audited."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from signaltrust.backtest import run_strategy
from signaltrust.core.config import load_settings
from signaltrust.core.errors import ConfigError
from signaltrust.data import load
from signaltrust.risk import KILL_TAG, PreTradeCheck, RiskEngine, TradingState
from signaltrust.strategy.api import Strategy


class BuyEveryBar(Strategy):
    """Buys ``units`` on each bar while flat and records the events it sees."""

    def __init__(self, units: float = 10, limit_below: float | None = None) -> None:
        super().__init__()
        self.units, self.limit_below = units, limit_below
        self.events: list = []

    def on_bar(self, ctx, bar):
        if ctx.position(bar.symbol) == 0 and not ctx.open_orders(bar.symbol):
            ctx.buy(bar.symbol, self.units)
            if self.limit_below is not None:  # a resting order the kill switch must cancel
                ctx.buy(bar.symbol, 1, type="limit", limit=bar.close * self.limit_below)

    def on_order(self, ctx, event):
        self.events.append(event)


def _run(bars, strategy, risk, listeners=()):
    cores = []

    def attach(core):
        cores.append(core)
        risk.attach(core)

    result = run_strategy({"SPX": bars}, strategy, check=risk, attach=attach,
                          listeners=listeners)
    return cores[0], result


@pytest.fixture(scope="module")
def spx():
    return load("sp500")


def test_risk_engine_when_used_as_hook_then_is_a_pretrade_check():
    assert isinstance(RiskEngine(), PreTradeCheck)


def test_run_when_order_breaks_a_limit_then_strategy_sees_denied_with_named_reason(spx):
    strategy = BuyEveryBar(units=100)
    risk = RiskEngine({"max_order_quantity": 50})
    engine, _ = _run(spx.loc["2010-01":"2010-02"], strategy, risk)
    denied = [e for e in strategy.events if e.status == "DENIED"]
    assert denied and len(denied) == len(risk.denials)
    assert denied[0].reason == "max_order_quantity: quantity 100 exceeds the limit 50"
    assert all(o.status == "DENIED" for o in engine.manager)
    assert engine.ledger.quantity("SPX") == 0
    assert {r.kind for r in risk.audit} == {"denial"} and risk.audit.verify()


def test_run_when_orders_within_limits_then_nothing_denied(spx):
    strategy = BuyEveryBar(units=10)
    risk = RiskEngine({"max_order_quantity": 50, "price_band_pct": 0.05})
    engine, _ = _run(spx.loc["2010-01":"2010-02"], strategy, risk)
    assert not risk.denials and engine.ledger.quantity("SPX") == 10


def test_kill_when_called_mid_run_then_cancels_flattens_and_halts(spx):
    strategy = BuyEveryBar(units=20, limit_below=0.5)
    risk = RiskEngine()
    kill_at = pd.Timestamp("2010-01-20", tz="UTC")
    results = []

    def killer(core, bars):
        if core.clock.now >= kill_at and not results:
            results.append(risk.kill("test drill", actor="ops"))

    engine, result = _run(spx.loc["2010-01":"2010-03"], strategy, risk, listeners=(killer,))
    kill = results[0]
    assert kill.complete and len(kill.canceled) == 1 and len(kill.flattening_orders) == 1
    assert engine.manager.get(kill.canceled[0]).status == "CANCELED"
    flat = engine.manager.get(kill.flattening_orders[0])
    assert flat.status == "FILLED" and KILL_TAG in flat.tags and flat.side == "SELL"
    assert engine.ledger.quantity("SPX") == 0
    assert risk.state is TradingState.HALTED
    # BuyEveryBar keeps trying once flat: every later order is denied as halted
    later = [d for d in risk.denials if d.time > kill_at]
    assert later and {d.reason for d in later} == {"trading_halted"}
    kinds = [r.kind for r in risk.audit]
    assert kinds[:3] == ["kill_switch", "state_change", "kill_switch_done"]
    assert risk.audit.verify() and engine.ledger.check_balanced()
    risk.reset(actor="ops", reason="drill over")
    assert risk.state is TradingState.ACTIVE


def test_run_when_buy_and_hold_through_2008_then_reducing_after_20pct_and_buys_denied(spx):
    bars = spx.loc["2007-06":"2009-12"]
    risk = RiskEngine({"drawdown_levels": [[0.10, 0.5], [0.20, 0.0]], "recovery_drawdown": 0.05})
    added = []

    class AddOnDips(Strategy):
        def on_bar(self, ctx, bar):
            if ctx.position(bar.symbol) == 0:
                ctx.buy(bar.symbol, 60)
            elif ctx.now.day == 15:  # try to add a little every month
                added.append(ctx.buy(bar.symbol, 1))

    engine, result = _run(bars, AddOnDips(), risk)
    steps = [r for r in risk.audit if r.kind == "drawdown_step"]
    equity = result.equity
    dd = 1 - equity / equity.cummax()
    first_20 = dd.index[dd >= 0.20][0]
    to_zero = [pd.Timestamp(s.time) for s in steps if s.payload["multiplier"] == 0.0]
    # the engine sees equity at each bar's end: the label's next calendar day
    assert to_zero[0] - first_20 <= pd.Timedelta(days=4) and to_zero[0] >= first_20
    reducing = [d for d in risk.denials if d.reason == "reducing_only"]
    assert reducing and all(d.time >= to_zero[0] for d in reducing)
    halved = [d for d in risk.denials if d.reason == "max_gross_exposure"]
    assert all(d.values["drawdown_multiplier"] == 0.5 for d in halved)


def test_from_settings_when_toml_has_risk_section_then_limits_apply():
    home = Path(os.environ["SIGNALTRUST_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        "[risk]\nmax_order_quantity = 5\nprice_band_pct = 0.02\n"
        "drawdown_levels = [[0.1, 0.5], [0.2, 0.0]]\nrecovery_drawdown = 0.05\n")
    risk = RiskEngine.from_settings(load_settings())
    assert risk.limits.max_order_quantity == 5 and risk.drawdown.levels[1] == (0.2, 0.0)


@pytest.mark.parametrize(("limits", "key"), [
    ({"max_order_quantity": -1}, "risk.max_order_quantity"),
    ({"price_band_pct": 5}, "risk.price_band_pct"),
    ({"drawdown_levels": [[0.2, 0.5], [0.1, 0.0]]}, "risk.drawdown_levels"),
    ({"drawdown_levels": [[0.1, 1.5]]}, "risk.drawdown_levels"),
    ({"drawdown_levels": [[0.1, 0.5]], "recovery_drawdown": 0.2}, "risk.recovery_drawdown"),
    ({"max_order_qty": 5}, "risk.max_order_qty"),
    ({"consecutive_loss_state": "PAUSED"}, "risk.consecutive_loss_state"),
])
def test_init_when_limit_invalid_then_config_error_names_key(limits, key):
    with pytest.raises(ConfigError) as info:
        RiskEngine(limits)
    assert info.value.field == key


def test_set_limit_when_invalid_then_refused_unchanged_and_not_audited():
    risk = RiskEngine({"max_order_quantity": 10})
    with pytest.raises(ConfigError, match="risk.max_order_quantity"):
        risk.set_limit("max_order_quantity", 0, actor="ops", reason="typo")
    with pytest.raises(ConfigError, match="unknown risk limit"):
        risk.set_limit("max_qty", 3, actor="ops", reason="typo")
    assert risk.limits.max_order_quantity == 10 and len(risk.audit) == 0


def test_set_limit_when_drawdown_levels_changed_then_peak_is_kept():
    risk = RiskEngine({"drawdown_levels": [[0.1, 0.5]]})
    risk.on_equity(0, 100.0)
    risk.on_equity(1, 85.0)
    assert risk.multiplier == 0.5
    risk.set_limit("drawdown_levels", [[0.1, 0.5], [0.14, 0.0]], actor="ops", reason="tighter")
    risk.on_equity(2, 85.0)
    assert risk.multiplier == 0.0 and risk.state is TradingState.REDUCING


def test_docs_when_quick_start_runs_then_an_order_is_denied():
    text = (Path(__file__).parents[2] / "docs" / "risk.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "docs/risk.md", "exec"), namespace)  # noqa: S102
    assert namespace["risk"].denials[0].reason == "price_band"
