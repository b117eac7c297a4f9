"""``open_bus(settings)``: the event bus the ``[bus]`` settings name, connected."""

from __future__ import annotations

from typing import Any

from signaltrust.core.bus import EventBus, InProcessBus
from signaltrust.core.config import BusSettings
from signaltrust.core.errors import ConfigError


def bus_settings(settings: Any) -> BusSettings:
    """The ``[bus]`` section of ``settings`` (a ``Settings`` or a ``BusSettings``; None: the
    defaults)."""
    if settings is None:
        return BusSettings()
    if isinstance(settings, BusSettings):
        return settings
    section = getattr(settings, "bus", None)
    if isinstance(section, BusSettings):
        return section
    raise ConfigError("not the bus settings", field="bus", value=type(settings).__name__,
                      fix="pass load_settings() or its .bus section")


async def open_bus(settings: Any = None) -> EventBus:
    """Connect the bus of the ``[bus]`` settings: ``memory`` (this process), ``nats``
    (JetStream) or ``redis`` (Streams). A server that cannot be reached raises a
    ValidationError naming ``bus.url``; nothing is retried at start."""
    section = bus_settings(settings)
    url = section.url.get_secret_value() if section.url is not None else None
    if section.backend == "nats":
        from signaltrust.live.bus.jetstream import DEFAULT_URL, NatsBus

        return await NatsBus(url or DEFAULT_URL, max_events=section.max_events,
                             max_age_hours=section.max_age_hours,
                             connect_timeout_s=section.connect_timeout_s).connect()
    if section.backend == "redis":
        from signaltrust.live.bus.redis_streams import DEFAULT_URL as REDIS_URL
        from signaltrust.live.bus.redis_streams import RedisBus

        return await RedisBus(url or REDIS_URL, max_events=section.max_events,
                              connect_timeout_s=section.connect_timeout_s).connect()
    return InProcessBus(max_events=section.max_events)


__all__ = ["bus_settings", "open_bus"]
