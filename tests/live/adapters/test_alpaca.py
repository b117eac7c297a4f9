"""Alpaca beyond the conformance suite: the trade-updates stream (a drop, a duplicate and an
out-of-order update in the recording), a cancel that arrives before its fill, the timeframes."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from signaltrust.core.errors import ConfigError, ValidationError
from signaltrust.core.orders import Order
from signaltrust.live.adapters.alpaca import open_alpaca
from signaltrust.live.adapters.alpaca_data import alpaca_timeframe
from tests.live.adapters.kit_alpaca import KEY, OID, SECRET, plumbing, settings
from tests.live.adapters.kits import START_NS, with_cid
from tests.live.adapters.loopback import DROP, Answer, FakeTime, Loopback
from tests.live.adapters.test_conformance import Sink


def _frames(cid: str) -> list[list]:
    connections = with_cid("alpaca/trade_updates.json", cid)["connections"]
    return [[DROP if f == "DROP" else f for f in frames] for frames in connections]


async def _until(predicate, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)


def test_trade_updates_when_the_stream_drops_repeats_and_reorders_then_each_fill_once(caplog):
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with Loopback() as server:
            server.ws("/stream", *_frames("st-7"))
            server.on("POST", "/v2/orders",
                      Answer(200, with_cid("alpaca/order_market_accepted.json", "st-7")))
            # the poll after the reconnect sees the first 40 filled (already reported)
            server.on("GET", "/v2/account", Answer(200, with_cid("alpaca/account.json", "x")))
            server.on("GET", "/v2/positions", Answer(200, []))
            partial = with_cid("alpaca/order_market_filled.json", "st-7")
            partial.update(status="partially_filled", filled_qty="40")
            server.on("GET", "/v2/orders", Answer(200, [partial]))
            activity = with_cid("alpaca/activities_fill.json", "x")[0]
            activity.update(qty="40", cum_qty="40", leaves_qty="60")
            server.on("GET", "/v2/account/activities/FILL", Answer(200, [activity]))
            time = FakeTime(START_NS)
            venue = open_alpaca(settings(server), plumbing(time))
            sink = Sink()
            execution = venue.execution
            execution.connect(sink, ("AAPL",))
            execution.submit(Order("st-7", "AAPL", "BUY", 100), START_NS)
            await execution.settle()
            await execution.open()
            await _until(lambda: server.ws_connections >= 2 and len(sink.reports) >= 3)
            await asyncio.sleep(0.2)  # let the repeated and stale updates arrive
            await execution.close()
            return sink, server

    sink, server = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert server.ws_connections == 2
    assert server.ws_received[0]["action"] == "authenticate"
    assert server.ws_received[1] == {"action": "listen", "data": {"streams": ["trade_updates"]}}
    assert sink.kinds() == ["ACCEPTED", "FILL", "FILL"]
    fills = sink.reports[1:]
    assert [f.venue_fill_id for f in fills] == [f"{OID}:40", f"{OID}:100"]
    assert sum(f.quantity for f in fills) == Decimal(100)
    assert [f.price for f in fills] == [Decimal("185.64"), Decimal("185.66")]
    assert KEY not in caplog.text and SECRET not in caplog.text


def test_trade_updates_when_canceled_arrives_before_its_fill_then_fill_then_canceled():
    async def scenario():
        async with Loopback() as server:
            venue = open_alpaca(settings(server), plumbing(FakeTime(START_NS)))
            sink = Sink()
            execution = venue.execution
            execution.connect(sink, ("AAPL",))
            execution.orders["st-8"] = Order("st-8", "AAPL", "BUY", 100)
            frames = _frames("st-8")
            partial = frames[0][3]["data"]
            canceled = {**partial, "event": "canceled",
                        "order": {**partial["order"], "status": "canceled"}}
            canceled.pop("execution_id"), canceled.pop("qty"), canceled.pop("price")
            execution.on_trade_update(canceled)  # says 40 filled; the fill is not here yet
            before = sink.kinds()
            execution.on_trade_update(partial)
            execution.on_trade_update(canceled)  # and again
            return before, sink

    before, sink = asyncio.run(scenario())
    assert before == ["ACCEPTED"]
    assert sink.kinds() == ["ACCEPTED", "FILL", "CANCELED"]


def test_open_when_a_key_is_missing_then_config_error_names_the_setting(monkeypatch):
    from signaltrust.core.config import AlpacaSettings

    with pytest.raises(ConfigError) as info:
        open_alpaca(AlpacaSettings(api_key=KEY))
    assert "venues.alpaca.secret_key" in str(info.value)
    assert "SIGNALTRUST__VENUES__ALPACA__SECRET_KEY" in str(info.value.fix)


def test_keys_when_given_in_the_environment_then_the_venue_opens_and_masks_them(monkeypatch):
    from signaltrust.core.config import load_settings

    monkeypatch.setenv("SIGNALTRUST__VENUES__ALPACA__API_KEY", KEY)
    monkeypatch.setenv("SIGNALTRUST__VENUES__ALPACA__SECRET_KEY", SECRET)
    config = load_settings().venues.alpaca
    venue = open_alpaca(config)
    assert config.paper and venue.execution.session.stream_url.startswith("wss://paper-api")
    assert KEY not in repr(config) and SECRET not in repr(venue) + repr(venue.execution)


@pytest.mark.parametrize(("ours", "amount", "unit"), [("1m", 1, "Min"), ("15m", 15, "Min"),
                                                      ("1h", 1, "Hour"), ("1d", 1, "Day")])
def test_timeframe_when_alpaca_has_it_then_mapped(ours, amount, unit):
    tf = alpaca_timeframe(ours)
    assert (tf.amount_value, tf.unit_value.value) == (amount, unit)


def test_timeframe_when_alpaca_lacks_it_then_validation_error():
    with pytest.raises(ValidationError, match="Alpaca has no bars"):
        alpaca_timeframe("90m")


def test_rate_limit_when_alpaca_answers_429_then_one_request_per_attempt_and_our_wait():
    from signaltrust.live.adapters.alpaca import open_alpaca as opened
    from tests.live.adapters.loopback import golden

    async def scenario():
        async with Loopback() as server:
            server.on("GET", "/v2/assets", Answer(429, {"message": "rate limit exceeded"},
                                                  headers={"Retry-After": "7"}),
                      Answer(200, golden("alpaca/assets.json")))
            time = FakeTime(START_NS)
            venue = opened(settings(server), plumbing(time))
            loaded = await venue.instruments.load()
            return loaded, server, time

    loaded, server, time = asyncio.run(scenario())
    # alpaca-py would retry the 429 itself after time.sleep(3); here its loop is off
    assert len(server.calls("GET", "/v2/assets")) == 2
    assert "AAPL" in loaded and "XYZQ" not in loaded  # untradable assets are left out
    assert max(time.slept) >= 7.0
