"""Where a node's bars come from: stored bars replayed at a chosen speed, or a venue's stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence

import pandas as pd

from signaltrust.backtest.replay.feed import BAR, HistoricalBarFeed
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar


def parse_speed(text: str | float | None) -> float | None:
    """``"max"`` (or None) -> None (as fast as it goes); ``"60"`` -> 60.0 (a minute of market
    time per second)."""
    if text is None or (isinstance(text, str) and text.strip().lower() == "max"):
        return None
    try:
        speed = float(text)
    except ValueError:
        speed = float("nan")
    if not speed > 0 or speed == float("inf"):
        raise ValidationError(
            "the replay speed is a positive number or max", field="speed", value=text,
            fix="write --speed 60 (a minute of market time per second) or --speed max",
        )
    return speed


class ReplayFeed:
    """Stored bars in time order, the bars that end together as one group; at ``speed`` times
    real time (None: as fast as it goes), starting after bars ending at or before ``after_ns``
    (a restarted node resumes where its journal ends)."""

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        speed: float | None = None,
        after_ns: int | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.feed = HistoricalBarFeed(dict(frames))
        self.speed = speed
        self.after_ns = after_ns
        self.sleep = sleep
        self.total = sum(len(f) for f in self.feed.frames.values())

    async def __aiter__(self) -> AsyncIterator[list[Bar]]:
        previous: int | None = None
        for end, kind, bars in self.feed.events():
            if kind != BAR or (self.after_ns is not None and end <= self.after_ns):
                continue
            if self.speed is not None and previous is not None and end > previous:
                await self.sleep((end - previous) / 1e9 / self.speed)
            previous = end
            yield list(bars)


class StreamFeed:
    """A venue's live bars (its data client's ``stream``), one bar per group."""

    def __init__(self, data_client: object, symbols: Sequence[str], timeframe: str) -> None:
        self.data_client = data_client
        self.symbols = list(symbols)
        self.timeframe = timeframe
        self.total = None

    async def __aiter__(self) -> AsyncIterator[list[Bar]]:
        async for event in self.data_client.stream(  # type: ignore[attr-defined]
            self.symbols, timeframe=self.timeframe
        ):
            if isinstance(event, Bar):
                yield [event]


__all__ = ["ReplayFeed", "StreamFeed", "parse_speed"]
