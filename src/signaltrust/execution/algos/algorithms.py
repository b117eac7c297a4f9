"""The execution algorithms: TWAP, VWAP, iceberg and percentage of volume (POV).

Each is an :class:`~.base.ExecutionAlgorithm` (taker or maker mode, ``limit``, ``lot``,
``finish``) with its own schedule of what is due by when:

- :class:`TWAP`: equal slices, the first at the start, then one every ``duration / slices``
  (or every ``bars / slices`` completed bars);
- :class:`VWAP`: slices one bar period apart, sized by the instrument's volume profile from
  the history known at the start (time of day for intraday bars, weekday for daily bars);
- :class:`Iceberg`: the whole quantity at once, never more than ``display`` showing;
- :class:`POV`: ``rate`` of the volume traded since the start (bars' volume, or trades').
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import numpy as np

from signaltrust.core.errors import ValidationError
from signaltrust.execution.algos.base import (
    ExecutionAlgorithm,
    MarketView,
    _decimal,
    duration_ns,
)
from signaltrust.execution.algos.schedule import (
    VolumeProfile,
    even_targets,
    slice_bars,
    slice_times,
    to_lots,
    weighted_targets,
)


def _window(duration: Any, bars: Any, required: bool, name: str) -> tuple[int | None, int | None]:
    if duration is not None and bars is not None:
        raise ValidationError(f"{name} takes duration= or bars=, not both", field="bars",
                              value=bars, fix="pass one of them")
    if duration is None and bars is None:
        if required:
            raise ValidationError(f"{name} needs a window", field="duration", value=None,
                                  fix="pass duration='2h' (time) or bars=10 (completed bars)")
        return None, None
    if bars is not None:
        if isinstance(bars, bool) or not isinstance(bars, (int, np.integer)) or bars < 1:
            raise ValidationError("bars must be a whole number >= 1", field="bars", value=bars,
                                  fix="pass e.g. bars=10")
        return None, int(bars)
    return duration_ns(duration), None


class _Windowed(ExecutionAlgorithm):
    """An algorithm whose window is ``duration`` (time) or ``bars`` (completed bars)."""

    window_required = True

    def __init__(self, symbol: str, quantity: float | Decimal, *, duration: Any = None,
                 bars: int | None = None, **options: Any) -> None:
        super().__init__(symbol, quantity, **options)
        self.duration, self.bars = _window(duration, bars, self.window_required,
                                           type(self).__name__)

    def plan(self, history: Any = None) -> None:
        if self.duration is not None:
            self.window_ns = self.start_ns + self.duration
        self.window_bars = self.bars

    def next_due_ns(self) -> int | None:
        if self.window_ns is not None and self.now_ns < self.window_ns:
            return self.window_ns
        return None

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "duration": self.duration, "bars": self.bars}


class _Sliced(_Windowed):
    """Slices due at times or bar counts, with cumulative lot targets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.due: list[int] = []  # times (ns) or bar counts at which each slice is due
        self.targets: list[int] = []  # cumulative lots after each slice

    def due_lots(self) -> int:
        clock = self.now_ns if self.duration is not None else self.bars_seen
        reached = bisect_right(self.due, clock)
        return self.targets[reached - 1] if reached else 0

    def next_due_ns(self) -> int | None:
        if self.duration is None:
            return None
        k = bisect_right(self.due, self.now_ns)
        return self.due[k] if k < len(self.due) else super().next_due_ns()

    def plan_state(self) -> dict[str, Any]:
        return {"due": list(self.due), "targets": list(self.targets)}

    def load_plan(self, state: dict[str, Any]) -> None:
        self.due = [int(v) for v in state["due"]]
        self.targets = [int(v) for v in state["targets"]]


class TWAP(_Sliced):
    """Time-weighted: ``slices`` equal slices over ``duration`` (or ``bars`` completed bars),
    the first at the start. ``slices`` defaults to ``bars`` (one a bar).

    >>> TWAP("GOOG", 100, bars=4).status
    'NEW'
    """

    algorithm = "TWAP"

    def __init__(self, symbol: str, quantity: float | Decimal, *, duration: Any = None,
                 bars: int | None = None, slices: int | None = None, **options: Any) -> None:
        super().__init__(symbol, quantity, duration=duration, bars=bars, **options)
        if slices is None:
            if self.bars is None:
                raise ValidationError("a TWAP over a duration needs slices", field="slices",
                                      value=None, fix="pass e.g. slices=12")
            slices = self.bars
        if isinstance(slices, bool) or not isinstance(slices, (int, np.integer)) or slices < 1:
            raise ValidationError("slices must be a whole number >= 1", field="slices",
                                  value=slices, fix="pass e.g. slices=10")
        self.slices = int(slices)

    def plan(self, history: Any = None) -> None:
        super().plan(history)
        self.targets = even_targets(self.lots, self.slices)
        self.due = (slice_times(self.start_ns, self.duration, self.slices)
                    if self.duration is not None else slice_bars(self.bars, self.slices))

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "slices": self.slices}


class VWAP(_Sliced):
    """Volume-weighted: one slice a bar period over ``duration`` (or the next ``bars`` bars the
    profile expects to trade), each sized by the instrument's :class:`VolumeProfile` of the
    ``lookback`` bars (all by default) known at the start. Never reads a later bar."""

    algorithm = "VWAP"
    needs_history = True

    def __init__(self, symbol: str, quantity: float | Decimal, *, duration: Any = None,
                 bars: int | None = None, lookback: int | None = None,
                 **options: Any) -> None:
        super().__init__(symbol, quantity, duration=duration, bars=bars, **options)
        if lookback is not None and (isinstance(lookback, bool) or not isinstance(
                lookback, (int, np.integer)) or lookback < 2):
            raise ValidationError("lookback must be a whole number of bars >= 2",
                                  field="lookback", value=lookback, fix="pass e.g. lookback=500")
        self.lookback = lookback
        self.profile: VolumeProfile | None = None

    def plan(self, history: Any = None) -> None:
        super().plan(history)
        if history is None:
            raise ValidationError("VWAP needs the volume history known at its start",
                                  field="history", value=None,
                                  fix="start it through ctx.execute (the core passes it)")
        starts, volumes = history
        if self.lookback is not None:
            starts, volumes = starts[-self.lookback:], volumes[-self.lookback:]
        self.profile = VolumeProfile.from_history(starts, volumes)
        if self.duration is not None:
            times, weights = self.profile.grid(self.start_ns, end_ns=self.window_ns)
            self.due = times
        else:
            times, weights = self.profile.grid(self.start_ns, bars=self.bars)
            self.due = list(range(len(times)))
        self.targets = weighted_targets(self.lots, weights)

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "lookback": self.lookback}

    def plan_state(self) -> dict[str, Any]:
        profile = None if self.profile is None else self.profile.to_state()
        return {**super().plan_state(), "profile": profile}

    def load_plan(self, state: dict[str, Any]) -> None:
        super().load_plan(state)
        profile = state.get("profile")
        self.profile = None if profile is None else VolumeProfile.from_state(profile)


class Iceberg(_Windowed):
    """The whole quantity at once, never more than ``display`` showing: the next child goes
    when the last one ended (filled, or canceled to re-peg). No window unless one is given."""

    algorithm = "ICEBERG"
    window_required = False
    grows = False

    def __init__(self, symbol: str, quantity: float | Decimal, *, display: float | Decimal,
                 duration: Any = None, bars: int | None = None, **options: Any) -> None:
        super().__init__(symbol, quantity, duration=duration, bars=bars, **options)
        self.display = _decimal(display, "display")
        to_lots(self.display, self.lot, "display")
        if self.display > self.quantity:
            raise ValidationError("display must not exceed the quantity", field="display",
                                  value=display, fix=f"pass display <= {self.quantity}")

    def due_lots(self) -> int:
        return self.lots

    def max_child(self) -> Decimal | None:
        return self.display

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "display": str(self.display)}


class POV(_Windowed):
    """Percentage of volume: never more than ``rate`` of the volume traded since the start
    (completed bars' volume, or trade ticks' sizes with ``volume="trades"``). No window unless
    one is given; with one, ``finish`` decides what happens to the rest at its end."""

    algorithm = "POV"
    window_required = False

    def __init__(self, symbol: str, quantity: float | Decimal, *, rate: float,
                 volume: str = "bars", duration: Any = None, bars: int | None = None,
                 **options: Any) -> None:
        super().__init__(symbol, quantity, duration=duration, bars=bars, **options)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 < rate <= 1.0:
            raise ValidationError("rate must be a fraction in (0, 1]", field="rate", value=rate,
                                  fix="pass e.g. rate=0.1 for 10 % of the volume")
        if volume not in ("bars", "trades"):
            raise ValidationError("unknown volume source", field="volume", value=volume,
                                  fix="use volume='bars' or 'trades'")
        self.rate = float(rate)
        self.volume = volume

    def observe(self, view: MarketView) -> None:
        # count one source of volume: completed bars' or trades' (a feed may carry both)
        counted = view.bar if self.volume == "bars" else not view.bar
        super().observe(view if counted else view._replace(volume=0.0))

    def due_lots(self) -> int:
        allowed = self.rate * self.volume_seen / float(self.lot)
        return min(self.lots, int(allowed + 1e-9))

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "rate": self.rate, "volume": self.volume}


#: every algorithm by its ``algorithm`` name (for :func:`algorithm_from_state`)
ALGORITHMS = MappingProxyType({c.algorithm: c for c in (TWAP, VWAP, Iceberg, POV)})


def algorithm_from_state(state: dict[str, Any]) -> ExecutionAlgorithm:
    """The algorithm (any kind) that ``to_state()`` described, continuing where it stood."""
    cls = ALGORITHMS.get(state.get("algorithm", ""))
    if cls is None:
        raise ValidationError("unknown algorithm in the state", field="algorithm",
                              value=state.get("algorithm"), fix=f"use one of {list(ALGORITHMS)}")
    return cls.from_state(state)


__all__ = ["ALGORITHMS", "POV", "TWAP", "VWAP", "Iceberg", "algorithm_from_state"]
