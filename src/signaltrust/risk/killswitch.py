"""The kill switch's reach into execution: cancel every open order, flatten every position.

The risk engine needs only two things from whatever runs the orders: :class:`FlattenBroker` —
``cancel_all(reason)`` and ``flatten(reason)``. The trading core
(:class:`signaltrust.trading.TradingCore`) is one: its flattening orders take the normal
order path, so they still pass the risk engine (which lets them through as reductions,
tagged :data:`KILL_TAG`).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

#: the tag every flattening order carries
KILL_TAG = "kill_switch"


@runtime_checkable
class FlattenBroker(Protocol):
    """What the kill switch needs: cancel all open orders; close all positions at market."""

    def cancel_all(self, reason: str) -> list[str]:
        """Cancel every open order; return the client order ids canceled."""
        ...

    def flatten(self, reason: str) -> list[str]:
        """Send a market order closing each position; return their client order ids."""
        ...
