"""The NATS JetStream bus: duplicates dropped by event id, the node's stream, reconnects after
the server restarts, and a clear error when the server cannot be reached."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.live.bus import NatsBus, follow
from signaltrust.live.bus.jetstream import stream_name
from tests.live.bus.conftest import NATS_URL, _require, run
from tests.live.bus.test_contract import fill, take

pytestmark = pytest.mark.nats


@pytest.fixture
def nats_url() -> str:
    _require(NATS_URL, "NATS JetStream")
    return NATS_URL


def test_publish_when_an_event_id_is_sent_again_then_it_is_stored_once(
        nats_url: str, node: str) -> None:
    async def main() -> tuple[list[int], int, list[int]]:
        bus = await NatsBus(nats_url).connect()
        try:
            batch = [fill(node, i) for i in range(3)]
            first = await bus.publish_many(batch)
            again = await bus.publish_many(batch)  # a batch resent after a lost answer
            async with follow(bus, node, from_start=True) as events:
                seqs = [e["seq"] for e in await take(events, 3)]
            return first + again, await bus.last_seq(node), seqs
        finally:
            await bus.delete_node(node)
            await bus.close()

    sent, last, seqs = run(main())
    assert sent == [1, 2, 3, 1, 2, 3]  # the resend is answered with the stored numbers
    assert last == 3 and seqs == [1, 2, 3]


def test_stream_when_a_node_publishes_then_one_stream_holds_every_kind(
        nats_url: str, node: str) -> None:
    async def main() -> Any:
        bus = await NatsBus(nats_url, max_events=500, max_age_hours=2.0).connect()
        try:
            await bus.publish_many([fill(node, 0, "orders"), fill(node, 1, "status")])
            return await bus.js.stream_info(stream_name(node))
        finally:
            await bus.delete_node(node)
            await bus.close()

    info = run(main())
    assert info.config.subjects == [f"signaltrust.{node}.>"]
    assert info.config.max_msgs == 500 and info.config.max_age == pytest.approx(7200.0)
    assert info.state.messages == 2


def test_durable_when_asked_for_other_kinds_than_it_follows_then_validation_error(
        nats_url: str, node: str) -> None:
    async def main() -> None:
        bus = await NatsBus(nats_url).connect()
        try:
            await bus.publish(*fill(node, 0))
            async with follow(bus, node, "fills", from_start=True, durable_name="d") as events:
                await take(events, 1)
            with pytest.raises(ValidationError) as error:
                async with follow(bus, node, "orders", durable_name="d"):
                    pass
            assert error.value.field == "durable_name"
        finally:
            await bus.delete_node(node)
            await bus.close()

    run(main())


def test_connect_when_no_server_listens_then_validation_error_names_bus_url() -> None:
    async def main() -> None:
        await NatsBus("nats://127.0.0.1:1", connect_timeout_s=0.5).connect()

    with pytest.raises(ValidationError) as error:
        run(main())
    assert error.value.field == "bus.url"


async def _until_connected(bus: NatsBus, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not bus.nc.is_connected:
        if loop.time() > deadline:
            raise TimeoutError("the bus did not reconnect")
        await asyncio.sleep(0.05)


def test_followers_when_the_server_restarts_then_they_continue_without_a_gap(
        private_nats: Any) -> None:
    node = "restart"

    async def main() -> tuple[list[int], list[int]]:
        publisher = await NatsBus(private_nats.url).connect()
        reader = await NatsBus(private_nats.url).connect()
        try:
            async with follow(reader, node, "fills") as live, follow(
                    reader, node, "fills", from_start=True, durable_name="api") as durable:
                await publisher.publish_many([fill(node, i) for i in range(3)])
                seen_live = [e["seq"] for e in await take(live, 3)]
                seen_durable = [e["seq"] for e in await take(durable, 3)]
                private_nats.stop()
                await asyncio.sleep(0.3)
                private_nats.start()  # the same store: the stream and the consumer survive
                await _until_connected(publisher)
                await _until_connected(reader)
                await publisher.publish_many([fill(node, i) for i in range(3, 6)])
                seen_live += [e["seq"] for e in await take(live, 3, timeout=20)]
                seen_durable += [e["seq"] for e in await take(durable, 3, timeout=20)]
            return seen_live, seen_durable
        finally:
            await publisher.close()
            await reader.close()

    live, durable = run(main(), timeout=60)
    assert live == [1, 2, 3, 4, 5, 6]
    assert durable == [1, 2, 3, 4, 5, 6]


def test_close_when_the_server_is_gone_then_it_returns(private_nats: Any) -> None:
    async def main() -> bool:
        bus = await NatsBus(private_nats.url).connect()
        private_nats.stop()
        await asyncio.sleep(0.2)  # the client notices and starts reconnecting
        await bus.close()
        return bus.nc is None

    assert run(main(), timeout=15)
