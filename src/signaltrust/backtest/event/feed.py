"""Data feeds: historical bars (and ticks) replayed in time order, and the history they build.

A bar is labelled by the start of its period and delivered at its end (label + the bar
period). :class:`HistoricalBarFeed` merges the bar streams of many instruments by end time
(instruments in the order given within one time) and ticks by their own time (a tick at the
same time as a bar's end comes first). :class:`BarHistory` serves ``ctx.history`` and
``ctx.indicator``: read-only NumPy views that end at each symbol's current bar.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from array import array
from collections.abc import Iterable, Iterator, Mapping
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.strategy.api import Tick

BAR = 1
TICK = 0
_extend = list.extend  # the engine's way past the handles' read-only guard


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(index.as_unit("ns").asi8, dtype=np.int64)


def infer_period_ns(index: pd.DatetimeIndex) -> int:
    """The bar period of an index: its most common spacing (1 day when it has one bar)."""
    stamps = _ns(index)
    if len(stamps) < 2:
        return 86_400_000_000_000
    diffs = np.diff(stamps)
    values, counts = np.unique(diffs[diffs > 0], return_counts=True)
    return int(values[np.argmax(counts)])


def column_of(values: Any, typecode: str = "d") -> array:
    """A 1-D column as an ``array.array`` of ``typecode`` ("d": float64, "q": int64)."""
    column = array(typecode)
    column.frombytes(memoryview(np.ascontiguousarray(values, dtype=np.dtype(typecode))).cast("B"))
    return column


class DataFeed(ABC):
    """A source of market events in time order (historical, or live in later waves)."""

    symbols: tuple[str, ...]

    @abstractmethod
    def events(self) -> Iterator[tuple[int, int, Any]]:
        """``(time_ns, kind, payload)``: kind BAR with a list of ``(symbol index, row)`` whose
        bars end at ``time_ns``, or kind TICK with a :class:`Tick`."""


class HistoricalBarFeed(DataFeed):
    """Bars of several instruments (``{symbol: DataFrame}``) replayed by end time, plus ticks."""

    def __init__(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        bar_period: Any = None,
        ticks: Mapping[str, pd.DataFrame] | None = None,
    ) -> None:
        if not frames:
            raise ValidationError(
                "no bars given",
                field="data",
                value=frames,
                fix="pass {symbol: DataFrame with open/high/low/close}",
            )
        self.symbols = tuple(str(s) for s in frames)
        self.frames = {str(s): f for s, f in frames.items()}
        self.columns: list[dict[str, np.ndarray]] = []
        self.starts: list[np.ndarray] = []
        self.ends: list[np.ndarray] = []
        for symbol, frame in self.frames.items():
            start = _ns(frame.index)
            period = (
                int(pd.Timedelta(bar_period).value)
                if bar_period is not None
                else infer_period_ns(frame.index)
            )
            cols = {}
            for name in frame.columns:
                if pd.api.types.is_numeric_dtype(frame[name]):
                    arr = frame[name].to_numpy(dtype=np.float64, na_value=np.nan).copy()
                    arr.flags.writeable = False
                    cols[str(name)] = arr
            if "volume" not in cols:
                cols["volume"] = np.full(len(frame), np.nan)
            for need in ("open", "high", "low", "close"):
                if need not in cols:
                    raise ValidationError(
                        f"bars of {symbol} have no {need} column",
                        field=need,
                        value=list(frame.columns),
                        fix="pass bars with open, high, low and close",
                    )
            self.columns.append(cols)
            self.starts.append(start)
            self.ends.append(start + period)
        self.ticks = self._ticks(ticks or {})

    def _ticks(self, ticks: Mapping[str, pd.DataFrame]) -> list[tuple[int, Tick]]:
        out = []
        for symbol, frame in ticks.items():
            if symbol not in self.symbols:
                raise ValidationError(
                    "ticks for a symbol without bars",
                    field="ticks",
                    value=symbol,
                    fix=f"use one of {', '.join(self.symbols)}",
                )
            kind = "quote" if "bid" in frame.columns else "trade"
            get = {
                c: frame[c].to_numpy(dtype=np.float64)
                for c in frame.columns
                if c in ("price", "size", "bid", "ask")
            }
            for i, ts in enumerate(_ns(frame.index)):
                out.append(
                    (
                        int(ts),
                        Tick(symbol, int(ts), kind, **{k: float(v[i]) for k, v in get.items()}),
                    )
                )
        out.sort(key=lambda item: item[0])
        return out

    def bar_schedule(self) -> tuple[list[int], list[list[tuple[int, int]]]]:
        """Distinct bar end times in order, and the ``(symbol index, row)`` bars ending at each."""
        ends = np.concatenate(self.ends)
        syms = np.concatenate([np.full(len(e), i, dtype=np.int64) for i, e in enumerate(self.ends)])
        rows = np.concatenate([np.arange(len(e), dtype=np.int64) for e in self.ends])
        order = np.lexsort((syms, ends))
        ends, syms, rows = ends[order], syms[order], rows[order]
        pairs = list(zip(syms.tolist(), rows.tolist(), strict=True))
        bounds = (np.flatnonzero(np.diff(ends)) + 1).tolist()
        starts, stops = [0, *bounds], [*bounds, len(ends)]
        return ends[starts].tolist(), [pairs[i:j] for i, j in zip(starts, stops, strict=True)]

    def single_bars(self) -> tuple[Iterable[int], Iterable[int]] | None:
        """``(symbol indexes, rows)`` of every bar in time order when no two bars end together
        and there are no ticks (the engine's lean loop), else None."""
        if self.ticks:
            return None
        if len(self.ends) == 1:
            ends = self.ends[0]
            if len(ends) > 1 and not np.all(ends[1:] > ends[:-1]):
                return None
            return repeat(0, len(ends)), range(len(ends))
        ends = np.concatenate(self.ends)
        syms = np.concatenate([np.full(len(e), i, dtype=np.int64) for i, e in enumerate(self.ends)])
        rows = np.concatenate([np.arange(len(e), dtype=np.int64) for e in self.ends])
        order = np.argsort(ends, kind="stable")
        ends = ends[order]
        if len(ends) > 1 and not np.all(np.diff(ends) > 0):
            return None
        return syms[order].tolist(), rows[order].tolist()

    def events(self) -> Iterator[tuple[int, int, Any]]:
        ticks = self.ticks
        t = 0
        times, groups = self.bar_schedule()
        if not ticks:
            yield from zip(times, [BAR] * len(times), groups, strict=True)
            return
        for end, items in zip(times, groups, strict=True):
            while t < len(ticks) and ticks[t][0] <= end:
                yield ticks[t][0], TICK, ticks[t][1]
                t += 1
            yield end, BAR, items
        while t < len(ticks):
            yield ticks[t][0], TICK, ticks[t][1]
            t += 1


def _read_only(self: Any, *args: Any, **kwargs: Any) -> None:
    raise ValueError("an indicator handle is read-only: the engine extends it bar by bar")


class Indicator(list):  # type: ignore[type-arg]
    """A handle on an indicator series: ``h[-1]`` now, ``h[-2]`` one bar before, ``h.values``.

    A read-only list of the values up to the current bar, which the engine extends by one value
    per bar of its symbol (so ``h[-1]`` and ``len(h)`` cost what a list's do); indexing past
    the current bar raises IndexError, as on any list.
    """

    __slots__ = ("_array",)

    def __init__(self, array: np.ndarray, upto: int) -> None:
        array = np.asarray(array, dtype=np.float64)
        array.flags.writeable = False
        list.__init__(self, array[:upto].tolist())
        self._array = array

    @property
    def values(self) -> np.ndarray:
        """The indicator up to the current bar (read-only view)."""
        return self._array[: len(self)]

    append = extend = insert = pop = remove = clear = sort = reverse = _read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only


class BarHistory:
    """History windows and indicators of each symbol up to its current bar (``cursor``)."""

    def __init__(self, feed: HistoricalBarFeed) -> None:
        self.symbols = feed.symbols
        self._slot = {s: i for i, s in enumerate(feed.symbols)}
        self._columns = feed.columns
        self._frames = list(feed.frames.values())
        self.cursor = [-1] * len(feed.symbols)  # row of each symbol's last completed bar
        # per symbol: (handle, values as a list) of every indicator, extended bar by bar
        self.growing: list[list[tuple[Indicator, list[float]]]] = [[] for _ in feed.symbols]
        self.last = [float("nan")] * len(feed.symbols)  # latest price (open or close)

    def advance(self, slot: int, row: int) -> None:
        """``row`` of ``slot`` has completed: move its cursor and extend its indicator handles."""
        self.cursor[slot] = row
        for handle, values in self.growing[slot]:
            _extend(handle, values[len(handle) : row + 1])

    def slot(self, symbol: str) -> int:
        try:
            return self._slot[symbol]
        except KeyError:
            raise ValidationError(
                "unknown symbol",
                field="symbol",
                value=symbol,
                fix=f"use one of {', '.join(self.symbols)}",
            ) from None

    def history(self, symbol: str, field: str, n: int | None) -> np.ndarray:
        slot = self.slot(symbol)
        try:
            column = self._columns[slot][field]
        except KeyError:
            raise ValidationError(
                "no such bar field",
                field="field",
                value=field,
                fix=f"use one of {', '.join(self._columns[slot])}",
            ) from None
        end = self.cursor[slot] + 1
        return column[max(0, end - n) if n is not None else 0 : end]

    def price(self, symbol: str) -> float:
        return self.last[self.slot(symbol)]

    def frame(self, symbol: str, n: int | None) -> pd.DataFrame:
        slot = self.slot(symbol)
        end = self.cursor[slot] + 1
        return self._frames[slot].iloc[max(0, end - n) if n is not None else 0 : end]

    def indicator(
        self, symbol: str, function: Any, fields: tuple[str, ...] | None, kwargs: dict[str, Any]
    ) -> Any:
        """Handles on a ``signaltrust.ta`` indicator (by name or function) of ``symbol``.

        Indicators of ``signaltrust.ta`` are causal (the value at t uses bars up to t only; the
        ta tests check it), so the series is computed once and each handle reveals it up to
        the current bar only.
        """
        import inspect

        from signaltrust import ta

        fn = getattr(ta, str(function).lower(), None) if isinstance(function, str) else function
        if fn is None or getattr(fn, "__module__", "").split(".")[:2] != ["signaltrust", "ta"]:
            raise ValidationError(
                "ctx.indicator takes a signaltrust.ta indicator",
                field="function",
                value=function,
                fix="pass a name such as 'sma', 'rsi', 'atr' or ta.sma; compute "
                "other functions on ctx.history(...) windows",
            )
        slot = self.slot(symbol)
        if fields is None:
            names = [
                p
                for p in inspect.signature(fn).parameters
                if p in ("open", "high", "low", "close", "volume", "real")
            ]
            fields = tuple("close" if p == "real" else p for p in names)
        inputs = [self._columns[slot][f] for f in fields]
        out = fn(*inputs, **kwargs)
        handles = tuple(
            Indicator(o, self.cursor[slot] + 1) for o in (out if isinstance(out, tuple) else (out,))
        )
        self.growing[slot].extend((h, h._array.tolist()) for h in handles)
        return handles if isinstance(out, tuple) else handles[0]
