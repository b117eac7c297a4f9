"""Bars from venues: one frame shape for history, and a guard that lets a bar out once.

History of every adapter comes back as :func:`bar_frame`: ``open, high, low, close, volume``
floats indexed by the UTC start of each bar (``timestamp``), ascending, without duplicates,
cut to ``[start, end)``. Streams pass each bar through :class:`BarGate`, which yields a bar
only when it is complete (its end has passed) and newer than the last one yielded for its
symbol: a bar replayed after a reconnect, sent twice or arriving after a newer one is dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.events import Bar
from signaltrust.core.timeframe import Timeframe

COLUMNS = ["open", "high", "low", "close", "volume"]


def utc(value: Any) -> pd.Timestamp:
    """A timestamp in UTC (naive values are UTC; numbers are epoch milliseconds)."""
    if isinstance(value, int | float | np.integer) and not isinstance(value, bool):
        return pd.Timestamp(int(value), unit="ms", tz="UTC")
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def bar_frame(
    rows: Iterable[tuple[Any, float, float, float, float, float]],
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Rows ``(start time, open, high, low, close, volume)`` as the history frame."""
    data = list(rows)
    index = pd.DatetimeIndex([utc(r[0]) for r in data], name="timestamp")
    frame = pd.DataFrame([r[1:6] for r in data], index=index, columns=COLUMNS, dtype="float64")
    if frame.empty:
        frame.index = pd.DatetimeIndex([], tz="UTC", name="timestamp")
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    if start is not None:
        frame = frame[frame.index >= utc(start)]
    if end is not None:
        frame = frame[frame.index < utc(end)]
    frame.index = frame.index.as_unit("ns")
    return frame


def step_ns(timeframe: str) -> int:
    """A bar's length in nanoseconds."""
    return Timeframe.parse(timeframe).approx_nanos


class BarGate:
    """Lets each symbol's bars out once, in order, and only when complete."""

    def __init__(self, timeframe: str) -> None:
        self.step = step_ns(timeframe)
        self.last: dict[str, int] = {}
        self.dropped = 0

    def bar(self, symbol: str, start: Any, o: float, h: float, lo: float, c: float,
            v: float) -> Bar:
        ts = utc(start).value
        return Bar(symbol, ts, ts + self.step, float(o), float(h), float(lo), float(c), float(v))

    def admit(self, bar: Bar, now_ns: int) -> bool:
        """Whether ``bar`` may be yielded now (complete, and newer than the last one)."""
        if bar.end_ns > now_ns or bar.ts_ns <= self.last.get(bar.symbol, -1):
            self.dropped += 1
            return False
        self.last[bar.symbol] = bar.ts_ns
        return True


async def merge(*sources: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Items of several async iterators as they come; an error in one ends them all."""
    queue: asyncio.Queue = asyncio.Queue()
    done = object()

    async def pump(source: AsyncIterator[Any]) -> None:
        try:
            async for item in source:
                await queue.put((None, item))
        except Exception as exc:  # noqa: BLE001 - handed to the consumer
            await queue.put((exc, None))
        finally:
            await queue.put((None, done))

    tasks = [asyncio.get_running_loop().create_task(pump(s)) for s in sources]
    running = len(tasks)
    try:
        while running:
            error, item = await queue.get()
            if error is not None:
                raise error
            if item is done:
                running -= 1
                continue
            yield item
    finally:
        for task in tasks:
            task.cancel()


__all__ = ["COLUMNS", "BarGate", "bar_frame", "merge", "step_ns", "utc"]
