"""Robinhood beyond the conformance suite: the ed25519 signature, fills without ids."""

from __future__ import annotations

import asyncio
import base64
import uuid
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from signaltrust.core.config import RobinhoodSettings
from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Order
from signaltrust.live.adapters.robinhood import client_uuid, open_robinhood
from tests.live.adapters.kit_robinhood import (
    API_KEY,
    OID,
    PRIVATE_KEY,
    TRADING,
    RobinhoodKit,
    with_uuid,
)
from tests.live.adapters.kits import START_NS
from tests.live.adapters.loopback import Answer, FakeTime, Loopback
from tests.live.adapters.test_conformance import Sink


def _public_key():
    seed = base64.b64decode(PRIVATE_KEY)
    return Ed25519PrivateKey.from_private_bytes(seed).public_key()


def test_requests_when_sent_then_signed_over_key_time_path_method_and_body():
    kit = RobinhoodKit()

    async def scenario():
        async with Loopback() as server:
            venue = kit.open(server, FakeTime(START_NS))
            kit.script_instruments(server)
            kit.script_fill(server, "st-11")
            venue.execution.connect(Sink(), ("BTC-USD",))
            await venue.instruments.load()
            venue.execution.submit(Order("st-11", "BTC-USD", "BUY", "0.01"), START_NS)
            await venue.execution.settle()
            await venue.execution.close()
            return server

    server = asyncio.run(scenario())
    key = _public_key()
    for seen in server.seen:
        headers = {k.lower(): v for k, v in seen.headers.items()}
        assert headers["x-api-key"] == API_KEY
        assert headers["x-timestamp"] == str(START_NS // 10**9)
        path = seen.path + ("?" + "&".join(f"{k}={v}" for k, v in seen.query.items())
                            if seen.query else "")
        message = f"{API_KEY}{headers['x-timestamp']}{path}{seen.method}{seen.body}"
        key.verify(base64.b64decode(headers["x-signature"]), message.encode())  # raises if bad
    assert PRIVATE_KEY not in " ".join(str(s.headers) + s.body for s in server.seen)


def test_fills_when_executions_arrive_over_two_polls_then_each_is_reported_once():
    kit = RobinhoodKit()
    first = with_uuid("robinhood/orders_filled.json", "st-12")
    order = first["results"][0]
    early = {"effective_price": "45010.00", "quantity": "0.004",
             "timestamp": "2024-01-02T15:05:31.456000Z"}
    late = {"effective_price": "45013.88", "quantity": "0.006",
            "timestamp": "2024-01-02T15:05:31.612000Z"}
    partial = {**order, "state": "partially_filled", "executions": [early],
               "filled_asset_quantity": "0.004"}
    done = {**order, "state": "filled", "executions": [late, early],  # newest first
            "filled_asset_quantity": "0.01"}

    async def scenario():
        async with Loopback() as server:
            venue = kit.open(server, FakeTime(START_NS))
            kit._filled(server, "st-12")
            server.on("POST", f"{TRADING}/orders/",
                      Answer(201, with_uuid("robinhood/order_market_open.json", "st-12")))
            server.on("GET", f"{TRADING}/orders/", Answer(200, {**first, "results": [partial]}),
                      Answer(200, {**first, "results": [done]}))
            sink = Sink()
            venue.execution.connect(sink, ("BTC-USD",))
            venue.execution.submit(Order("st-12", "BTC-USD", "BUY", "0.01"), START_NS)
            await venue.execution.settle()
            await venue.execution.poll_reports()
            await venue.execution.poll_reports()
            await venue.execution.poll_reports()
            await venue.execution.close()
            return sink

    sink = asyncio.run(scenario())
    assert sink.kinds() == ["ACCEPTED", "FILL", "FILL"]
    assert [r.venue_fill_id for r in sink.reports[1:]] == [f"{OID}:0.004", f"{OID}:0.01"]
    assert [r.price for r in sink.reports[1:]] == [Decimal("45010.00"), Decimal("45013.88")]


def test_client_uuid_when_asked_twice_then_the_same_valid_uuid():
    assert client_uuid("st-1") == client_uuid("st-1") != client_uuid("st-2")
    assert uuid.UUID(client_uuid("st-1")).version == 5


def test_open_when_the_private_key_is_not_base64_then_validation_error_hides_it():
    bad = "not-base64-%%%-secret-value"
    with pytest.raises(ValidationError) as info:
        open_robinhood(RobinhoodSettings(api_key=SecretStr(API_KEY), private_key=SecretStr(bad)))
    assert "private_key" in str(info.value) and bad not in str(info.value)
