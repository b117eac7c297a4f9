"""The compliance officer's rules, and its veto stopping orders in a backtest and in a paper
trading node (the same pre-trade check, composed with the risk engine)."""

from __future__ import annotations

import pytest

from signaltrust.agents.audit import AuditTrail
from signaltrust.agents.compliance import (
    ComplianceOfficer,
    ComplianceRules,
    OrderIntent,
    read_names,
)
from signaltrust.backtest import run_strategy
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.live.node import TradingNode
from signaltrust.research.agents.compliance import ComplianceCheck, compliance_hook
from signaltrust.risk import RiskEngine
from signaltrust.storage import Journal, open_database
from signaltrust.strategy.api import Strategy
from tests.live.nodekit import paper_config, run_node


class BuyWhenFlat(Strategy):
    def __init__(self, units: float = 10) -> None:
        super().__init__()
        self.units = units
        self.events = []

    def on_bar(self, ctx, bar):
        if ctx.position(bar.symbol) == 0 and not ctx.open_orders(bar.symbol):
            ctx.buy(bar.symbol, self.units)

    def on_order(self, ctx, event):
        self.events.append(event)


@pytest.fixture(scope="module")
def spx():
    return load("sp500").loc["2010-01":"2010-06"]


@pytest.fixture
def lists(tmp_path):
    restricted = tmp_path / "restricted.txt"
    restricted.write_text("# names under research coverage\nSPX\n")
    sanctions = tmp_path / "sanctions.csv"
    sanctions.write_text("name,reason\nACME-SHELL,OFAC SDN\n")
    return restricted, sanctions


def test_read_names_when_list_and_csv_files_then_comments_and_headers_are_skipped(lists):
    restricted, sanctions = lists
    assert read_names(restricted) == {"SPX"}
    assert read_names(sanctions) == {"ACME-SHELL"}


def test_read_names_when_file_is_missing_then_validation_error_names_the_path(tmp_path):
    with pytest.raises(ValidationError) as err:
        read_names(tmp_path / "nope.txt")
    assert err.value.field == "path"


def test_rules_when_symbol_is_restricted_then_buying_is_vetoed_but_selling_down_is_not(lists):
    rules = ComplianceRules.from_files(*lists)
    assert rules.violations(OrderIntent(symbol="spx", side=1, quantity=1))[0].startswith(
        "restricted")
    assert rules.violations(OrderIntent(symbol="SPX", side=-1, quantity=5, position=5)) == []


def test_rules_when_counterparty_tag_is_sanctioned_then_vetoed(lists):
    rules = ComplianceRules.from_files(*lists)
    found = rules.violations(OrderIntent(symbol="GOOG", side=1, quantity=1,
                                         tags=("acme-shell",)))
    assert found == ["sanctions: ACME-SHELL on the sanctions list"]


def test_rules_when_order_crosses_own_resting_order_then_wash_trade(lists):
    rules = ComplianceRules()
    crossing = OrderIntent(symbol="GOOG", side=1, quantity=1, limit_price=101.0,
                           open_orders=((-1, 100.0),))
    apart = OrderIntent(symbol="GOOG", side=1, quantity=1, limit_price=99.0,
                        open_orders=((-1, 100.0),))
    assert rules.violations(crossing)[0].startswith("wash trade")
    assert rules.violations(apart) == []


def test_rules_when_position_would_pass_its_limit_then_vetoed_and_reducing_is_allowed():
    rules = ComplianceRules(position_limits={"GOOG": 100, "*": 1000})
    assert rules.violations(OrderIntent(symbol="GOOG", side=1, quantity=30, position=80))
    assert not rules.violations(OrderIntent(symbol="GOOG", side=-1, quantity=10, position=150))
    assert not rules.violations(OrderIntent(symbol="MSFT", side=1, quantity=900))


def test_compliance_officer_when_order_breaks_rules_then_report_is_a_veto(lists):
    report = ComplianceOfficer(rules=ComplianceRules.from_files(*lists)).assess(
        OrderIntent(symbol="SPX", side=1, quantity=1))
    assert not report.allowed and report.stance == "bearish" and report.violations


def test_backtest_when_symbol_is_restricted_then_every_buy_is_denied_by_compliance(spx, lists):
    strategy = BuyWhenFlat()
    risk = RiskEngine()
    trail = AuditTrail()
    check = ComplianceCheck(ComplianceRules.from_files(*lists), then=risk, trail=trail)
    result = run_strategy({"SPX": spx}, strategy, check=check, attach=check.attach)
    denied = [e for e in strategy.events if e.status == "DENIED"]
    assert denied and all(e.reason.startswith("compliance: restricted") for e in denied)
    assert not any(e.status == "FILLED" for e in strategy.events)
    assert result.stats["trades"] == 0
    assert trail.records(kind="decision")[0].payload["veto"] is True


def test_backtest_when_compliant_then_orders_reach_the_risk_engine(spx):
    strategy = BuyWhenFlat(units=100)
    risk = RiskEngine({"max_order_quantity": 50})
    check = ComplianceCheck(ComplianceRules(), then=risk)
    run_strategy({"SPX": spx}, strategy, check=check, attach=check.attach)
    reasons = {e.reason for e in strategy.events if e.status == "DENIED"}
    assert reasons == {"max_order_quantity: quantity 100 exceeds the limit 50"}


def test_paper_node_when_symbol_is_restricted_then_compliance_denies_and_nothing_fills(
        spx, lists, tmp_path):
    frames = {"SPX": load("sp500").loc["2009":"2011"]}
    database = open_database(None, tmp_path)
    rules = ComplianceRules.from_files(*lists)
    result = run_node(paper_config("veto"), database, frames, hooks=(compliance_hook(rules),))
    orders = [e.payload for e in Journal(database, "veto").entries() if e.kind == "order"]
    assert result.__plain__()["trades"] == 0
    assert orders and all(o["status"] in ("NEW", "DENIED") for o in orders)
    denied = [o for o in orders if o["status"] == "DENIED"]
    assert denied and "compliance" in str(denied[0])


def test_paper_node_when_no_list_names_the_symbol_then_it_trades(spx, tmp_path):
    frames = {"SPX": load("sp500").loc["2009":"2011"]}
    database = open_database(None, tmp_path)
    result = run_node(paper_config("free"), database, frames,
                      hooks=(compliance_hook(ComplianceRules()),))
    assert result.__plain__()["trades"] > 0
    node = TradingNode(paper_config("free"), database, frames=frames)
    node.recover()
    compliance_hook(ComplianceRules())(node.accounts["main"])
    assert isinstance(node.accounts["main"].core.router.check, ComplianceCheck)
    assert not isinstance(node.accounts["main"].core.router.check.then, ComplianceCheck)
