"""Rule signals one bar at a time: the built-in kernels' arithmetic as O(1) streams.

Each stream's ``update(open, high, low, close, volume)`` returns the signal code of the new bar:
an int with the bits :data:`ENTRY`, :data:`EXIT`, :data:`SHORT_ENTRY`, :data:`SHORT_EXIT`
(0: no signal). It performs the same floating-point operations, in the same order, as the rule's
numba kernel in :mod:`signaltrust.strategy.nb`, so the codes equal the kernel's at every bar
(a test feeds real data through both). :class:`WindowedSignal` is the fallback for a rule
without a stream: the rule recomputed over a trailing window.

:func:`decide` turns a code into the direction to hold, as the vectorised engine does.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import pandas as pd

ENTRY, EXIT, SHORT_ENTRY, SHORT_EXIT = 1, 2, 4, 8
_NAN = float("nan")


def decide(current: float, code: int, allow_short: bool) -> float | None:
    """Desired direction (+1, -1, 0) after one bar's signal code, or None for no change.

    ``current`` is the direction held or already pending. An entry and an exit of the same side
    on one bar cancel out, so do a long and a short entry; an entry on the side held is ignored
    (no pyramiding); an entry on the other side reverses (the vectorised engine's rule).
    """
    entry, exit_ = bool(code & ENTRY), bool(code & EXIT)
    short_entry, short_exit = bool(code & SHORT_ENTRY), bool(code & SHORT_EXIT)
    long_in = entry and not exit_
    long_out = exit_ and not entry
    short_in = short_entry and not short_exit and allow_short
    short_out = short_exit and not short_entry
    if long_in and short_in:
        long_in = short_in = False
    if current > 0.0:
        if short_in:
            return -1.0
        return 0.0 if long_out else None
    if current < 0.0:
        if long_in:
            return 1.0
        return 0.0 if short_out else None
    if long_in:
        return 1.0
    if short_in:
        return -1.0
    return None


def _code(entry: bool, exit_: bool, short_entry: bool, short_exit: bool) -> int:
    return (ENTRY if entry else 0) | (EXIT if exit_ else 0) | (
        SHORT_ENTRY if short_entry else 0) | (SHORT_EXIT if short_exit else 0)


class SmaCrossSignal:
    """``sma_cross_kernel`` one bar at a time: running sums with NaN counts over ring buffers."""

    __slots__ = ("fast", "slow", "short", "t", "fsum", "ssum", "fnan", "snan", "prev", "closes")

    def __init__(self, fast: int, slow: int, allow_short: bool) -> None:
        self.fast, self.slow, self.short = int(fast), int(slow), bool(allow_short)
        self.t = 0
        self.fsum = self.ssum = 0.0
        self.fnan = self.snan = 0
        self.prev = _NAN
        self.closes: deque[float] = deque(maxlen=self.slow + 1)

    def update(self, o: float, h: float, lo: float, c: float, v: float) -> int:
        x = c
        closes = self.closes
        closes.append(x)
        t, fast, slow = self.t, self.fast, self.slow
        if x != x:
            self.fnan += 1
            self.snan += 1
        else:
            self.fsum += x
            self.ssum += x
        if t >= fast:
            y = closes[-1 - fast]
            if y != y:
                self.fnan -= 1
            else:
                self.fsum -= y
        if t >= slow:
            y = closes[-1 - slow]
            if y != y:
                self.snan -= 1
            else:
                self.ssum -= y
        diff = _NAN
        if t >= slow - 1 and t >= fast - 1 and self.fnan == 0 and self.snan == 0:
            diff = self.fsum / fast - self.ssum / slow
        prev = self.prev
        up = diff > 0.0 and prev <= 0.0
        down = diff < 0.0 and prev >= 0.0
        self.prev = diff
        self.t = t + 1
        if not (up or down):
            return 0
        short = self.short
        return _code(up, down, down and short, up and short)


class BollingerRsiSignal:
    """``bollinger_rsi_kernel`` one bar at a time: running sums and Wilder's RSI."""

    __slots__ = ("period", "nbdev", "rsi_period", "rsi_entry", "rsi_exit", "short", "t",
                 "total", "total_sq", "nans", "avg_gain", "avg_loss", "changes", "closes")

    def __init__(self, period: int, nbdev: float, rsi_period: int, rsi_entry: float,
                 rsi_exit: float, allow_short: bool) -> None:
        self.period, self.nbdev = int(period), float(nbdev)
        self.rsi_period = int(rsi_period)
        self.rsi_entry, self.rsi_exit = float(rsi_entry), float(rsi_exit)
        self.short = bool(allow_short)
        self.t = 0
        self.total = self.total_sq = 0.0
        self.nans = 0
        self.avg_gain = self.avg_loss = 0.0
        self.changes = 0
        self.closes: deque[float] = deque(maxlen=max(self.period, 1) + 1)

    def update(self, o: float, h: float, lo: float, c: float, v: float) -> int:
        x = c
        closes = self.closes
        closes.append(x)
        t, period, rp = self.t, self.period, self.rsi_period
        if x != x:
            self.nans += 1
        else:
            self.total += x
            self.total_sq += x * x
        if t >= period:
            y = closes[-1 - period]
            if y != y:
                self.nans -= 1
            else:
                self.total -= y
                self.total_sq -= y * y
        rsi = _NAN
        if t > 0:
            d = x - closes[-2]
            if d != d:
                self.changes = 0
                self.avg_gain = self.avg_loss = 0.0
            else:
                gain = d if d > 0.0 else 0.0
                loss = -d if d < 0.0 else 0.0
                self.changes += 1
                if self.changes <= rp:
                    self.avg_gain += gain / rp
                    self.avg_loss += loss / rp
                else:
                    self.avg_gain = (self.avg_gain * (rp - 1) + gain) / rp
                    self.avg_loss = (self.avg_loss * (rp - 1) + loss) / rp
                if self.changes >= rp:
                    s = self.avg_gain + self.avg_loss
                    rsi = 100.0 * self.avg_gain / s if s > 0.0 else 0.0
        self.t = t + 1
        if not (t >= period - 1 and self.nans == 0 and rsi == rsi):
            return 0
        mean = self.total / period
        var = self.total_sq / period - mean * mean
        std = math.sqrt(var) if var > 0.0 else 0.0
        nbdev = self.nbdev
        long_in = x < mean - nbdev * std and rsi < self.rsi_entry
        long_out = x >= mean or rsi > self.rsi_exit
        short_in = short_out = False
        if self.short:
            short_in = x > mean + nbdev * std and rsi > 100.0 - self.rsi_entry
            short_out = x <= mean or rsi < 100.0 - self.rsi_exit
        return _code(long_in, long_out, short_in, short_out)


class PriorExtreme:
    """The max (or min) of the ``window`` values before the current one; NaN before ``window``
    values or while the window holds a NaN (``_prior_extreme`` of the kernels, one at a time)."""

    __slots__ = ("window", "is_max", "t", "last_nan", "dq")

    def __init__(self, window: int, is_max: bool) -> None:
        self.window, self.is_max = int(window), is_max
        self.t = 0
        self.last_nan = -1
        self.dq: deque[tuple[int, float]] = deque()  # (index, value), monotonic

    def update(self, x: float) -> float:
        t, window, dq = self.t, self.window, self.dq
        while dq and dq[0][0] < t - window:
            dq.popleft()
        out = dq[0][1] if t >= window and self.last_nan < t - window else _NAN
        self.t = t + 1
        if x != x:
            self.last_nan = t
            dq.clear()
            return out
        if self.is_max:
            while dq and dq[-1][1] <= x:
                dq.pop()
        else:
            while dq and dq[-1][1] >= x:
                dq.pop()
        dq.append((t, x))
        return out


class DonchianSignal:
    """``donchian_breakout_kernel`` one bar at a time."""

    __slots__ = ("upper", "lower_exit", "lower", "upper_exit", "short")

    def __init__(self, entry_period: int, exit_period: int, allow_short: bool) -> None:
        self.short = bool(allow_short)
        self.upper = PriorExtreme(entry_period, True)
        self.lower_exit = PriorExtreme(exit_period, False)
        self.lower = PriorExtreme(entry_period, False)
        self.upper_exit = PriorExtreme(exit_period, True)

    def update(self, o: float, h: float, lo: float, c: float, v: float) -> int:
        entry = c > self.upper.update(h)
        exit_ = c < self.lower_exit.update(lo)
        short_in = short_out = False
        if self.short:
            short_in = c < self.lower.update(lo)
            short_out = c > self.upper_exit.update(h)
        return _code(entry, exit_, short_in, short_out)


class TsMomentumSignal:
    """``ts_momentum_kernel`` one bar at a time: every ``rebalance`` bars from ``lookback``."""

    __slots__ = ("lookback", "rebalance", "threshold", "short", "t", "closes")

    def __init__(self, lookback: int, rebalance: int, threshold: float, allow_short: bool):
        self.lookback, self.rebalance = int(lookback), int(rebalance)
        self.threshold, self.short = float(threshold), bool(allow_short)
        self.t = 0
        self.closes: deque[float] = deque(maxlen=self.lookback + 1)

    def update(self, o: float, h: float, lo: float, c: float, v: float) -> int:
        self.closes.append(c)
        t = self.t
        self.t = t + 1
        if t < self.lookback or (t - self.lookback) % self.rebalance != 0:
            return 0
        ret = c / self.closes[0] - 1.0
        if ret != ret:
            return 0
        if ret > self.threshold:
            return _code(True, False, False, self.short)
        return _code(False, True, self.short, False)


class WindowedSignal:
    """A rule's signal recomputed over its last ``window`` bars at each new bar: exact for a
    rule whose signal at t depends on those bars only; O(window) per bar."""

    def __init__(self, rule: Any, params: dict[str, Any], inputs: tuple[str, ...], window: int):
        self.rule, self.params, self.inputs = rule, params, inputs
        self.rows: deque[tuple[float, ...]] = deque(maxlen=max(int(window), 2))

    def update(self, *values: float) -> int:
        self.rows.append(values)
        frame = pd.DataFrame(list(self.rows), columns=list(self.inputs))
        return int(self.rule.compute(frame, self.params).codes()[-1])


__all__ = [
    "ENTRY", "EXIT", "SHORT_ENTRY", "SHORT_EXIT", "BollingerRsiSignal", "DonchianSignal",
    "PriorExtreme", "SmaCrossSignal", "TsMomentumSignal", "WindowedSignal", "decide",
]
