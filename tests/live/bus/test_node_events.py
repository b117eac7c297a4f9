"""A trading node publishes what its journal holds on the event bus of each backend: a follower
replaying the node's fills sees exactly the journal's fills, in order, with the node's positions,
P&L and status; events sent again after a restart are dropped by JetStream (their ids are the
journal's sequence numbers)."""

from __future__ import annotations

import asyncio

import pytest

from signaltrust.core.bus import topic
from signaltrust.data import load
from signaltrust.live.node import TradingNode
from signaltrust.storage import Journal, open_database
from tests.live.bus.conftest import run
from tests.live.nodekit import paper_config


async def _drain(bus, node: str, kinds: tuple[str, ...], expected: int) -> list[dict]:
    seen: list[dict] = []
    async with bus.subscribe([topic(node, k) for k in kinds], from_seq=1) as events:
        while len(seen) < expected:
            seen.append(await asyncio.wait_for(events.__anext__(), 10))
    return seen


def test_node_when_publishing_then_a_follower_sees_the_journals_fills_in_order(
        open_bus, node, tmp_path):
    frames = {"GOOG": load("goog").iloc[:500]}
    database = open_database(None, tmp_path)
    config = paper_config(node, params={"fast": 5, "slow": 20})

    async def scenario():
        async with open_bus() as bus:
            result = await TradingNode(config, database, frames=frames, bus=bus).run()
            journal_fills = [e for e in Journal(database, node).entries() if e.kind == "fill"]
            fills = await _drain(bus, node, ("fills",), len(journal_fills))
            status = await _drain(bus, node, ("status", "pnl"), 2)
            return result, journal_fills, fills, status

    result, journal_fills, fills, status = run(scenario())
    assert len(journal_fills) > 4
    assert [e["data"]["fill_id"] for e in fills] == [e.payload["fill_id"] for e in journal_fills]
    assert [e["id"] for e in fills] == [f"{node}-j{e.seq}" for e in journal_fills]
    assert {e["type"] for e in status} <= {"status", "pnl"}
    assert result.status == "finished"


@pytest.mark.nats
def test_node_events_when_sent_again_after_a_restart_then_jetstream_drops_them(
        node, tmp_path):
    from tests.live.bus.conftest import _opener

    opener = _opener("nats")
    frames = {"GOOG": load("goog").iloc[:300]}
    database = open_database(None, tmp_path)
    config = paper_config(node, params={"fast": 5, "slow": 20})

    async def scenario():
        bus = await opener()
        try:
            await TradingNode(config, database, frames=frames, bus=bus).run()
            before = await bus.last_seq(node)
            again = TradingNode(config, database, frames=frames, bus=bus)
            entries = [(e.kind, e.ts_ns, e.payload) for e in Journal(database, node).entries()]
            again._queue_events(entries, 1)  # a restarted node sending its journal again
            sent = await again.publish()
            return before, sent, await bus.last_seq(node)
        finally:
            await bus.delete_node(node)
            await bus.close()

    before, sent, after = run(scenario())
    assert sent > 0 and before > 0
    assert after == before
