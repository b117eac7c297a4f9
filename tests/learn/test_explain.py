"""Trade explanations of a saved backtest run and of a node's journal, checked against the
bars and the engine's rules."""

from __future__ import annotations

import asyncio
import json

import pytest

from signaltrust import ta
from signaltrust.backtest.api import load_bars
from signaltrust.core.errors import ValidationError
from signaltrust.learn.explain import explain_trade
from signaltrust.learn.runs import RunSpec, list_runs, load_run, save_run
from signaltrust.learn.sources import backtest_record, open_record

SPEC = RunSpec("goog", "sma_cross", {"fast": 10, "slow": 30},
               options={"sl_stop": 0.05, "tp_stop": 0.15})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    save_run("demo", SPEC, folder)
    return folder


@pytest.fixture(scope="module")
def record(runs):
    return backtest_record(load_run("demo", runs))


def _number(record, reason):
    return int((record.trades["exit_reason"] == reason).to_numpy().argmax()) + 1


def test_save_run_when_loaded_then_spec_and_costs_resolved_and_replay_repeats_trades(runs):
    saved = load_run("demo", runs)
    assert list_runs(runs) == ["demo"]
    assert saved.spec.settings["fees"] == 0.001 and saved.spec.options["sl_stop"] == 0.05
    assert list(saved.replay().trades["entry_bar"]) == list(saved.trades["entry_bar"])


def test_replay_when_saved_trades_differ_then_validation_error(runs, tmp_path):
    record = json.loads((runs / "demo.json").read_text())
    record["trades"][0]["pnl"] += 1.0
    (tmp_path / "edited.json").write_text(json.dumps(record))
    with pytest.raises(ValidationError) as error:
        load_run("edited", tmp_path).replay()
    assert "changed" in error.value.message


def test_entry_when_explained_then_the_cross_is_shown_at_the_close_before_the_fill(record):
    why = explain_trade(record, 1)
    trade = record.trades.iloc[0]
    bars = load_bars("goog")
    decided = int(trade["entry_bar"]) - 1
    fast = ta.sma(bars["close"], timeperiod=10)
    slow = ta.sma(bars["close"], timeperiod=30)
    assert why.entry["decided_at"] == str(bars.index[decided].date())
    assert fast.iloc[decided] > slow.iloc[decided]
    assert fast.iloc[decided - 1] <= slow.iloc[decided - 1]
    assert why.features["sma_10"] == pytest.approx(fast.iloc[decided])
    assert why.entry["reference_price"] == bars["open"].iloc[decided + 1]
    assert "crossed above" in why.text()


def test_stop_loss_exit_when_explained_then_level_range_and_slippage_match_the_fill(record):
    why = explain_trade(record, _number(record, "stop_loss"))
    level = why.exit["level"]
    bar = why.exit["bar"]
    assert level == pytest.approx(why.entry["fill_price"] * 0.95)
    assert bar["low"] <= level
    reference = min(level, bar["open"])
    assert why.exit["fill_price"] == pytest.approx(reference * (1 - 0.0002))
    assert why.costs["exit_slippage"] > 0


def test_take_profit_exit_when_explained_then_no_slippage(record):
    why = explain_trade(record, _number(record, "take_profit"))
    assert why.costs["exit_slippage"] == pytest.approx(0.0, abs=1e-9)
    assert why.exit["bar"]["high"] >= why.exit["level"]
    assert "without slippage" in why.exit["why"]


def test_costs_when_explained_then_entry_and_exit_fees_add_up_to_the_trade_fees(record):
    number = 4
    why = explain_trade(record, number)
    trade = record.trades.iloc[number - 1]
    assert why.costs["entry_fee"] + why.costs["exit_fee"] == pytest.approx(trade["fees"])
    assert why.sizing["notional"] + why.costs["entry_fee"] == pytest.approx(
        why.sizing["equity"], rel=1e-6)  # all in: units x price + fee = the allotment
    assert all(check.passed for check in why.checks)


def test_expectation_when_explained_then_only_trades_closed_before_the_entry_count(record):
    first, fifth = explain_trade(record, 1), explain_trade(record, 5)
    earlier = record.trades.iloc[:4]
    known = earlier[earlier["exit_bar"] < record.trades.iloc[4]["entry_bar"]]
    assert first.outcome["expected_return"] is None
    assert fifth.outcome["expected_return"] == pytest.approx(known["return"].mean())


@pytest.mark.parametrize("number", [0, 999])
def test_explain_when_trade_number_is_outside_the_run_then_validation_error(record, number):
    with pytest.raises(ValidationError) as error:
        explain_trade(record, number)
    assert error.value.field == "trade"


def test_open_record_when_neither_run_nor_node_then_validation_error(runs):
    with pytest.raises(ValidationError) as error:
        open_record("nothing", runs_folder=runs)
    assert "learn save" in error.value.fix


@pytest.mark.slow
def test_node_trades_when_explained_then_fills_pair_into_trades_that_add_up_to_equity(tmp_path):
    from signaltrust.data import load
    from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig
    from signaltrust.live.node import TradingNode
    from signaltrust.storage import open_database

    database = open_database(None, tmp_path)
    config = NodeConfig(name="lesson", data=["goog"], accounts=[AccountConfig(
        cash=100_000, strategies=[StrategyConfig(spec="sma_cross",
                                                 params={"fast": 10, "slow": 30})])])
    result = asyncio.run(TradingNode(config, database, frames={"GOOG": load("goog").iloc[:300]})
                         .run())
    record = open_record("lesson", runs_folder=tmp_path / "runs", database=database)
    final = result.__plain__()["final_equity"]
    assert record.trades["pnl"].sum() == pytest.approx(final - 100_000, rel=1e-9)
    why = explain_trade(record, 2)
    assert why.source == "node" and "crossed above" in why.entry["rule"]
    assert any(check.name == "risk_engine" and check.passed for check in why.checks)


def test_open_record_when_a_json_path_without_allow_paths_then_not_read(runs, tmp_path,
                                                                        monkeypatch):
    monkeypatch.chdir(runs)  # "demo.json" exists here, but only the CLI may read paths
    with pytest.raises(ValidationError):
        open_record("demo.json", runs_folder=tmp_path)
    assert open_record("demo.json", runs_folder=tmp_path, allow_paths=True).run == "demo"
