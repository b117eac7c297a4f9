"""The event bus's contract, on every backend: memory (this process), NATS JetStream and
Redis Streams (the servers on this machine)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from signaltrust.core.bus import FIELDS, Subscription, make_event, topic
from signaltrust.core.errors import ValidationError
from signaltrust.live.bus import follow
from tests.live.bus.conftest import run


def fill(node: str, i: int, kind: str = "fills", run_id: str = "r1") -> tuple[str, dict]:
    event = make_event(kind.rstrip("s") if kind != "pnl" else "pnl", kind, node, "paper",
                       1_700_000_000_000_000_000 + i, {"i": i}, f"{node}-{run_id}-{kind}-{i}")
    return topic(node, kind), event


async def take(events: Subscription, n: int, timeout: float = 10.0) -> list[dict]:
    return [await asyncio.wait_for(events.__anext__(), timeout) for _ in range(n)]


async def nothing_more(events: Subscription, wait: float = 0.3) -> bool:
    try:
        await asyncio.wait_for(events.__anext__(), wait)
    except TimeoutError:
        return True
    return False


def test_follower_when_subscribed_before_publishing_then_gets_every_event_once_in_order(
        open_bus: Any, node: str) -> None:
    async def main() -> list[dict]:
        async with open_bus() as bus, follow(bus, node, "orders,fills") as events:
            items = [fill(node, i, "orders" if i % 3 == 0 else "fills") for i in range(30)]
            items.insert(5, fill(node, 99, "pnl"))  # a kind not followed
            seqs = await bus.publish_many(items)
            assert seqs == list(range(1, 32))
            got = await take(events, 30)
            assert await nothing_more(events)
            return got

    got = run(main())
    assert [e["data"]["i"] for e in got] == list(range(30))
    assert [e["seq"] for e in got] == [s for s in range(1, 32) if s != 6]
    assert all(set(e) == set(FIELDS) for e in got)
    assert {e["kind"] for e in got} == {"orders", "fills"}


def test_follower_when_it_starts_late_from_the_start_then_replays_what_is_kept(
        open_bus: Any, node: str) -> None:
    async def main() -> tuple[list[dict], list[dict], int]:
        async with open_bus() as bus:
            await bus.publish_many([fill(node, i) for i in range(10)])
            async with follow(bus, node, from_start=True) as events:
                replayed = await take(events, 10)
                await bus.publish(*fill(node, 10))
                live = await take(events, 1)
            async with follow(bus, node, from_seq=8) as events:
                tail = await take(events, 4)
            return replayed + live, tail, await bus.last_seq(node)

    everything, tail, last = run(main())
    assert [e["seq"] for e in everything] == list(range(1, 12))
    assert [e["data"]["i"] for e in tail] == [7, 8, 9, 10]
    assert last == 11


def test_follower_when_it_subscribes_without_a_start_then_sees_only_new_events(
        open_bus: Any, node: str) -> None:
    async def main() -> list[dict]:
        async with open_bus() as bus:
            await bus.publish_many([fill(node, i) for i in range(3)])
            async with follow(bus, node, "fills") as events:
                await bus.publish(*fill(node, 3))
                got = await take(events, 1)
                assert await nothing_more(events)
                return got

    assert [e["data"]["i"] for e in run(main())] == [3]


def test_durable_follower_when_started_again_then_resumes_after_the_last_event_taken(
        open_bus: Any, node: str) -> None:
    async def main() -> tuple[list[int], list[int], list[int]]:
        async with open_bus() as bus:
            await bus.publish_many([fill(node, i) for i in range(6)])
            async with follow(bus, node, "fills", from_start=True,
                              durable_name="api") as events:
                first = [e["seq"] for e in await take(events, 3)]
            await bus.publish_many([fill(node, i) for i in range(6, 8)])
            async with follow(bus, node, "fills", from_start=True,
                              durable_name="api") as events:  # from_start: only at creation
                second = [e["seq"] for e in await take(events, 5)]
                assert await nothing_more(events)
            async with follow(bus, node, "fills", from_start=True,
                              durable_name="other") as events:
                other = [e["seq"] for e in await take(events, 2)]
            return first, second, other

    first, second, other = run(main())
    assert first == [1, 2, 3]
    assert second == [4, 5, 6, 7, 8]
    assert other == [1, 2]  # another durable name keeps its own place


def test_durable_follower_when_its_block_fails_then_the_last_event_comes_again(
        open_bus: Any, node: str) -> None:
    async def main() -> tuple[list[int], list[int]]:
        async with open_bus() as bus:
            await bus.publish_many([fill(node, i) for i in range(4)])
            seen: list[int] = []
            with pytest.raises(RuntimeError):
                async with follow(bus, node, from_start=True, durable_name="w") as events:
                    seen += [e["seq"] for e in await take(events, 2)]
                    raise RuntimeError("the follower crashed handling event 2")
            async with follow(bus, node, durable_name="w") as events:
                again = [e["seq"] for e in await take(events, 3)]
            return seen, again

    seen, again = run(main())
    assert seen == [1, 2]
    assert again == [2, 3, 4]


def test_sequence_when_a_new_publisher_connects_then_numbers_continue(
        open_bus: Any, node: str, backend: str) -> None:
    if backend == "memory":
        pytest.skip("the in-process bus lives and dies with its process")

    async def main() -> list[int]:
        async with open_bus() as first:
            a = await first.publish_many([fill(node, i, run_id="a") for i in range(3)])
            async with open_bus() as second:
                b = await second.publish_many([fill(node, i, run_id="b") for i in range(2)])
                return a + b + [await second.last_seq(node)]

    assert run(main()) == [1, 2, 3, 4, 5, 5]


def test_retention_when_more_events_than_max_events_then_the_oldest_are_dropped(
        open_bus: Any, node: str, backend: str) -> None:
    async def main() -> tuple[list[int], int]:
        async with open_bus(max_events=20) as bus:
            for start in range(0, 300, 50):
                await bus.publish_many([fill(node, i) for i in range(start, start + 50)])
            last = await bus.last_seq(node)
            async with follow(bus, node, from_start=True) as events:
                first = (await take(events, 1))[0]["seq"]
                kept = [first] + [e["seq"] for e in await take(events, last - first)]
            return kept, last

    kept, last = run(main())
    assert last == 300 and kept[-1] == 300
    assert kept == list(range(kept[0], 301))  # no hole in what is kept
    # Redis trims whole blocks of entries (MAXLEN ~): it keeps at least max_events, about that
    assert len(kept) == 20 if backend != "redis" else 20 <= len(kept) < 300


def test_delete_node_when_called_then_its_events_are_gone(open_bus: Any, node: str) -> None:
    async def main() -> tuple[int, int]:
        async with open_bus() as bus:
            await bus.publish_many([fill(node, i) for i in range(3)])
            before = await bus.last_seq(node)
            await bus.delete_node(node)
            return before, await bus.last_seq(node)

    assert run(main()) == (3, 0)


def test_publish_when_the_event_is_not_the_topics_node_then_validation_error(
        open_bus: Any, node: str) -> None:
    async def main() -> None:
        async with open_bus() as bus:
            name, event = fill(node, 1)
            with pytest.raises(ValidationError) as wrong_node:
                await bus.publish(topic("someone-else", "fills"), event)
            assert wrong_node.value.field == "event.node"
            with pytest.raises(ValidationError) as not_json:
                await bus.publish(name, {**event, "data": {"x": math.nan}})
            assert not_json.value.field == "event.data"
            with pytest.raises(ValidationError) as bad_topic:
                await bus.publish("signaltrust.x.trades", event)
            assert bad_topic.value.field == "topic"
            assert await bus.last_seq(node) == 0

    run(main())


def test_subscribe_when_topics_of_two_nodes_then_validation_error(
        open_bus: Any, node: str) -> None:
    async def main() -> None:
        async with open_bus() as bus:
            with pytest.raises(ValidationError) as two:
                bus.subscribe([topic(node, "fills"), topic("b", "fills")])
            assert two.value.field == "topics"
            with pytest.raises(ValidationError) as bad:
                follow(bus, node, "fills,trades")
            assert bad.value.field == "kinds"
            with pytest.raises(ValidationError) as start:
                follow(bus, node, from_seq=0)
            assert start.value.field == "from_seq"

    run(main())


def test_two_followers_when_one_publisher_then_each_gets_the_same_events(
        open_bus: Any, node: str) -> None:
    async def main() -> tuple[list[int], list[int]]:
        async with open_bus() as bus:
            async with follow(bus, node, "fills") as a, follow(bus, node, "fills") as b:

                async def publisher() -> None:
                    for i in range(20):
                        await bus.publish(*fill(node, i))

                task = asyncio.create_task(publisher())
                got_a, got_b = await asyncio.gather(take(a, 20), take(b, 20))
                await task
            return [e["seq"] for e in got_a], [e["seq"] for e in got_b]

    a, b = run(main())
    assert a == b == list(range(1, 21))
