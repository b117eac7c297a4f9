"""Historical bars (and ticks) in time order: what a replay hands the trading core.

A bar is labelled by the start of its period and delivered at its end (label + the bar
period). :class:`HistoricalBarFeed` merges the bar streams of several instruments by end time
(instruments in the order given within one time) and ticks by their own time (a tick at the
same time as a bar's end comes first).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar

BAR = 1
TICK = 0
_DAY_NS = 86_400_000_000_000


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(index.as_unit("ns").asi8, dtype=np.int64)


def infer_period_ns(index: pd.DatetimeIndex) -> int:
    """The bar period of an index: its most common spacing (1 day when it has one bar)."""
    stamps = _ns(index)
    if len(stamps) < 2:
        return _DAY_NS
    diffs = np.diff(stamps)
    values, counts = np.unique(diffs[diffs > 0], return_counts=True)
    return int(values[np.argmax(counts)])


class HistoricalBarFeed:
    """Bars of several instruments (``{symbol: DataFrame}``) in end-time order, plus ticks."""

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        bar_period: Any = None,
        ticks: Mapping[str, Any] | None = None,
    ) -> None:
        if not frames:
            raise ValidationError(
                "no bars given", field="data", value=frames,
                fix="pass {symbol: DataFrame with open/high/low/close}",
            )
        self.symbols = tuple(str(s) for s in frames)
        self.frames = {str(s): f for s, f in frames.items()}
        self.starts: list[np.ndarray] = []
        self.ends: list[np.ndarray] = []
        for frame in self.frames.values():
            start = _ns(frame.index)
            period = (
                int(pd.Timedelta(bar_period).value)
                if bar_period is not None
                else infer_period_ns(frame.index)
            )
            self.starts.append(start)
            self.ends.append(start + period)
        self.ticks = self._ticks(ticks or {})

    def _ticks(self, ticks: Mapping[str, Any]) -> list[tuple[int, Any]]:
        """Each symbol's tick frames (one, or a list) as events (``book_feed``), by time; at
        one time in the order given."""
        from signaltrust.backtest.replay.book_feed import tick_events

        out = []
        for symbol, frames in ticks.items():
            if symbol not in self.symbols:
                raise ValidationError(
                    "ticks for a symbol without bars", field="ticks", value=symbol,
                    fix=f"use one of {', '.join(self.symbols)}",
                )
            for frame in frames if isinstance(frames, list | tuple) else (frames,):
                out += tick_events(symbol, frame)
        out.sort(key=lambda item: item[0])
        return out

    def _column(self, slot: int, name: str) -> np.ndarray:
        frame = self.frames[self.symbols[slot]]
        if name in frame.columns:
            return frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        return np.full(len(frame), np.nan)

    def bars_of(self, slot: int) -> Iterator[Bar]:
        """The bars of one symbol in order, built lazily in C."""
        columns = [self._column(slot, f).tolist() for f in ("open", "high", "low", "close",
                                                              "volume")]
        return Bar.bulk(repeat(self.symbols[slot]), *self._times(slot), *columns)

    def _times(self, slot: int) -> tuple[Any, Any]:
        """The starts and ends (ns) of one symbol's bars as Python ints: ``range`` objects
        when the bars are evenly spaced (no list of ints to build), else lists."""
        start, end = self.starts[slot], self.ends[slot]
        if len(start) > 1:
            step = int(start[1] - start[0])
            if step > 0 and bool(np.all(np.diff(start) == step)):
                first, stop = int(start[0]), int(start[0]) + len(start) * step
                period = int(end[0] - start[0])  # every end is its start + the period
                return range(first, stop, step), range(first + period, stop + period, step)
        return start.tolist(), end.tolist()

    def single_stream(self) -> bool:
        """True when the bars come one at a time (no two end together) and there are no ticks:
        the replay may hand them over in one stream (:meth:`in_order`)."""
        if self.ticks:
            return False
        ends = np.concatenate(self.ends)
        if len(self.ends) > 1:
            ends = np.sort(ends, kind="stable")
        return len(ends) < 2 or bool(np.all(ends[1:] > ends[:-1]))

    def in_order(self) -> Iterator[Bar]:
        """Every bar in end-time order (for :meth:`single_stream` feeds)."""
        if len(self.symbols) == 1:
            return self.bars_of(0)
        streams = [list(self.bars_of(slot)) for slot in range(len(self.symbols))]
        ends = np.concatenate(self.ends)
        slots = np.concatenate([np.full(len(e), i) for i, e in enumerate(self.ends)])
        rows = np.concatenate([np.arange(len(e)) for e in self.ends])
        order = np.argsort(ends, kind="stable")
        return iter([streams[s][r] for s, r in zip(slots[order].tolist(), rows[order].tolist(),
                                                    strict=True)])

    def events(self) -> Iterator[tuple[int, int, Any]]:
        """``(time_ns, BAR, [bars ending then])`` and ``(time_ns, TICK, tick)`` in time order."""
        streams = [list(self.bars_of(slot)) for slot in range(len(self.symbols))]
        ends = np.concatenate(self.ends)
        slots = np.concatenate(
            [np.full(len(e), i, dtype=np.int64) for i, e in enumerate(self.ends)]
        )
        rows = np.concatenate([np.arange(len(e), dtype=np.int64) for e in self.ends])
        order = np.lexsort((slots, ends))
        ends, slots, rows = ends[order], slots[order], rows[order]
        bounds = (np.flatnonzero(np.diff(ends)) + 1).tolist()
        firsts, stops = [0, *bounds], [*bounds, len(ends)]
        slot_list, row_list, ticks = slots.tolist(), rows.tolist(), self.ticks
        t = 0
        for i, j in zip(firsts, stops, strict=True):
            end = int(ends[i])
            while t < len(ticks) and ticks[t][0] <= end:
                yield ticks[t][0], TICK, ticks[t][1]
                t += 1
            yield end, BAR, [streams[slot_list[k]][row_list[k]] for k in range(i, j)]
        while t < len(ticks):
            yield ticks[t][0], TICK, ticks[t][1]
            t += 1


__all__ = ["BAR", "TICK", "HistoricalBarFeed", "infer_period_ns"]
