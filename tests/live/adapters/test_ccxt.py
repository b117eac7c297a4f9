"""CCXT beyond the conformance suite: URLs moved to loopback, keys, what each exchange is sent."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from signaltrust.core.config import CcxtSettings
from signaltrust.core.errors import ConfigError
from signaltrust.core.orders import Order
from signaltrust.live.adapters.ccxt import open_ccxt
from signaltrust.live.adapters.ccxt_session import move_urls
from tests.live.adapters.kit_ccxt import (
    BINANCE_SECRET,
    BROKERAGE,
    KRAKEN_SECRET,
    BinanceKit,
    CoinbaseKit,
    KrakenKit,
)
from tests.live.adapters.kits import START_NS
from tests.live.adapters.loopback import FakeTime, Loopback
from tests.live.adapters.test_conformance import Sink


def test_move_urls_when_given_bases_then_hosts_change_and_paths_stay():
    urls = {"public": "https://api.binance.com/api/v3",
            "ws": {"spot": "wss://stream.binance.com:9443/ws"}, "doc": ["https://x.io/a"]}
    moved = move_urls(urls, "http://127.0.0.1:9", "ws://127.0.0.1:9/stream")
    assert moved == {"public": "http://127.0.0.1:9/api/v3",
                     "ws": {"spot": "ws://127.0.0.1:9/stream/ws"}, "doc": ["http://127.0.0.1:9/a"]}


def test_open_when_the_exchange_id_is_unknown_then_config_error_names_it():
    with pytest.raises(ConfigError, match="no exchange 'notanexchange'"):
        open_ccxt("notanexchange", CcxtSettings())


def test_open_when_no_keys_then_data_and_instruments_but_no_execution():
    venue = open_ccxt("kraken", CcxtSettings())
    assert venue.name == "ccxt:kraken" and venue.execution is None and venue.data is not None
    asyncio.run(venue.data.close())


@pytest.mark.parametrize("kit", [BinanceKit(), KrakenKit(), CoinbaseKit()], ids=lambda k: k.name)
def test_order_when_sent_then_signed_without_the_secret_in_logs_or_on_the_wire(kit, caplog):
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with Loopback() as server:
            venue = kit.open(server, FakeTime(START_NS))
            kit.script_fill(server, "st-9")
            venue.execution.connect(Sink(), (kit.symbol,))
            venue.execution.submit(Order("st-9", kit.symbol, "BUY", "0.01"), START_NS)
            await venue.execution.settle()
            await venue.execution.close()
            return server

    server = asyncio.run(asyncio.wait_for(scenario(), 20))
    sent = kit.order_calls(server)
    assert len(sent) == 1 and kit.sent_client_id(sent[0]) == "st-9"
    wire = " ".join(" ".join(s.headers.values()) + s.body + str(s.query) for s in server.seen)
    for secret in (kit.key, kit.secret):
        assert secret not in caplog.text
    assert kit.secret not in wire and kit.key in wire
    assert {BINANCE_SECRET, KRAKEN_SECRET}.isdisjoint(caplog.text.split())


def test_coinbase_market_buy_when_sent_then_base_size_is_our_quantity():
    kit = CoinbaseKit()

    async def scenario():
        async with Loopback() as server:
            venue = kit.open(server, FakeTime(START_NS))
            kit.script_fill(server, "st-10")
            venue.execution.connect(Sink(), (kit.symbol,))
            venue.execution.submit(Order("st-10", kit.symbol, "BUY", "0.25"), START_NS)
            await venue.execution.settle()
            await venue.execution.close()
            return server

    server = asyncio.run(asyncio.wait_for(scenario(), 20))
    body = json.loads(server.calls("POST", BROKERAGE + "/orders")[0].body)
    assert body["order_configuration"] == {"market_market_ioc": {"base_size": "0.25"}}
    assert body["client_order_id"] == "st-10" and body["side"] == "BUY"
