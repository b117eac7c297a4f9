"""A live node on a venue in this process: fills come back asynchronously as reports and every
one is journalled; reports the node never received are inferred by reconciliation; orders that
never reached the venue are sent again under the same client order id and fill once; a trade
made by someone else halts new exposure until an operator acknowledges it."""

from __future__ import annotations

import asyncio

import pytest

from signaltrust.data import load
from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig
from signaltrust.live.node import TradingNode
from signaltrust.storage import Journal, NodeRegistry, open_database
from tests.live.fakevenue import fake_venue


@pytest.fixture(scope="module")
def frames():
    return {"GOOG": load("goog").iloc[:400]}


def live_config(name: str, **node) -> NodeConfig:
    account = AccountConfig(broker="fake", strategies=[
        StrategyConfig(spec="sma_cross", params={"fast": 5, "slow": 20})])
    return NodeConfig(name=name, mode="live", symbols=["GOOG"], timeframe="1d",
                      accounts=[account], **node)


def run_live(config, database, venue, **options):
    node = TradingNode(config, database, venues={"fake": venue}, poll_seconds=0.01, **options)
    return node, asyncio.run(node.run())


def _kinds(database, name, kind):
    return [e.payload for e in Journal(database, name).entries() if e.kind == kind]


def test_live_node_when_venue_reports_fills_then_positions_and_fills_equal_the_venue(
        frames, tmp_path):
    venue = fake_venue(frames)
    database = open_database(None, tmp_path)
    node, result = run_live(live_config("l1"), database, venue)
    assert result.status == "finished"
    account = result.accounts["main"]
    assert len(venue.execution.fills) >= 6
    assert account["fills"] == len(venue.execution.fills)
    assert {s: q for s, q in account["positions"].items() if q} == {
        s: float(q) for s, q in venue.execution.positions.items() if q}
    assert all(n == 1 for n in venue.execution.received.values())  # nothing sent twice
    assert len(_kinds(database, "l1", "report")) >= 2 * len(venue.execution.fills)
    assert account["risk_state"] == "ACTIVE"


def test_live_node_when_reports_are_lost_then_reconciliation_infers_the_fills(frames, tmp_path):
    venue = fake_venue(frames)
    venue.execution.lose_reports = True
    database = open_database(None, tmp_path)
    _, result = run_live(live_config("l2", reconcile_seconds=0.05), database, venue)
    account = result.accounts["main"]
    assert account["fills"] == len(venue.execution.fills) > 0
    assert {s: q for s, q in account["positions"].items() if q} == {
        s: float(q) for s, q in venue.execution.positions.items() if q}
    inferred = [d for r in _kinds(database, "l2", "reconcile") for d in r["differences"]
                if d["kind"] == "missed_fill"]
    assert len(inferred) == len(venue.execution.fills)
    assert account["risk_state"] == "ACTIVE"


def test_live_node_when_orders_never_reached_the_venue_then_resent_under_the_same_id(
        frames, tmp_path):
    venue = fake_venue({"GOOG": frames["GOOG"].iloc[:120]})
    venue.execution.lose_orders = True  # as if the node died between journal and send
    database = open_database(None, tmp_path)
    config = live_config("l3", reconcile_seconds=3600)
    _, first = run_live(config, database, venue)
    lost = [p["client_order_id"] for p in _kinds(database, "l3", "submit")]
    assert lost and not venue.execution.received  # journalled, never received
    assert first.accounts["main"]["risk_state"] == "ACTIVE"  # in flight, not yet missing
    venue.execution.lose_orders = False
    node = TradingNode(config, database, venues={"fake": venue}, poll_seconds=0.01)
    node.recover()  # the restart
    manager = node.accounts["main"].core.manager
    pending = [cid for cid in lost if manager.get(cid).status == "SUBMITTED"]
    assert pending

    async def reconcile_and_settle():
        result = (await node.reconcile_all())["main"]
        await asyncio.sleep(0.05)  # the venue fills what it received
        return result

    result = asyncio.run(reconcile_and_settle())
    assert sorted(result.resend) == sorted(pending)
    resent = [p["client_order_id"] for p in _kinds(database, "l3", "resend")]
    assert resent and set(resent) <= set(lost)
    assert all(venue.execution.received[cid] == 1 for cid in resent)  # sent once, same id
    assert {o.client_order_id for o in venue.execution.orders.values()} == set(resent)


def test_live_node_when_someone_else_trades_then_reducing_until_acknowledged(frames, tmp_path):
    venue = fake_venue({"GOOG": frames["GOOG"].iloc[:120]})
    database = open_database(None, tmp_path)
    config = live_config("l4", reconcile_seconds=3600)
    run_live(config, database, venue)
    venue.execution.trade_by_hand("GOOG", 3)
    node = TradingNode(config, database, venues={"fake": venue}, poll_seconds=0.01)
    node.recover()
    result = asyncio.run(node.reconcile_all())["main"]
    assert result.state == "REDUCING"
    assert [d.kind for d in result.unexplained] == ["foreign_fill"]
    assert str(node.accounts["main"].risk.state) == "REDUCING"
    node.commit()
    registry = NodeRegistry(database)
    command = registry.post("l4", "ack", {"note": "my manual trade"}, actor="tester")
    node._poll_commands()
    assert registry.command(command).result.startswith("acknowledged")
    assert str(node.accounts["main"].risk.state) == "ACTIVE"
    again = asyncio.run(node.reconcile_all())["main"]
    assert again.state == "ACTIVE"  # the acknowledged trade is not raised again


def test_live_node_when_first_started_then_history_warms_its_strategy_without_trading(tmp_path):
    import pandas as pd

    bars = load("goog").iloc[:400].copy()
    today = pd.Timestamp.now(tz="UTC").normalize()
    bars.index = pd.date_range(end=today - pd.Timedelta(days=1), periods=300, freq="D",
                               tz="UTC").append(pd.date_range(
                                   start=today, periods=100, freq="D", tz="UTC")).as_unit("ns")
    venue = fake_venue({"GOOG": bars})
    database = open_database(None, tmp_path)
    node, result = run_live(live_config("warm", warmup_bars=250), database, venue)
    warmup = _kinds(database, "warm", "warmup")
    assert len(warmup) == 250
    last_warm = max(b["end_ns"] for w in warmup for b in w["bars"])
    during = [o for o in _kinds(database, "warm", "order")
              if o["time"] and pd.Timestamp(o["time"]).value <= last_warm]
    assert during and {o["status"] for o in during} <= {"NEW", "DENIED"}
    assert all("warm_up" in str(o.get("reason")) for o in during if o["status"] == "DENIED")
    assert len(_kinds(database, "warm", "bars")) == 100  # the stream's new bars only
    assert result.accounts["main"]["fills"] == len(venue.execution.fills) > 0
    core = node.accounts["main"].core
    assert core.market.lengths[core.market.slot("GOOG")] == 350
