"""What the conformance suite needs from each venue: how to open it on the loopback server and
which recordings answer each scenario (see test_conformance.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from tests.live.adapters.loopback import Answer, FakeTime, Loopback, golden

START_NS = pd.Timestamp("2024-01-02T15:05:30Z").value


def with_cid(name: str, cid: str) -> Any:
    """A golden payload with our client order id put where the recording has ``CID``."""
    return json.loads(json.dumps(golden(name)).replace('"CID"', json.dumps(cid)))


@dataclass
class Expected:
    fill_id: str
    price: Decimal
    fee: Decimal
    venue_order_id: str


@dataclass
class Kit:
    """One venue's recordings. Subclasses fill in the scripts."""

    name: str
    symbol: str
    timeframe: str = "1m"
    secrets: tuple[str, ...] = ()
    has_bars: bool = True
    history_range: tuple[str, str] = ("2024-01-02T15:00:00Z", "2024-01-02T15:05:00Z")
    history_index: tuple[str, ...] = ()
    stream_index: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    poll_for_fills: bool = False
    rate_limit_wait: float = 7.0  # the wait the rate-limit recording asks for (or implies)

    def open(self, server: Loopback, time: FakeTime, **settings: Any):  # -> Venue
        raise NotImplementedError

    def script_instruments(self, server: Loopback, *first: Answer) -> None:
        raise NotImplementedError

    def script_history(self, server: Loopback) -> None:
        raise NotImplementedError

    def script_stream(self, server: Loopback) -> None:
        raise NotImplementedError

    def script_fill(self, server: Loopback, cid: str) -> Expected:
        raise NotImplementedError

    def script_resting(self, server: Loopback, cid: str) -> None:
        raise NotImplementedError

    def script_cancel(self, server: Loopback, cid: str) -> None:
        raise NotImplementedError

    def script_reject(self, server: Loopback, cid: str) -> str:
        """Returns a word the rejection reason must contain."""
        raise NotImplementedError

    def script_unanswered(self, server: Loopback, cid: str, *first: Answer) -> Expected:
        """The order POST answers with ``first`` (a hang, a drop), then the venue says the
        client order id exists; the lookup by client order id finds the filled order."""
        raise NotImplementedError

    def order_calls(self, server: Loopback) -> list:
        raise NotImplementedError

    def sent_client_id(self, seen: Any) -> str:
        raise NotImplementedError
