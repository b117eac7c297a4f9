"""A paper node fed book data (journal kind ``market``): its account's venue fills limit
orders by queue position as the replay does, and a node restarted from its journal (and from a
snapshot mid-run) comes back with the same fills."""

from __future__ import annotations

import json
from typing import Any

import pytest

from signaltrust.backtest import run_strategy
from signaltrust.backtest.replay.feed import TICK, HistoricalBarFeed
from signaltrust.core.book import BookLevel, BookUpdate, Quote, Side, Trade
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Tick
from signaltrust.live import codec
from signaltrust.live.codec_book import market_from, market_payload
from signaltrust.live.node import TradingNode
from signaltrust.storage import open_database
from tests.live.nodekit import fills, paper_config
from tests.trading.test_books import (
    QUEUE_TICKS,
    SYMBOL,
    ExecutesTwap,
    RestsAtBid,
    bars,
    busy_book,
)


def _step_all(node: TradingNode, frames: dict[str, Any], ticks: Any) -> None:
    """Step ``node`` through the replay's bars and book data, as a feed would, then commit."""
    for ts, kind, payload in HistoricalBarFeed(frames, ticks=ticks).events():
        if kind == TICK:
            node.step("market", ts, {"events": [market_payload(payload)]})
        else:
            node.step("bars", ts, {"bars": [codec.bar_payload(b) for b in payload]})
    node.commit()


@pytest.mark.parametrize("strategy, n_bars, ticks", [
    (RestsAtBid, 6, QUEUE_TICKS), (ExecutesTwap, 8, busy_book()),
])
def test_paper_node_when_stepped_with_book_data_then_fills_equal_the_replay_and_survive_restart(
        tmp_path, strategy, n_bars, ticks):
    frames = {SYMBOL: bars(n_bars)}
    spec = f"tests.trading.test_books:{strategy.__name__}"
    config = paper_config("booked", spec=spec, snapshot_every=7)
    database = open_database(None, tmp_path)
    node = TradingNode(config, database, frames=frames)
    node.recover()
    _step_all(node, frames, ticks)
    journal = [(q, p) for _, _, q, p, *_ in fills(database, "booked")]

    replayed = run_strategy(frames, strategy(), ticks=ticks, strategy_id=strategy.__name__)
    expected = [(q, p) for q, p in zip(replayed.fills["quantity"], replayed.fills["price"],
                                       strict=True)]
    assert journal and [(float(q), float(p)) for q, p in journal] == expected

    # a restart: the newest snapshot (queues and touches in it), then the journal after it
    again = TradingNode(config, database, frames=frames)
    assert again.recover() > 0
    account = again.accounts["main"]
    restored = [(float(f.quantity), float(f.price)) for f in account.core.manager.fills]
    assert restored == expected


def test_market_payload_when_written_and_read_then_the_same_event():
    events = [
        BookUpdate(SYMBOL, 5, 3, (BookLevel(100.0, 0.1 + 0.2),), (BookLevel(100.1, 7.0),), True),
        Trade(SYMBOL, 6, 100.0, 2.5, Side.SELL, 9, "t-1"),
        Quote(SYMBOL, 7, 100.0, 100.1, 1.0, 2.0, 4),
        Tick(SYMBOL, 8, "trade", 100.0, 3.0),
    ]
    back = [market_from(json.loads(json.dumps(market_payload(e)))) for e in events]
    assert back[:3] == events[:3]
    assert market_payload(back[3]) == market_payload(events[3])  # NaN bid and ask: null


def test_market_payload_when_not_market_data_then_refused_naming_the_event():
    with pytest.raises(ValidationError) as error:
        market_payload("a print")  # type: ignore[arg-type]
    assert error.value.field == "event"
