"""Clocks: the trading core's notion of now. A replay advances it; paper and live read the wall."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod

import pandas as pd

from signaltrust.core.errors import ValidationError


class Clock(ABC):
    """The current time as int64 UTC nanoseconds (``now_ns``) and as a Timestamp (``now``)."""

    @property
    @abstractmethod
    def now_ns(self) -> int:
        """Now, in UTC nanoseconds."""

    @property
    def now(self) -> pd.Timestamp:
        return pd.Timestamp(self.now_ns, tz="UTC")


class SimulatedClock(Clock):
    """A clock the engine advances to each event's time; it never goes back."""

    __slots__ = ("_now",)

    def __init__(self, start_ns: int = 0) -> None:
        self._now = int(start_ns)

    @property
    def now_ns(self) -> int:
        return self._now

    def advance(self, ns: int) -> None:
        """Move to ``ns`` (UTC nanoseconds); moving back raises ValidationError."""
        if ns < self._now:
            raise ValidationError(
                "the clock cannot go back",
                field="now",
                value=pd.Timestamp(ns, tz="UTC"),
                fix="feed events in time order",
            )
        self._now = ns


class WallClock(Clock):
    """The system's UTC time (paper and live trading)."""

    @property
    def now_ns(self) -> int:
        return time.time_ns()

    def advance(self, ns: int) -> None:
        """Nothing: the wall clock moves by itself (events carry their own times)."""
