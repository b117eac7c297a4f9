"""`data record` through the CCXT adapter against Binance's recorded streams on loopback:
a dropped trade stream, repeated trades and stale book updates included."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from signaltrust.cli.data_record import record, record_ticks
from signaltrust.core.config import load_settings
from signaltrust.data.ticks import check_ticks
from signaltrust.data.ticks_lake import TickLake
from tests.live.adapters.kit_ccxt import BinanceKit
from tests.live.adapters.kits import START_NS
from tests.live.adapters.loopback import DROP, Answer, FakeTime, Loopback

WAIT = ("wait", 0.3)  # let both subscriptions reach the server before the first frame


def _trade(trade_id: int, price: str, qty: str, buyer_maker: bool) -> dict:
    return {"e": "trade", "E": 1704207839000 + trade_id, "s": "BTCUSDT", "t": trade_id,
            "p": price, "q": qty, "T": 1704207839000 + trade_id, "m": buyer_maker, "M": True}


def _depth(first: int, last: int, bids: list, asks: list) -> dict:
    return {"e": "depthUpdate", "E": 1704207840000 + last, "s": "BTCUSDT", "U": first,
            "u": last, "b": bids, "a": asks}


SNAPSHOT = {"lastUpdateId": 100,
            "bids": [["42000.00", "1.5"], ["41999.00", "2.0"], ["41998.00", "3.0"]],
            "asks": [["42001.00", "1.0"], ["42002.00", "2.5"], ["42003.00", "4.0"]]}


def _script(server: Loopback) -> None:
    server.on("GET", "/api/v3/depth", Answer(200, SNAPSHOT))
    server.ws("/stream/ws/0", [WAIT, {"result": None, "id": 1},  # the subscription's answer
                               ("wait", 0.2), _depth(101, 101, [["42000.00", "1.7"]], []),
                               _depth(102, 103, [], [["42001.00", "0"]]),
                               _depth(102, 103, [], [["42001.00", "0"]]),  # repeated
                               _depth(104, 104, [["42000.50", "0.3"]], [])])
    server.ws("/stream/ws/1",
              [WAIT, _trade(1, "42000.50", "0.010", False), _trade(2, "42000.00", "0.200", True),
               DROP],
              [WAIT, _trade(2, "42000.00", "0.200", True), _trade(3, "42001.50", "0.050", False),
               ("wait", 0.2), _trade(4, "42001.00", "0.100", True)])


def _complete(recording) -> bool:
    """Everything the recorded streams hold has arrived (the recordings end there)."""
    return len(recording.trades) >= 4 and recording.last_nonce >= 104


def _recorded(seconds: float = 30.0):
    async def scenario():
        async with Loopback() as server:
            _script(server)
            venue = BinanceKit().open(server, FakeTime(START_NS))
            try:
                return await record_ticks(venue, "BTC-USDT", seconds=seconds, depth=2,
                                          stop_when=_complete)
            finally:
                await venue.data.close()

    return asyncio.run(scenario())


@pytest.fixture(scope="module")
def recording():
    return _recorded()


def test_record_when_stream_drops_and_repeats_then_each_trade_kept_once_in_order(recording):
    trades = recording.trades_frame()
    assert trades["trade_id"].tolist() == ["1", "2", "3", "4"]
    assert trades["side"].tolist() == [1, -1, 1, -1]  # the buyer was the maker in 2 and 4
    assert trades["size"].tolist() == [0.01, 0.2, 0.05, 0.1]
    assert recording.repeated_trades == 1  # trade 2, sent again after the reconnection
    assert check_ticks(trades, "trades").ok


def test_record_when_book_updates_stream_then_snapshots_of_best_levels_per_update(recording):
    book = recording.book_frame()
    assert check_ticks(book, "book").ok
    last = book[book["seq"] == book["seq"].max()]
    assert book["seq"].max() == 104
    assert last[["side", "price", "size"]].values.tolist() == [
        [1, 42000.5, 0.3], [1, 42000.0, 1.7], [-1, 42002.0, 2.5], [-1, 42003.0, 4.0]]
    assert book["seq"].is_monotonic_increasing


def test_record_when_written_twice_then_lake_holds_each_tick_once():
    settings = load_settings()

    class Venue:  # the recorded venue, opened on loopback for each run
        def __init__(self, server):
            self.inner = BinanceKit().open(server, FakeTime(START_NS))
            self.data = self.inner.data

    def run_once():
        async def opened():
            server = Loopback()
            await server.__aenter__()
            _script(server)
            return server, Venue(server)

        loop = asyncio.new_event_loop()
        server, venue = loop.run_until_complete(opened())
        import threading

        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        try:
            return record("ccxt:binance", "BTC/USDT", minutes=0.5, book=True, trades=True,
                          depth=2, settings=settings, venue=venue, stop_when=_complete)
        finally:
            asyncio.run_coroutine_threadsafe(server.__aexit__(None, None, None), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()

    first = run_once()
    second = run_once()
    assert (first["trades_added"], second["trades_added"]) == (4, 0)
    assert first["book_rows_added"] > 0 and second["book_rows_added"] == 0
    stored = TickLake(settings.lake_path).read("trades", "BTC-USDT", "BINANCE")
    assert stored["trade_id"].tolist() == ["1", "2", "3", "4"]


def test_record_command_when_source_is_not_ccxt_then_error_and_nothing_recorded():
    import typer

    from signaltrust.cli.data_record import record_command

    app = typer.Typer()
    app.command()(record_command)
    result = CliRunner().invoke(app, ["BTC-USD", "--source", "alpaca", "--trades"])
    assert result.exit_code != 0
    assert "CCXT" in result.output


def test_signaltrust_data_record_when_asked_for_help_then_lists_its_options():
    from signaltrust.cli.main import app

    result = CliRunner().invoke(app, ["data", "record", "--help"])
    assert result.exit_code == 0, result.output
    assert "--book" in result.output and "--minutes" in result.output
