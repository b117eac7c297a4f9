"""A node's trades are labelled by what really closed them (a stop, a take-profit, a trailing
stop, the kill switch, an operator's close), read from the orders the journal recorded, not
all called "signal"."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

from signaltrust.learn.explain import explain_trade
from signaltrust.learn.runs import RunSpec, load_run, save_run
from signaltrust.learn.sources import backtest_record, exit_reason, open_record

STRATEGY = textwrap.dedent("""
    from signaltrust.strategy import SmaCross


    class StoppedCross(SmaCross):
        \"\"\"sma_cross with a 2 % stop-loss placed after each entry fills.\"\"\"

        def __init__(self, **params):
            super().__init__(**params)
            self.trading(sl_stop=0.02)
""")


@pytest.mark.parametrize(("order", "reason"), [
    (None, "signal"),
    ({"tags": [], "type": "MARKET", "parent_id": None}, "signal"),
    ({"tags": ["stop_loss"], "type": "STOP"}, "stop_loss"),
    ({"tags": ["take_profit"], "type": "LIMIT"}, "take_profit"),
    ({"tags": ["trailing_stop"], "type": "TRAILING_STOP"}, "trailing_stop"),
    ({"tags": ["kill_switch"], "type": "MARKET"}, "kill_switch"),
    ({"tags": ["kill_switch"], "type": "MARKET", "closed_by": "operator ann"}, "operator_close"),
    ({"tags": ["reverse"], "type": "MARKET"}, "reverse"),
    ({"tags": [], "type": "LIMIT", "parent_id": "entry-1"}, "take_profit"),  # a bracket's child
    ({"tags": [], "type": "STOP", "parent_id": "entry-1"}, "stop_loss"),
])
def test_exit_reason_when_order_tagged_or_bracketed_then_named_by_what_fired(order, reason):
    assert exit_reason(order) == reason


@pytest.mark.slow
def test_node_trades_when_a_stop_fires_then_exit_labelled_stop_loss_as_the_backtest_does(
        tmp_path):
    from signaltrust.data import load
    from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig
    from signaltrust.live.node import TradingNode
    from signaltrust.storage import open_database

    (tmp_path / "stopped.py").write_text(STRATEGY)
    params = {"fast": 10, "slow": 30}
    database = open_database(None, tmp_path)
    config = NodeConfig(name="stopped", data=["goog"], accounts=[AccountConfig(
        cash=100_000, strategies=[StrategyConfig(spec=f"{tmp_path / 'stopped.py'}:StoppedCross",
                                                 params=params)])])
    asyncio.run(TradingNode(config, database, frames={"GOOG": load("goog").iloc[:400]}).run())
    record = open_record("stopped", runs_folder=tmp_path / "runs", database=database)
    reasons = list(record.trades["exit_reason"])
    assert "stop_loss" in reasons and "signal" in reasons

    save_run("same", RunSpec("goog", "sma_cross", params, options={"sl_stop": 0.02}),
             tmp_path / "runs")
    backtest = backtest_record(load_run("same", tmp_path / "runs")).trades
    backtest = backtest[backtest["exit_time"] <= record.trades["exit_time"].max()]
    closed = record.trades[record.trades["status"] == "closed"]
    assert len(closed) >= 4
    assert list(closed["exit_reason"]) == list(backtest["exit_reason"])  # the same exits

    number = reasons.index("stop_loss") + 1
    why = explain_trade(record, number)
    trade = record.trades.iloc[number - 1]
    assert why.exit["reason"] == "stop_loss"
    assert why.exit["level"] == pytest.approx(0.98 * trade["entry_price"], rel=1e-9)
    assert "2.0% stop-loss" in why.exit["why"] and "Exit     stop_loss" in why.text()


def test_node_trade_when_an_operator_closes_it_then_exit_labelled_operator_close(tmp_path):
    from signaltrust.storage import NodeRegistry, open_database
    from tests.live.test_node_close import play, started, two_symbols

    database = open_database(None, tmp_path)
    node = started(database, two_symbols())
    play(node, 5)
    NodeRegistry(database).post("c1", "close", {"symbol": "A"}, actor="tester")
    node._poll_commands()
    play(node, 2)
    node.commit()
    record = open_record("c1", runs_folder=tmp_path / "runs", database=database, symbol="A")
    trade = record.trades.iloc[0]
    assert (trade["status"], trade["exit_reason"], trade["exit_by"]) == (
        "closed", "operator_close", "operator tester")
    why = explain_trade(record, 1)
    assert why.exit["why"].startswith("operator tester closed the position")
    held = open_record("c1", runs_folder=tmp_path / "runs", database=database, symbol="B")
    assert held.trades.iloc[0]["exit_reason"] == "open"  # B was not closed


def test_node_trades_when_read_for_explanations_then_every_kind_of_node_step_is_an_input():
    from signaltrust.learn.sources import NODE_INPUTS
    from signaltrust.live.node import INPUTS

    assert set(NODE_INPUTS) == set(INPUTS)
