"""Book data fed to a node: a paper node replays recorded book and trade data from the tick
lake in time with its bars (its fills equal the event backtest's with the same ticks, and a
node killed mid-run resumes to the same journal), and a live node forwards a venue's book and
trade streams as coalesced ``market`` steps."""

from __future__ import annotations

import asyncio
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from signaltrust.backtest import run_strategy
from signaltrust.core.book import BookLevel, BookUpdate, Side, Trade
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.data.ticks_lake import TickLake
from signaltrust.live import codec
from signaltrust.live.codec_book import market_from, market_payload
from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig
from signaltrust.live.node import TradingNode
from signaltrust.live.tick_feed import (
    MarketBatch,
    MarketCoalescer,
    TickReplayFeed,
    VenueMarketStream,
    lake_ticks,
)
from signaltrust.storage import Journal, open_database
from tests.live.fakevenue import fake_venue
from tests.live.nodekit import paper_config
from tests.trading.test_books import (
    MIN,
    QUEUE_TICKS,
    SEC,
    SYMBOL,
    T0,
    ExecutesTwap,
    RestsAtBid,
    bars,
    busy_book,
    prints,
)

VENUE = "REC"


def _lake(tmp_path, ticks) -> TickLake:
    """The recorded frames written to a tick lake, as `data record` leaves them."""
    lake = TickLake(tmp_path / "lake")
    for frame in ticks[SYMBOL]:
        lake.write(frame, frame.attrs.get("kind", "book"), SYMBOL, VENUE)
    return lake


def _journal(database, name):
    return [(e.kind, e.ts_ns, json.dumps(e.payload, sort_keys=True))
            for e in Journal(database, name).entries()]


def _fills(database, name):
    return [(float(e.payload["quantity"]), float(e.payload["price"]), e.ts_ns)
            for e in Journal(database, name).entries() if e.kind == "fill"]


CASES = [(RestsAtBid, 6, QUEUE_TICKS), (ExecutesTwap, 8, busy_book())]


@pytest.mark.parametrize("strategy, n_bars, recorded", CASES)
def test_paper_node_when_replaying_lake_ticks_then_fills_equal_the_event_backtest(
        tmp_path, strategy, n_bars, recorded):
    frames = {SYMBOL: bars(n_bars)}
    ticks = lake_ticks(_lake(tmp_path, recorded), f"{SYMBOL}@{VENUE}", [SYMBOL])
    database = open_database(None, tmp_path)
    config = paper_config("ticked", spec=f"tests.trading.test_books:{strategy.__name__}")
    result = asyncio.run(TradingNode(config, database, frames=frames, ticks=ticks).run())
    assert result.status == "finished"

    replayed = run_strategy(frames, strategy(), ticks=ticks, strategy_id=strategy.__name__)
    expected = [(float(q), float(p), int(t.value)) for q, p, t in zip(
        replayed.fills["quantity"], replayed.fills["price"], replayed.fills["timestamp"],
        strict=True)]
    assert expected and _fills(database, "ticked") == expected
    # without the book the bars' range would fill at once: the queue made these fills
    plain = run_strategy(frames, strategy(), strategy_id=strategy.__name__).fills
    assert len(plain) != len(expected) or plain["quantity"].tolist() != [
        q for q, _, _ in expected]
    times = {ts for frame in ticks[SYMBOL] for ts in pd.DatetimeIndex(frame["ts"]).asi8}
    markets = [e for e in Journal(database, "ticked").entries() if e.kind == "market"]
    assert [e.ts_ns for e in markets] == sorted(times)  # one step per recorded time


@pytest.mark.parametrize("taken, snapshot_every", [(3, 10_000), (9, 4), (16, 10_000)])
def test_paper_node_when_killed_mid_replay_then_restart_resumes_to_the_same_journal(
        tmp_path, taken, snapshot_every):
    frames = {SYMBOL: bars(8)}
    ticks = lake_ticks(_lake(tmp_path, busy_book()), f"{SYMBOL}@{VENUE}", [SYMBOL])
    config = paper_config("killed", spec="tests.trading.test_books:ExecutesTwap",
                          snapshot_every=snapshot_every, commit_every=2)
    whole = open_database(None, tmp_path / "whole")
    asyncio.run(TradingNode(config, whole, frames=frames, ticks=ticks).run())

    database = open_database(None, tmp_path / "killed")
    node = TradingNode(config, database, frames=frames, ticks=ticks)
    node.recover()

    async def until_killed() -> None:  # steps, then dies: what was not committed is lost
        steps = 0
        async for item in node._feed():
            if isinstance(item, MarketBatch):
                node.step("market", item.ts_ns, {"events": [
                    market_payload(e) for e in item.events]})
            else:
                node.step("bars", max(b.end_ns for b in item),
                          {"bars": [codec.bar_payload(b) for b in item]})
            steps += 1
            if steps == taken:
                return

    asyncio.run(until_killed())
    assert 0 < len(_journal(database, "killed")) < len(_journal(whole, "killed"))
    again = asyncio.run(TradingNode(config, database, frames=frames, ticks=ticks).run())
    assert again.status == "finished"
    # without a snapshot every committed step is replayed; with one, the image holds them
    assert again.recovered_steps > 0 or node.journal.latest_snapshot() is not None
    assert _journal(database, "killed") == _journal(whole, "killed")


def test_paper_node_when_resumed_with_other_ticks_then_refused(tmp_path):
    frames = {SYMBOL: bars(6)}
    database = open_database(None, tmp_path)
    config = paper_config("other", spec="tests.trading.test_books:RestsAtBid")
    first = TradingNode(config, database, frames=frames, ticks=QUEUE_TICKS)
    asyncio.run(first.run())
    stored = first.config  # the data hash it started with, as the CLI's registry keeps it
    fewer = {SYMBOL: QUEUE_TICKS[SYMBOL][:1]}
    with pytest.raises(ValidationError) as error:
        TradingNode(stored, database, frames=frames, ticks=fewer)
    assert error.value.field == "data"


def test_tick_replay_feed_when_speed_set_then_sleeps_market_time_over_speed():
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def items():
        feed = TickReplayFeed({SYMBOL: bars(3)}, QUEUE_TICKS, speed=60.0, sleep=sleep)
        return [i async for i in feed]

    taken = asyncio.run(items())
    times = [i.ts_ns if isinstance(i, MarketBatch) else i[0].end_ns for i in taken]
    assert times == sorted(times)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False) if b > a]
    assert slept == pytest.approx([gap / 1e9 / 60 for gap in gaps])


def test_lake_ticks_when_dataset_unknown_then_refused_naming_it_and_the_known_ones(tmp_path):
    lake = _lake(tmp_path, QUEUE_TICKS)
    with pytest.raises(ValidationError) as error:
        lake_ticks(lake, "ETH-USDT@NOWHERE", [SYMBOL])
    assert error.value.field == "ticks" and error.value.value == "ETH-USDT@NOWHERE"
    assert f"{SYMBOL}@{VENUE}" in str(error.value.fix)
    with pytest.raises(ValidationError) as other:
        lake_ticks(lake, SYMBOL, ["A", "B"])  # two bar symbols, none of them X
    assert "none of the bars" in str(other.value)


def test_paper_cli_when_ticks_unknown_then_error_names_the_dataset():
    from signaltrust.cli.main import app

    result = CliRunner().invoke(app, ["paper", "--data", "sp500", "--name", "t1", "--ticks",
                                      "NOPE-USDT@BINANCE"])
    assert result.exit_code != 0
    assert "NOPE-USDT@BINANCE" in result.output and "Traceback" not in result.output


def test_paper_cli_when_ticks_recorded_then_the_node_journals_market_steps():
    from signaltrust.cli.main import app
    from signaltrust.core.config import load_settings

    lake = TickLake(load_settings().lake_path)
    stamps = [pd.Timestamp("2020-03-02 12:00", tz="UTC") + i * SEC for i in range(3)]
    lake.write(prints([(t, 100.0, 1.0, 1) for t in stamps]), "trades", "SPX", "REC")
    runner = CliRunner()
    args = ["paper", "--data", "sp500", "--name", "t2", "--ticks", "SPX@REC", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    plain = runner.invoke(app, ["paper", "--data", "sp500", "--name", "t3", "--json"])
    first, without = json.loads(result.stdout), json.loads(plain.stdout)
    assert first["steps"] == without["steps"] + len(stamps)
    assert first["final_equity"] == without["final_equity"]  # market orders: no queue
    again = runner.invoke(app, args)  # resumed: the journal holds every step already
    assert json.loads(again.stdout)["journal_entries"] == first["journal_entries"]


# -- live: a venue's streams ----------------------------------------------------------------
def test_coalescer_when_a_burst_arrives_then_newest_book_per_symbol_and_prints_capped():
    coalescer = MarketCoalescer(max_trades=2)
    book = [BookUpdate(SYMBOL, i, i, (BookLevel(100.0, float(i)),), (), True) for i in (1, 2, 3)]
    prints_ = [Trade(SYMBOL, 10 + i, 100.0, 1.0, Side.SELL, i, str(i)) for i in range(3)]
    assert coalescer.add(book[0]) is True  # the first wakes the node
    assert not any(coalescer.add(e) for e in [*book[1:], *prints_])
    assert coalescer.take() == [book[2], *prints_[1:]]
    assert (coalescer.superseded_books, coalescer.dropped_trades) == (2, 1)
    assert coalescer.take() == [] and coalescer.add(book[0]) is True


class _RecordedExchange:
    """ccxt.pro's answers as ``watch_order_book``/``watch_trades`` return them (the book
    ccxt keeps: REST snapshot first, no time; its trade cache, repeating old trades), then
    silence, as a quiet market."""

    def __init__(self, books, trades):
        self.books, self.trades = list(books), list(trades)

    async def load_markets(self):
        return {}

    async def watch_order_book(self, market):
        if self.books:
            return self.books.pop(0)
        await asyncio.Event().wait()

    async def watch_trades(self, market):
        if self.trades:
            return self.trades.pop(0)
        await asyncio.Event().wait()


class _Session:
    def __init__(self, exchange):
        self.exchange = exchange


class _Data:
    def __init__(self, exchange):
        self.session = _Session(exchange)


def _ccxt_trade(trade_id, price, amount, side, ms):
    return {"id": str(trade_id), "timestamp": ms, "price": price, "amount": amount,
            "side": side, "symbol": "BTC/USDT"}


BOOKS = [
    {"bids": [[42000.0, 1.5], [41999.0, 2.0]], "asks": [[42001.0, 1.0]], "timestamp": None,
     "nonce": 100},
    {"bids": [[42000.0, 1.7], [41999.0, 2.0], [41998.0, 3.0]], "asks": [[42001.0, 1.0]],
     "timestamp": 1704207840101, "nonce": 101},
    {"bids": [[42000.0, 1.7]], "asks": [[42002.0, 2.5]], "timestamp": 1704207840103,
     "nonce": 103},
    {"bids": [[42000.0, 1.7]], "asks": [[42002.0, 2.5]], "timestamp": 1704207840103,
     "nonce": 103},  # repeated
]
TRADES = [[_ccxt_trade(1, 42000.5, 0.01, "buy", 1704207839001)],
          [_ccxt_trade(1, 42000.5, 0.01, "buy", 1704207839001),
           _ccxt_trade(2, 42000.0, 0.2, "sell", 1704207839002)]]


def test_venue_market_stream_when_ccxt_payloads_then_book_snapshots_and_prints_once():
    coalescer = MarketCoalescer()
    woken: list[int] = []
    stream = VenueMarketStream(_Data(_RecordedExchange(BOOKS, TRADES)), ["BTC-USDT"], depth=2)

    async def run():
        task = asyncio.create_task(stream.run(coalescer, lambda: woken.append(1)))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run())
    events = coalescer.take()
    assert woken == [1]  # one wake-up for the whole burst
    books = [e for e in events if isinstance(e, BookUpdate)]
    assert books == [BookUpdate("BTC-USDT", 1704207840103 * 10**6, 103,
                                (BookLevel(42000.0, 1.7),), (BookLevel(42002.0, 2.5),), True)]
    assert coalescer.superseded_books == 1  # 101, replaced by 103 before the node took it
    trades = [(e.trade_id, e.side, e.size) for e in events if isinstance(e, Trade)]
    assert trades == [("1", Side.BUY, 0.01), ("2", Side.SELL, 0.2)]


def test_venue_market_stream_when_client_has_no_book_streams_then_refused():
    stream = VenueMarketStream(object(), ["BTC-USDT"])
    assert not VenueMarketStream.supported(object())
    with pytest.raises(ValidationError) as error:
        asyncio.run(stream.run(MarketCoalescer(), lambda: None))
    assert error.value.field == "venue"


def test_live_node_when_venue_streams_books_then_market_steps_are_journalled(tmp_path):
    frames = {"BTC-USDT": load("goog").iloc[:30]}  # a pair: ccxt names its streams so
    venue = fake_venue(frames)
    venue.data.pause = 0.02
    stream = VenueMarketStream(_Data(_RecordedExchange(BOOKS, TRADES)), ["BTC-USDT"], depth=2)
    account = AccountConfig(broker="fake", strategies=[
        StrategyConfig(spec="sma_cross", params={"fast": 5, "slow": 20})])
    config = NodeConfig(name="lb", mode="live", symbols=["BTC-USDT"], timeframe="1d",
                        accounts=[account])
    database = open_database(None, tmp_path)
    node = TradingNode(config, database, venues={"fake": venue}, poll_seconds=0.01,
                       market_stream=stream)
    result = asyncio.run(node.run())
    assert result.status == "finished"
    steps = [e for e in Journal(database, "lb").entries() if e.kind == "market"]
    events = [market_from(p) for s in steps for p in s.payload["events"]]
    assert 1 <= len(steps) <= 4  # coalesced: fewer steps than the 5 stream answers
    assert [e.seq for e in events if isinstance(e, BookUpdate)][-1] == 103
    assert [e.trade_id for e in events if isinstance(e, Trade)] == ["1", "2"]
    assert all(e.symbol == "BTC-USDT" for e in events)
    # a restart replays the market steps from the journal (recovery needs no stream)
    again = TradingNode(config, database, venues={"fake": fake_venue(frames)})
    assert again.recover() >= len(steps)
    assert again.last_market_ns == steps[-1].ts_ns


def test_paper_node_market_steps_when_time_is_a_tick_then_last_market_time_kept(tmp_path):
    frames = {SYMBOL: bars(6)}
    database = open_database(None, tmp_path)
    node = TradingNode(paper_config("t", spec="tests.trading.test_books:RestsAtBid"), database,
                       frames=frames, ticks=QUEUE_TICKS)
    asyncio.run(node.run())
    assert node.last_market_ns == int((T0 + MIN + 40 * SEC).value)


def test_live_cli_when_book_asked_of_a_venue_without_book_streams_then_refused(monkeypatch):
    from signaltrust.cli.main import app

    monkeypatch.setenv("SIGNALTRUST__VENUES__ALPACA__API_KEY", "PKTESTKEY123456")
    monkeypatch.setenv("SIGNALTRUST__VENUES__ALPACA__SECRET_KEY", "s3cr3tvalue987654")
    result = CliRunner().invoke(app, ["live", "--broker", "alpaca", "--symbol", "AAPL",
                                      "--name", "lbook", "--book"])
    assert result.exit_code == 1
    assert "order books" in result.output and "--book" in result.output
    assert "PKTESTKEY123456" not in result.output


def test_venue_market_stream_when_binance_streams_on_loopback_then_each_update_and_print():
    """Through ccxt itself: Binance's recorded depth and trade streams (a dropped trade
    stream, a repeated trade, a repeated book update), as `data record`'s tests play them."""
    from tests.live.adapters.kit_ccxt import BinanceKit
    from tests.live.adapters.kits import START_NS
    from tests.live.adapters.loopback import FakeTime, Loopback
    from tests.microstructure.test_record import _script

    taken: list = []

    async def scenario():
        async with Loopback() as server:
            _script(server)
            venue = BinanceKit().open(server, FakeTime(START_NS))
            coalescer = MarketCoalescer()
            arrived = asyncio.Event()
            stream = VenueMarketStream(venue.data, ["BTC-USDT"], depth=2)
            task = asyncio.create_task(stream.run(coalescer, arrived.set))
            try:
                async with asyncio.timeout(20):
                    while not ({"1", "2", "3", "4"} <= {e.trade_id for e in taken
                                                        if isinstance(e, Trade)}
                               and any(getattr(e, "seq", 0) == 104 for e in taken
                                       if isinstance(e, BookUpdate))):
                        await arrived.wait()
                        arrived.clear()
                        taken.extend(coalescer.take())
                        await asyncio.sleep(0.05)  # let a burst gather, as the node does
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await venue.data.close()
            return stream

    stream = asyncio.run(scenario())
    prints_ = [e for e in taken if isinstance(e, Trade)]
    assert [p.trade_id for p in prints_] == ["1", "2", "3", "4"]  # trade 2 once
    assert [p.side for p in prints_] == [Side.BUY, Side.SELL, Side.BUY, Side.SELL]
    books = [e for e in taken if isinstance(e, BookUpdate)]
    assert [b.seq for b in books] == sorted({b.seq for b in books})  # 103 repeated: once
    assert books[-1].bids == (BookLevel(42000.5, 0.3), BookLevel(42000.0, 1.7))
    assert books[-1].asks == (BookLevel(42002.0, 2.5), BookLevel(42003.0, 4.0))
    assert stream.reconnects >= 1  # the dropped trade stream was watched again
