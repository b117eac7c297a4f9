"""``open_bus(settings)``: the bus the ``[bus]`` settings name, connected."""

from __future__ import annotations

import pytest

from signaltrust.core.bus import InProcessBus
from signaltrust.core.config import BusSettings, Settings
from signaltrust.core.errors import ConfigError, ValidationError
from signaltrust.live.bus import NatsBus, RedisBus, open_bus
from tests.live.bus.conftest import NATS_URL, REDIS_URL, _require, run


def test_open_bus_when_no_settings_then_the_in_process_bus() -> None:
    bus = run(open_bus())
    assert isinstance(bus, InProcessBus) and bus.max_events == 100_000


def test_open_bus_when_given_the_whole_settings_then_it_reads_their_bus_section() -> None:
    settings = Settings(bus=BusSettings(max_events=7))
    bus = run(open_bus(settings))
    assert isinstance(bus, InProcessBus) and bus.max_events == 7


def test_open_bus_when_given_something_else_then_config_error() -> None:
    with pytest.raises(ConfigError) as error:
        run(open_bus({"backend": "nats"}))
    assert error.value.field == "bus"


@pytest.mark.nats
def test_open_bus_when_backend_nats_then_a_connected_jetstream_bus() -> None:
    _require(NATS_URL, "NATS JetStream")

    async def main() -> tuple[str, int, bool]:
        bus = await open_bus(BusSettings(backend="nats", url=NATS_URL, max_events=50))
        try:
            assert isinstance(bus, NatsBus)
            return bus.backend, bus.max_events, bus.nc.is_connected
        finally:
            await bus.close()

    assert run(main()) == ("nats", 50, True)


@pytest.mark.redis
def test_open_bus_when_backend_redis_then_a_connected_streams_bus() -> None:
    _require(REDIS_URL, "Redis")

    async def main() -> tuple[str, bool]:
        bus = await open_bus(BusSettings(backend="redis", url=REDIS_URL))
        try:
            assert isinstance(bus, RedisBus)
            return bus.backend, await bus.client.ping()
        finally:
            await bus.close()

    assert run(main()) == ("redis", True)


def test_open_bus_when_the_server_is_unreachable_then_validation_error_hides_the_password(
) -> None:
    settings = BusSettings(backend="redis", url="redis://:hunter2@127.0.0.1:1/0",
                           connect_timeout_s=0.5)
    with pytest.raises(ValidationError) as error:
        run(open_bus(settings))
    assert error.value.field == "bus.url"
    assert "hunter2" not in str(error.value) and "hunter2" not in str(error.value.value)
