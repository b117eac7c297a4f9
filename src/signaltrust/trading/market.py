"""Market data that grows as bars arrive: history windows and indicator handles per symbol.

:class:`MarketData` keeps, for every symbol, its bars up to the last completed one and the
indicators strategies asked for. Each completed bar is handed to :meth:`MarketData.advance`;
``history`` and ``frame`` end at it, and every indicator handle grows by one value.

Two ways to keep indicators, behind the same handles:

- **streaming** (``precompute=False``, always in paper and live trading): each indicator is a
  :mod:`signaltrust.ta.stream` object updated with the new bar, O(1) per bar;
- **precomputed** (``precompute=True``, a replay optimisation): the replay knows its columns
  up front, so an indicator is computed once over the column and each bar reveals one more
  value. Indicators are causal (the value at t uses bars up to t only), so both give the same
  values at every bar; a test checks it for every indicator and every built-in strategy.

A replay's market (:meth:`MarketData.replay`) reads its bars from the frames it was built on;
a live market (:meth:`MarketData.live`) stores each bar it is given.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar

FIELDS = ("open", "high", "low", "close", "volume")
_BAR_INDEX = {"open": 3, "high": 4, "low": 5, "close": 6, "volume": 7}
_append = list.append  # the market's way past the handles' read-only guard


class Stream(Protocol):
    """An indicator updated one bar at a time."""

    def update(self, *values: float) -> Any: ...


class IndicatorSpec(Protocol):
    """An indicator a strategy can ask the market for: its inputs (bar fields), its outputs,
    the whole-column form (``batch``) and the one-bar-at-a-time form (``stream``); both give
    the same value at every bar."""

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def batch(self, *columns: np.ndarray) -> np.ndarray | tuple[np.ndarray, ...]: ...

    def stream(self) -> Stream: ...


def _read_only(self: Any, *args: Any, **kwargs: Any) -> None:
    raise ValueError("an indicator handle is read-only: the market extends it bar by bar")


class Indicator(list):  # type: ignore[type-arg]
    """A handle on an indicator series: ``h[-1]`` now, ``h[-2]`` one bar before, ``h.values``.

    A read-only list of the values up to the current bar, which the market extends by one
    value per bar of its symbol (so ``h[-1]`` and ``len(h)`` cost what a list's do); indexing
    past the current bar raises IndexError, as on any list.
    """

    __slots__ = ("name",)

    def __init__(self, name: str, values: Sequence[float] = ()) -> None:
        list.__init__(self, values)
        self.name = name

    @property
    def values(self) -> np.ndarray:
        """The indicator up to the current bar (a new array)."""
        return np.array(self, dtype=np.float64)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its values (a node's snapshot): rebuilt whole, not appended to."""
        return (Indicator, (self.name, list(self)))

    append = extend = insert = pop = remove = clear = sort = reverse = _read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only


class TaIndicator:
    """A ``signaltrust.ta`` function as an :class:`IndicatorSpec` (its streaming twin from
    ``signaltrust.ta.stream``)."""

    def __init__(self, function: Any, fields: tuple[str, ...] | None, params: dict[str, Any]):
        from signaltrust import ta

        fn = getattr(ta, str(function).lower(), None) if isinstance(function, str) else function
        if fn is None or getattr(fn, "__module__", "").split(".")[:2] != ["signaltrust", "ta"]:
            raise ValidationError(
                "ctx.indicator takes a signaltrust.ta indicator",
                field="function",
                value=function,
                fix="pass a name such as 'sma', 'rsi', 'atr' or ta.sma; compute other "
                "functions on ctx.history(...) windows",
            )
        self.function = fn
        self.name = fn.__name__
        self.params = dict(params)
        if fields is None:
            names = [
                p
                for p in inspect.signature(fn).parameters
                if p in ("open", "high", "low", "close", "volume", "real")
            ]
            fields = tuple("close" if p == "real" else p for p in names)
        self.inputs = tuple(fields)
        self.outputs: tuple[str, ...] = ()  # known once computed (batch) or created (stream)

    def batch(self, *columns: np.ndarray) -> np.ndarray | tuple[np.ndarray, ...]:
        return self.function(*columns, **self.params)

    def stream(self) -> Stream:
        from signaltrust.ta import stream

        return stream.create(self.function, **self.params)


class SymbolBars:
    """The bars of one symbol up to its latest completed one, as float columns."""

    def __init__(self, symbol: str, columns: Mapping[str, np.ndarray], starts: np.ndarray,
                 frame: pd.DataFrame | None, growable: bool) -> None:
        self.symbol = symbol
        self.columns = dict(columns)
        self.starts = starts
        self.frame = frame
        self.growable = growable

    def store(self, row: int, bar: Bar) -> None:
        """Keep ``bar`` as row ``row`` (a live market; a replay's rows are already there)."""
        if row >= len(self.starts):
            capacity = max(64, 2 * len(self.starts))
            self.starts = np.resize(self.starts, capacity)
            for name, column in self.columns.items():
                grown = np.full(capacity, np.nan)
                grown[: len(column)] = column
                self.columns[name] = grown
        self.starts[row] = bar.ts_ns
        for name, index in _BAR_INDEX.items():
            self.columns[name][row] = bar[index]


class MarketData:
    """History windows and indicators of each symbol up to its latest completed bar."""

    def __init__(self, bars: Sequence[SymbolBars], *, precompute: bool) -> None:
        if not bars:
            raise ValidationError(
                "a market needs at least one symbol", field="symbols", value=[],
                fix="pass the symbols (or bar frames) to trade",
            )
        self.bars = list(bars)
        self.symbols = tuple(b.symbol for b in self.bars)
        self.slots = {s: i for i, s in enumerate(self.symbols)}
        self.precompute = precompute
        #: completed bars per slot (the history of slot s is its first lengths[s] rows)
        self.lengths = [0] * len(self.bars)
        #: per slot: (handles, values) of precomputed indicators, extended by one value a bar
        self.growing: list[list[tuple[Indicator, list[float]]]] = [[] for _ in self.bars]
        #: per slot: (handles, stream, input columns) of streaming indicators
        self.streams: list[list[tuple[tuple[Indicator, ...], Stream, tuple[str, ...]]]] = [
            [] for _ in self.bars
        ]
        self.last = [float("nan")] * len(self.bars)  # shared with the portfolio

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def replay(cls, frames: Mapping[str, pd.DataFrame], *, precompute: bool = True) -> MarketData:
        """A market over known bars (``{symbol: frame}``), revealed bar by bar by advance."""
        out = []
        for symbol, frame in frames.items():
            columns = {}
            for name in frame.columns:
                if pd.api.types.is_numeric_dtype(frame[name]):
                    column = frame[name].to_numpy(dtype=np.float64, na_value=np.nan).copy()
                    column.flags.writeable = False
                    columns[str(name)] = column
            for need in ("open", "high", "low", "close"):
                if need not in columns:
                    raise ValidationError(
                        f"bars of {symbol} have no {need} column", field=need,
                        value=list(frame.columns), fix="pass bars with open, high, low and close",
                    )
            if "volume" not in columns:
                columns["volume"] = np.full(len(frame), np.nan)
            starts = np.asarray(frame.index.as_unit("ns").asi8, dtype=np.int64)
            out.append(SymbolBars(str(symbol), columns, starts, frame, growable=False))
        return cls(out, precompute=precompute)

    @classmethod
    def live(cls, symbols: Sequence[str]) -> MarketData:
        """A market that stores each bar it is given (paper and live trading); streaming."""
        out = [
            SymbolBars(
                str(s), {f: np.full(64, np.nan) for f in FIELDS}, np.zeros(64, np.int64), None,
                growable=True,
            )
            for s in symbols
        ]
        return cls(out, precompute=False)

    # -- the bar ----------------------------------------------------------------------------
    def advance(self, slot: int, bar: Bar) -> None:
        """``bar`` of ``slot`` has completed: history and every indicator grow by it."""
        row = self.lengths[slot]
        bars = self.bars[slot]
        if bars.growable:
            bars.store(row, bar)
        self.lengths[slot] = row + 1
        for handle, values in self.growing[slot]:
            _append(handle, values[row])
        if self.streams[slot]:
            self._stream(slot, row, bar)
        self.last[slot] = bar.close

    def _stream(self, slot: int, row: int, bar: Bar) -> None:
        columns = self.bars[slot].columns
        for handles, stream, inputs in self.streams[slot]:
            out = stream.update(
                *[bar[_BAR_INDEX[f]] if f in _BAR_INDEX else float(columns[f][row])
                  for f in inputs]
            )
            if len(handles) == 1:
                _append(handles[0], out)
            else:
                for handle, value in zip(handles, out, strict=True):
                    _append(handle, value)

    # -- reading (the strategy's MarketData interface) --------------------------------------
    def slot(self, symbol: str) -> int:
        try:
            return self.slots[symbol]
        except KeyError:
            raise ValidationError(
                "unknown symbol", field="symbol", value=symbol,
                fix=f"use one of {', '.join(self.symbols)}",
            ) from None

    def history(self, symbol: str, field: str, n: int | None) -> np.ndarray:
        bars = self.bars[self.slot(symbol)]
        try:
            column = bars.columns[field]
        except KeyError:
            raise ValidationError(
                "no such bar field", field="field", value=field,
                fix=f"use one of {', '.join(bars.columns)}",
            ) from None
        end = self.lengths[self.slots[symbol]]
        view = column[max(0, end - n) if n is not None else 0 : end]
        if bars.growable:
            view = view.view()
            view.flags.writeable = False
        return view

    def price(self, symbol: str) -> float:
        return self.last[self.slot(symbol)]

    def fields(self, symbol: str) -> tuple[str, ...]:
        return tuple(self.bars[self.slot(symbol)].columns)

    def frame(self, symbol: str, n: int | None) -> pd.DataFrame:
        slot = self.slot(symbol)
        bars = self.bars[slot]
        end = self.lengths[slot]
        start = max(0, end - n) if n is not None else 0
        if bars.frame is not None:
            return bars.frame.iloc[start:end]
        index = pd.DatetimeIndex(bars.starts[start:end], tz="UTC")
        return pd.DataFrame({f: bars.columns[f][start:end] for f in FIELDS}, index=index)

    def indicator(
        self, symbol: str, function: Any, fields: tuple[str, ...] | None, kwargs: dict[str, Any]
    ) -> Any:
        """Handles on an indicator of ``symbol``: a ``signaltrust.ta`` function (by name or
        object) or any :class:`IndicatorSpec`. A tuple of handles for several outputs."""
        spec = function if _is_spec(function) else TaIndicator(function, fields, kwargs)
        slot = self.slot(symbol)
        bars = self.bars[slot]
        if self.precompute and not bars.growable:
            return self._precomputed(slot, spec)
        return self._streamed(slot, spec)

    def _precomputed(self, slot: int, spec: Any) -> Any:
        bars = self.bars[slot]
        missing = [f for f in spec.inputs if f not in bars.columns]
        if missing:
            raise ValidationError(
                f"{spec.name} needs a bar field the data lacks", field="fields", value=missing[0],
                fix=f"use fields among {', '.join(bars.columns)}",
            )
        out = spec.batch(*[bars.columns[f] for f in spec.inputs])
        outputs = out if isinstance(out, tuple) else (out,)
        handles = []
        for values in outputs:
            column = np.asarray(values).tolist()
            handle = Indicator(spec.name, column[: self.lengths[slot]])
            self.growing[slot].append((handle, column))
            handles.append(handle)
        return tuple(handles) if isinstance(out, tuple) else handles[0]

    def _streamed(self, slot: int, spec: Any) -> Any:
        bars = self.bars[slot]
        stream = spec.stream()
        outputs = getattr(stream, "outputs", None) or getattr(spec, "outputs", None) or ("real",)
        handles = tuple(Indicator(spec.name) for _ in outputs)
        # bars already completed feed the new stream first
        for row in range(self.lengths[slot]):
            bar = self._bar_at(slot, row)
            values = stream.update(
                *[bar[_BAR_INDEX[f]] if f in _BAR_INDEX else float(bars.columns[f][row])
                  for f in spec.inputs]
            )
            for handle, value in zip(handles, values if len(handles) > 1 else (values,),
                                     strict=True):
                _append(handle, value)
        self.streams[slot].append((handles, stream, tuple(spec.inputs)))
        return handles if len(handles) > 1 else handles[0]

    def _bar_at(self, slot: int, row: int) -> Bar:
        bars = self.bars[slot]
        c = bars.columns
        return Bar(bars.symbol, int(bars.starts[row]), int(bars.starts[row]),
                   *(float(c[f][row]) for f in FIELDS))


def _is_spec(function: Any) -> bool:
    return all(hasattr(function, a) for a in ("inputs", "batch", "stream"))


__all__ = ["FIELDS", "Indicator", "IndicatorSpec", "MarketData", "Stream", "SymbolBars",
           "TaIndicator"]
