"""A paper node on a replayed feed trades as the event backtest does, survives SIGKILL at any
moment with nothing lost or sent twice, refuses to resume on other code or data, and obeys
pause and stop."""

from __future__ import annotations

import pytest

from signaltrust import backtest
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.live.node import RecoveryError, TradingNode
from signaltrust.storage import Journal, NodeRegistry, open_database
from tests.live.nodekit import (
    crash_after,
    fills,
    kill_loop,
    paper_config,
    run_node,
    sent_twice,
    submitted_ids,
)


@pytest.fixture(scope="module")
def frames():
    return {"SPX": load("sp500")}


@pytest.fixture(scope="module")
def reference(frames, tmp_path_factory):
    """An uninterrupted paper run of sma_cross on the S&P 500, and its database."""
    home = tmp_path_factory.mktemp("reference")
    database = open_database(None, home)
    config = paper_config("ref", snapshot_every=300)
    return run_node(config, database, frames), database


def test_paper_node_when_replaying_sp500_then_trades_and_equity_equal_the_event_backtest(
        frames, reference):
    result, _ = reference
    expected = backtest.run(frames["SPX"], "sma_cross", engine="event").stats
    plain = result.__plain__()
    assert plain["status"] == "finished"
    assert plain["trades"] == expected["trades"] > 10
    assert plain["final_equity"] == pytest.approx(expected["final_equity"], rel=1e-9)


def test_paper_node_when_run_again_under_its_name_then_it_resumes_and_changes_nothing(
        frames, tmp_path):
    database = open_database(None, tmp_path)
    config = paper_config("again", snapshot_every=300)
    first = run_node(config, database, frames)
    before = fills(database, "again")
    second = run_node(config, database, frames)
    assert second.recovered_steps < 300  # from the last snapshot, not the whole journal
    assert fills(database, "again") == before
    assert second.__plain__()["final_equity"] == first.__plain__()["final_equity"]


@pytest.mark.slow
def test_paper_node_when_killed_100_times_then_ledger_and_trades_equal_an_uninterrupted_run(
        frames, reference, tmp_path):
    _, ref_db = reference
    config = paper_config("ref", snapshot_every=300)
    total = Journal(ref_db, "ref").count()
    lengths = kill_loop(None, str(tmp_path), config, frames, kills=100, expected_entries=total)
    assert len(lengths) == 100
    # the kills landed while the node was trading, at many points spread over its journal
    points = sorted({n for n in lengths if 0 < n < total})
    assert len(points) >= 15
    assert points[0] < total / 4 and points[-1] > 3 * total / 4
    database = open_database(None, tmp_path)
    assert fills(database, "ref") == fills(ref_db, "ref")
    assert sent_twice(submitted_ids(database, "ref")) == []
    assert submitted_ids(database, "ref") == submitted_ids(ref_db, "ref")
    node = TradingNode(config, database, frames=frames)
    node.recover()
    resumed, uninterrupted = node.result().accounts["main"], TradingNode(
        config, ref_db, frames=frames)
    uninterrupted.recover()
    expected = uninterrupted.result().accounts["main"]
    for key in ("final_equity", "trades", "cash", "positions"):
        assert resumed[key] == expected[key], key


@pytest.mark.slow
def test_paper_node_on_postgresql_when_killed_then_it_resumes_to_the_same_fills(
        frames, reference, tmp_path, postgres_url, postgres_schema):
    _, ref_db = reference
    config = paper_config("ref", snapshot_every=300)
    kill_loop(postgres_url, str(tmp_path), config, frames, kills=15,
              expected_entries=Journal(ref_db, "ref").count(), schema=postgres_schema)
    database = open_database(postgres_url, tmp_path, schema=postgres_schema)
    assert database.dialect == "postgresql"
    assert fills(database, "ref") == fills(ref_db, "ref")
    assert sent_twice(submitted_ids(database, "ref")) == []
    database.dispose()


def test_node_when_resumed_with_other_parameters_then_refused_with_the_fix(frames, tmp_path):
    database = open_database(None, tmp_path)
    run_node(paper_config("p"), database, frames)
    with pytest.raises(ValidationError) as err:
        run_node(paper_config("p", params={"fast": 5}), database, frames)
    assert err.value.field == "name" and "new --name" in err.value.fix
    entries = Journal(database, "p").count()
    with pytest.raises(ValidationError) as err:
        run_node(paper_config("p"), database, {"SPX": frames["SPX"].iloc[:-10]})
    assert err.value.field == "data"
    assert Journal(database, "p").count() == entries  # nothing stored was touched


def test_node_when_strategy_code_changed_under_its_journal_then_it_does_not_start(
        frames, tmp_path):
    strategy = tmp_path / "mine.py"
    code = '''
from signaltrust.strategy.api import Strategy

class Flip(Strategy):
    period = {period}

    def on_bar(self, ctx, bar):
        if len(ctx.history(bar.symbol)) % self.period == 0:
            weight = 0.5 if ctx.position(bar.symbol) == 0 else 0.0
            ctx.order_target_weight(bar.symbol, weight)
'''
    strategy.write_text(code.format(period=20))
    spec = f"{strategy}:Flip"
    database = open_database(None, tmp_path / "home")
    config = paper_config("flip", spec=spec, snapshot_every=10**6)
    crash_after(config, database, frames, steps=300)
    assert fills(database, "flip")
    strategy.write_text(code.format(period=7))
    with pytest.raises(RecoveryError) as err:
        TradingNode(config, database, frames=frames).recover()
    assert "did not repeat" in str(err.value)


def test_node_when_paused_by_the_operator_then_every_new_order_is_denied(frames, tmp_path):
    database = open_database(None, tmp_path)
    registry = NodeRegistry(database)
    config = paper_config("paused")
    registry.register("paused", "paper", config.model_dump(mode="json"), pid=None)
    command = registry.post("paused", "pause", actor="tester")
    result = run_node(config, database, {"SPX": frames["SPX"].iloc[:600]}, poll_seconds=0.0)
    assert result.__plain__()["trades"] == 0
    assert registry.command(command).result.startswith("paused")
    denied = [e.payload for e in Journal(database, "paused").entries()
              if e.kind == "order" and e.payload["status"] == "DENIED"]
    assert denied and all("node_paused" in str(p) for p in denied)


def test_node_when_stopped_by_the_operator_then_it_stops_and_resumes_later(frames, tmp_path):
    database = open_database(None, tmp_path)
    registry = NodeRegistry(database)
    config = paper_config("stopper")
    registry.register("stopper", "paper", config.model_dump(mode="json"), pid=None)
    registry.post("stopper", "stop", actor="tester")
    stopped = run_node(config, database, frames, poll_seconds=0.0)
    assert stopped.status == "stopped" and stopped.steps < 10
    finished = run_node(config, database, frames)
    assert finished.status == "finished"
    assert finished.__plain__()["trades"] == backtest.run(
        frames["SPX"], "sma_cross", engine="event").stats["trades"]


TWAP_STRATEGY = '''
from signaltrust.execution.algos import TWAP
from signaltrust.strategy.api import Strategy


class Accumulate(Strategy):
    def on_start(self, ctx):
        self.seen, self.parent = 0, None

    def on_bar(self, ctx, bar):
        self.seen += 1
        if self.seen == 20:
            self.parent = ctx.execute(TWAP(bar.symbol, 50, bars=10))
'''


def test_paper_node_when_killed_mid_twap_then_the_schedule_resumes_to_the_same_fills(
        frames, tmp_path):
    path = tmp_path / "accumulate.py"
    path.write_text(TWAP_STRATEGY)
    bars = {"SPX": frames["SPX"].iloc[:80]}
    config = paper_config("twap", spec=f"{path}:Accumulate", snapshot_every=22)
    whole = open_database(None, tmp_path / "whole")
    run_node(config, whole, bars)
    crashed = open_database(None, tmp_path / "crashed")
    crash_after(config, crashed, bars, steps=25)  # 5 of 10 slices sent; snapshot at step 22
    partial = fills(crashed, "twap")
    assert 0 < len(partial) < 10
    run_node(config, crashed, bars)
    assert fills(crashed, "twap") == fills(whole, "twap")
    assert len(fills(whole, "twap")) == 10
    assert sum(float(f[2]) for f in fills(whole, "twap")) == 50


def test_node_with_two_accounts_and_strategies_when_run_then_each_trades_as_its_own_backtest(
        frames, tmp_path):
    from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig

    bars = {"SPX": frames["SPX"].iloc[:1500]}
    accounts = [
        AccountConfig(name="fast", strategies=[
            StrategyConfig(spec="sma_cross", params={"fast": 5, "slow": 20})]),
        AccountConfig(name="slow", cash=50_000, strategies=[
            StrategyConfig(spec="sma_cross", params={"fast": 20, "slow": 100})]),
    ]
    config = NodeConfig(name="two", data=["sp500"], accounts=accounts)
    result = run_node(config, open_database(None, tmp_path), bars)
    for account, params, cash in (("fast", {"fast": 5, "slow": 20}, 100_000),
                                  ("slow", {"fast": 20, "slow": 100}, 50_000)):
        expected = backtest.run(bars["SPX"], "sma_cross", params, engine="event",
                                cash=cash).stats
        assert result.accounts[account]["trades"] == expected["trades"]
        assert result.accounts[account]["final_equity"] == pytest.approx(
            expected["final_equity"], rel=1e-9)


def test_replay_feed_when_speed_is_60_then_it_waits_a_sixtieth_of_market_time():
    import asyncio

    from signaltrust.live.feeds import ReplayFeed, parse_speed

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    index = __import__("pandas").date_range("2024-01-02 09:30", periods=4, freq="1min",
                                             tz="UTC")
    frame = __import__("pandas").DataFrame(
        {"open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0}, index=index)

    async def play() -> int:
        return len([bars async for bars in ReplayFeed({"X": frame}, speed=parse_speed("60"),
                                                      sleep=sleep)])

    assert asyncio.run(play()) == 4
    assert waits == [pytest.approx(1.0)] * 3  # a minute of market time per second
    assert parse_speed("max") is None
    with pytest.raises(ValidationError):
        parse_speed("fast")


def test_paper_node_with_volume_participation_when_replayed_then_partial_fills_equal_the_backtest(
        frames, tmp_path):
    from signaltrust.execution import FixedLatency, FixedSlippage, PercentFee, SimulatedVenue
    from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig

    bars = frames["SPX"].iloc[:800].assign(volume=lambda f: f["volume"] / 1e7)  # thin market
    account = AccountConfig(participation=0.05, latency_ms=5.0, strategies=[
        StrategyConfig(spec="sma_cross", params={"fast": 10, "slow": 30})])
    config = NodeConfig(name="thin", data=["sp500"], accounts=[account])
    database = open_database(None, tmp_path)
    result = run_node(config, database, {"SPX": bars})
    venue = SimulatedVenue(fees=PercentFee(0.001), slippage=FixedSlippage(0.0002),
                           latency=FixedLatency(5_000_000), participation=0.05)
    expected = backtest.run(bars, "sma_cross", {"fast": 10, "slow": 30}, engine="event",
                            venue=venue)
    journal_fills = fills(database, "thin")
    assert len(journal_fills) > 2 * result.accounts["main"]["trades"]  # orders filled in parts
    assert result.accounts["main"]["trades"] == expected.stats["trades"]
    assert result.accounts["main"]["final_equity"] == pytest.approx(
        expected.stats["final_equity"], rel=1e-9)


def test_node_record_when_its_heartbeat_is_stale_or_its_process_ended_then_down(tmp_path):
    import os
    import time

    database = open_database(None, tmp_path)
    registry = NodeRegistry(database)
    registry.register("hb", "paper", {}, pid=os.getpid())
    registry.heartbeat("hb", "running", {"host": "elsewhere"})
    assert registry.get("hb").running  # fresh heartbeat from another machine
    registry.heartbeat("hb", "running", {"host": __import__("socket").gethostname()})
    assert registry.get("hb").running  # this process is alive
    with database.engine.begin() as connection:  # a heartbeat 10 s old
        connection.exec_driver_sql(
            f"UPDATE nodes SET heartbeat_ns = {time.time_ns() - 10 * 10**9} WHERE name = 'hb'")
    assert registry.get("hb").effective_status().startswith("down")
    registry.register("gone", "paper", {}, pid=2**22 + 12345)  # no such process here
    registry.heartbeat("gone", "running", {"host": __import__("socket").gethostname()})
    assert registry.get("gone").effective_status().startswith("down")
