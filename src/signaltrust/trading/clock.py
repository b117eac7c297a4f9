"""Clocks: the trading core's notion of now. A replay advances it; paper and live read the wall."""

from __future__ import annotations

import time
from typing import Protocol

import pandas as pd

from signaltrust.core.errors import ValidationError


class Clock(Protocol):
    """The current time as int64 UTC nanoseconds (``now_ns``); ``advance`` moves a simulated
    clock to an event's time (the wall clock moves by itself)."""

    @property
    def now_ns(self) -> int: ...

    def advance(self, ns: int) -> None: ...


class SimulatedClock:
    """A clock the core advances to each event's time; it never goes back.

    ``now_ns`` is a plain attribute (read once per bar by the replay's loop).
    """

    __slots__ = ("now_ns",)

    def __init__(self, start_ns: int = 0) -> None:
        self.now_ns = int(start_ns)

    @property
    def now(self) -> pd.Timestamp:
        return pd.Timestamp(self.now_ns, tz="UTC")

    def advance(self, ns: int) -> None:
        """Move to ``ns`` (UTC nanoseconds); moving back raises ValidationError."""
        if ns < self.now_ns:
            raise ValidationError(
                "the clock cannot go back",
                field="now",
                value=pd.Timestamp(ns, tz="UTC"),
                fix="hand the core its events in time order",
            )
        self.now_ns = ns


class WallClock:
    """The system's UTC time (paper and live trading)."""

    @property
    def now_ns(self) -> int:
        return time.time_ns()

    @property
    def now(self) -> pd.Timestamp:
        return pd.Timestamp(self.now_ns, tz="UTC")

    def advance(self, ns: int) -> None:
        """Nothing: the wall clock moves by itself (events carry their own times)."""


__all__ = ["Clock", "SimulatedClock", "WallClock"]
