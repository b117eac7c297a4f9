"""The node's clock: the time the node stamped the event it is acting on.

Live, the node stamps each input (a bar, a broker report, a command) with the wall clock when
it takes it, journals that time with it, and sets the clock to it before the trading core acts;
after a crash it replays the journal with the same times, so the core repeats what it did.
"""

from __future__ import annotations

import time

import pandas as pd


class NodeClock:
    """``now_ns`` is set by the node for each input; ``advance`` only moves it forward (a bar's
    end is usually before the wall time at which it arrived)."""

    __slots__ = ("now_ns",)

    def __init__(self, start_ns: int | None = None) -> None:
        self.now_ns = time.time_ns() if start_ns is None else int(start_ns)

    @property
    def now(self) -> pd.Timestamp:
        return pd.Timestamp(self.now_ns, tz="UTC")

    def advance(self, ns: int) -> None:
        if ns > self.now_ns:
            self.now_ns = ns

    def stamp(self, ns: int) -> None:
        """Set the time of the input about to be applied (never backwards)."""
        if ns > self.now_ns:
            self.now_ns = ns


__all__ = ["NodeClock"]
