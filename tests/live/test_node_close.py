"""An operator closes one position of a paper node: a market order for that symbol only, the
other positions stay open, the command is journalled (and repeated by a restart)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from signaltrust.data import load
from signaltrust.live import codec
from signaltrust.live.feeds import ReplayFeed
from signaltrust.live.history import equity_history, journal_log
from signaltrust.live.node import TradingNode
from signaltrust.storage import NodeRegistry, open_database
from tests.live.nodekit import paper_config

HOLDING = Path(__file__).resolve().parents[1] / "web" / "holding.py"


def two_symbols(bars: int = 40):
    goog = load("goog").iloc[:bars]
    return {"A": goog, "B": goog * 1.5}


def started(database, frames, name: str = "c1") -> TradingNode:
    """A node of HoldsEach on A and B, registered and recovered, not yet stepped."""
    config = paper_config(name, spec=f"{HOLDING}:HoldsEach").model_copy(
        update={"data": ["A", "B"]})
    node = TradingNode(config, database, frames=frames)
    node.registry.register(name, "paper", config.model_dump(mode="json"), pid=os.getpid())
    node.recover()
    return node


def play(node: TradingNode, steps: int) -> None:
    """Step the node over its next ``steps`` bar groups (as its run loop does)."""
    async def go() -> None:
        taken = 0
        async for bars in ReplayFeed(node.frames, after_ns=node.last_bar_end):
            node.step("bars", max(b.end_ns for b in bars),
                      {"bars": [codec.bar_payload(b) for b in bars]})
            taken += 1
            if taken == steps:
                break

    asyncio.run(go())
    node.commit()


def test_close_when_one_symbol_is_named_then_only_that_position_closes(tmp_path):
    database = open_database(None, tmp_path)
    frames = two_symbols()
    node = started(database, frames)
    play(node, 5)
    ledger = node.accounts["main"].core.ledger
    assert ledger.quantity("A") == 10 and ledger.quantity("B") == 10
    registry = NodeRegistry(database)
    command = registry.post("c1", "close", {"symbol": "A"}, actor="tester")
    node._poll_commands()
    assert registry.command(command).result == "closing the position in A with a market order"
    play(node, 2)  # the closing order fills at the next open
    assert ledger.quantity("A") == 0 and ledger.quantity("B") == 10
    again = registry.post("c1", "close", {"symbol": "A"}, actor="tester")
    node._poll_commands()
    assert registry.command(again).result == "nothing to close: no open position in A"
    log = journal_log(database, "c1")
    assert [line["message"] for line in log] == ["tester: close (symbol A)"] * 2
    history = equity_history(database, "c1", {"main": 100_000.0})
    assert history[0]["total"] == 100_000.0
    assert history[-1]["total"] == node.accounts["main"].core.equity


def test_close_of_one_symbol_when_the_node_restarts_then_the_journal_repeats_it(tmp_path):
    database = open_database(None, tmp_path)
    frames = two_symbols()
    node = started(database, frames)
    play(node, 5)
    NodeRegistry(database).post("c1", "close", {"symbol": "B"}, actor="tester")
    node._poll_commands()
    play(node, 3)
    node.commit()
    again = TradingNode(node.config, database, frames=frames)
    assert again.recover() > 0  # replaying the journal repeats its orders exactly (or raises)
    ledger = again.accounts["main"].core.ledger
    assert ledger.quantity("A") == 10 and ledger.quantity("B") == 0
