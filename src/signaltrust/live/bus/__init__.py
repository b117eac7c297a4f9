"""The event bus across processes: NATS JetStream, Redis Streams, or this process's memory.

``open_bus(settings.bus)`` connects the bus the ``[bus]`` settings name (``backend = "memory"``
by default, ``"nats"`` or ``"redis"`` so that an API process or another node can follow);
``follow(bus, node, kinds)`` is what a follower reads. The interface and the in-process bus are
``signaltrust.core.bus``. See docs/events.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signaltrust.core.lazy import lazy_exports

if TYPE_CHECKING:
    from signaltrust.live.bus.follow import follow
    from signaltrust.live.bus.jetstream import NatsBus
    from signaltrust.live.bus.opening import open_bus
    from signaltrust.live.bus.redis_streams import RedisBus

__all__ = ["NatsBus", "RedisBus", "follow", "open_bus"]
__getattr__, __dir__ = lazy_exports(globals(), {
    "NatsBus": "signaltrust.live.bus.jetstream:NatsBus",
    "RedisBus": "signaltrust.live.bus.redis_streams:RedisBus",
    "follow": "signaltrust.live.bus.follow:follow",
    "open_bus": "signaltrust.live.bus.opening:open_bus",
})
