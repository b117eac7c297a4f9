"""Window highs and lows in amortised O(1) a bar, equal to the batch kernels' at every bar.

The batch kernels (TA-Lib's algorithm) keep the extreme and its bar, and rescan the window when
that bar leaves it. Without NaN the result is the window's extreme; with a NaN the rescan matters:
a rescan that starts on a NaN bar gives NaN, a NaN met later is skipped. ``RollingExtreme``
reproduces that exactly with a monotonic deque, which answers a rescan without scanning.
"""

from __future__ import annotations

from collections import deque

from signaltrust.ta.stream.base import INF, NAN


class RollingExtreme:
    """The highest (or, ``lowest=True``, lowest) of the last ``length`` values, as kernels track it.

    ``add`` feeds a bar of the warm-up (the window is not full yet), ``push`` a bar whose window
    is full and returns its extreme; ``index`` is then the bar (counted from 0) the kernel holds
    as the extreme's. A kernel takes the latest of equal extremes as it steps bar by bar; on a
    rescan some take the earliest (``rescan_latest=False``: STOCH's %K) and others the latest
    (AROON, Donchian, Ichimoku). Lows are tracked as negated highs: negation is exact and mirrors
    every comparison, ties and NaN included.
    """

    __slots__ = (
        "length",
        "_sign",
        "_rescan_latest",
        "_bar",
        "index",
        "_best",
        "_bars",
        "_values",
        "_nan_bars",
    )

    def __init__(self, length: int, *, lowest: bool = False, rescan_latest: bool = True) -> None:
        self.length = length
        self._sign = -1.0 if lowest else 1.0
        self._rescan_latest = rescan_latest
        self._bar = -1
        self.index = -1
        self._best = NAN
        # candidates for the extreme after some rescan: bars and (signed) values, non-increasing
        self._bars: deque[int] = deque()
        self._values: deque[float] = deque()
        self._nan_bars: deque[int] = deque()  # the NaN bars still in the window

    def add(self, value: float) -> None:
        """A value of the warm-up: remembered for the first rescan."""
        self._bar += 1
        value *= self._sign
        if value != value:
            self._nan_bars.append(self._bar)
            return
        values = self._values
        bars = self._bars
        if self._rescan_latest:
            while values and values[-1] <= value:
                values.pop()
                bars.pop()
        else:
            while values and values[-1] < value:
                values.pop()
                bars.pop()
        values.append(value)
        bars.append(self._bar)

    def push(self, value: float) -> float:
        """A value whose window is full: the kernel's extreme of that window."""
        bar = self._bar = self._bar + 1
        sign = self._sign
        value *= sign
        bars = self._bars
        values = self._values
        nan_bars = self._nan_bars
        if value != value:
            nan_bars.append(bar)
        else:
            # add's deque step, inlined: this runs once a bar
            if self._rescan_latest:
                while values and values[-1] <= value:
                    values.pop()
                    bars.pop()
            else:
                while values and values[-1] < value:
                    values.pop()
                    bars.pop()
            values.append(value)
            bars.append(bar)
        trailing = bar - self.length + 1
        while bars and bars[0] < trailing:
            bars.popleft()
            values.popleft()
        while nan_bars and nan_bars[0] < trailing:
            nan_bars.popleft()
        if self.index < trailing:  # the kernel rescans from the trailing bar
            if nan_bars and nan_bars[0] == trailing:
                # it starts from a NaN that no comparison replaces; the next bar rescans again
                self.index = trailing
                self._best = NAN
            else:
                self.index = bars[0]
                self._best = values[0]
        elif value >= self._best:
            self.index = bar
            self._best = value
        return self._best * sign


class WindowExtreme:
    """The highest (or lowest) number among the last ``length`` values, NaN skipped (-inf, or inf
    for the lowest, when there is none), as WILLR's kernel computes it."""

    __slots__ = ("length", "_sign", "_bar", "_bars", "_values")

    def __init__(self, length: int, *, lowest: bool = False) -> None:
        self.length = length
        self._sign = -1.0 if lowest else 1.0
        self._bar = -1
        self._bars: deque[int] = deque()
        self._values: deque[float] = deque()

    def push(self, value: float) -> float:
        """Add a value and return the extreme of the last ``length`` values."""
        self._bar += 1
        value *= self._sign
        bars = self._bars
        values = self._values
        if value == value:
            while values and values[-1] <= value:
                values.pop()
                bars.pop()
            values.append(value)
            bars.append(self._bar)
        trailing = self._bar - self.length + 1
        while bars and bars[0] < trailing:
            bars.popleft()
            values.popleft()
        return values[0] * self._sign if values else -INF * self._sign
