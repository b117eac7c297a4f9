"""The Redis Streams bus: one stream per node whose entry ids are the event sequence, readers
that survive a broken connection, and a clear error when the server cannot be reached."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as redis

from signaltrust.core.errors import ValidationError
from signaltrust.live.bus import RedisBus, follow
from signaltrust.live.bus.redis_streams import entry_seq, stream_key
from tests.live.bus.conftest import REDIS_URL, _require, run
from tests.live.bus.test_contract import fill, take

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> str:
    _require(REDIS_URL, "Redis")
    return REDIS_URL


def test_stream_when_a_node_publishes_then_entry_ids_are_its_sequence(
        redis_url: str, node: str) -> None:
    async def main() -> list[Any]:
        bus = await RedisBus(redis_url).connect()
        try:
            await bus.publish_many([fill(node, 0, "orders"), fill(node, 1, "fills")])
            return await bus.client.xrange(stream_key(node))
        finally:
            await bus.delete_node(node)
            await bus.close()

    entries = run(main())
    assert [entry_seq(i) for i, _ in entries] == [1, 2]
    assert [f[b"topic"].decode() for _, f in entries] == [f"signaltrust.{node}.orders",
                                                          f"signaltrust.{node}.fills"]


def test_connect_when_no_server_listens_then_validation_error_names_bus_url() -> None:
    async def main() -> None:
        await RedisBus("redis://127.0.0.1:1/0", connect_timeout_s=0.5).connect()

    with pytest.raises(ValidationError) as error:
        run(main())
    assert error.value.field == "bus.url"


def test_durable_when_the_stream_was_deleted_then_it_follows_the_new_events(
        redis_url: str, node: str) -> None:
    async def main() -> list[int]:
        bus = await RedisBus(redis_url).connect()
        try:
            await bus.publish(*fill(node, 0))
            async with follow(bus, node, from_start=True, durable_name="api") as events:
                await take(events, 1)
                await bus.delete_node(node)  # an operator wiped the node's events
                reader = asyncio.ensure_future(take(events, 1))
                await asyncio.sleep(0.2)
                await bus.publish(*fill(node, 1, run_id="again"))
                return [e["data"]["i"] for e in await reader]
        finally:
            await bus.delete_node(node)
            await bus.close()

    assert run(main()) == [1]


async def _kill_clients(url: str) -> int:
    admin = redis.from_url(url)
    try:
        return int(await admin.execute_command("CLIENT", "KILL", "TYPE", "normal",
                                               "SKIPME", "yes"))
    finally:
        await admin.aclose()


def test_followers_when_their_connection_breaks_then_they_continue_without_a_gap(
        private_redis: Any) -> None:
    node = "broken"

    async def main() -> tuple[list[int], list[int], int]:
        publisher = await RedisBus(private_redis.url).connect()
        reader = await RedisBus(private_redis.url).connect()
        try:
            async with follow(reader, node, "fills") as live, follow(
                    reader, node, "fills", from_start=True, durable_name="api") as durable:
                await publisher.publish_many([fill(node, i) for i in range(3)])
                seen_live = [e["seq"] for e in await take(live, 3)]
                seen_durable = [e["seq"] for e in await take(durable, 3)]
                waiting = asyncio.ensure_future(take(live, 3, timeout=20))
                await asyncio.sleep(0.2)  # the live follower blocks in XREAD
                killed = await _kill_clients(private_redis.url)
                await publisher.publish_many([fill(node, i) for i in range(3, 6)])
                seen_live += [e["seq"] for e in await waiting]
                seen_durable += [e["seq"] for e in await take(durable, 3, timeout=20)]
            return seen_live, seen_durable, killed
        finally:
            await publisher.close()
            await reader.close()

    live, durable, killed = run(main(), timeout=60)
    assert killed >= 2  # the publisher's and the reader's connections
    assert live == [1, 2, 3, 4, 5, 6]
    assert durable == [1, 2, 3, 4, 5, 6]
