"""Event-driven trading: long after good news events, held a fixed number of bars.

Each bar's event score is the sum of the directions of the stock's events found in the news
counted at that bar (:func:`~signaltrust.text.features.bar_event_score`: an earnings beat +1,
a guidance cut -1, a downgrade -1, ...; ``types`` picks which kinds count). A bar with a score
>= ``min_score`` opens (or renews) a long held for ``hold`` bars; a score <= -``min_score``
closes it, and with ``allow_short`` opens a short held the same way. The signal is decided at
the close of the bar the news reached (first bar ending after its first-seen time) and, as for
every rule strategy, filled at the next bar's open by default. The vectorised engine and the
trading core run the same state machine, so both give the same trades.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from signaltrust.strategy.base import Param, RuleStrategy, Signals
from signaltrust.strategy.news_sentiment import mentions_symbol, signals_from_codes
from signaltrust.strategy.streams import ENTRY, EXIT, SHORT_ENTRY, SHORT_EXIT

SCORE = "news_event_score"
#: the event kinds with a sign for the stock (M&A and macro releases are unsigned)
SIGNED_TYPES = ("earnings", "guidance", "litigation", "product_launch", "management_change",
                "rating_change")


class NewsEvents(RuleStrategy):
    """Long (optionally short) for ``hold`` bars after signed news events about the stock."""

    name: ClassVar[str] = "news_events"
    summary: ClassVar[str] = "long for a few bars after good news events (earnings beat, ...)"
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("hold", 5, "int", low=1, high=100_000, step=1, doc="bars to hold after an event"),
        Param("min_score", 1.0, "float", low=0.5, high=100.0, step=1.0,
              doc="net event direction of a bar needed to act"),
        Param("allow_short", False, "bool", doc="also short after bad news events"),
    )
    default_grid: ClassVar[dict[str, Any]] = {"hold": (1, 3, 5, 10, 20)}

    def __init__(self, *, mentions: pd.DataFrame | None = None, symbol: str | None = None,
                 types: tuple[str, ...] = SIGNED_TYPES, timeframe: str | None = None,
                 **params: Any) -> None:
        super().__init__(**params)
        self.mentions = mentions
        self.symbol = symbol
        self.types = types
        self.timeframe = timeframe

    def warmup(self, params: Any = None) -> int:
        return 0

    def prepare_bars(self, bars: pd.DataFrame) -> pd.DataFrame:
        """The bars with ``news_event_score`` joined (causal)."""
        if SCORE in bars.columns:
            return bars
        from signaltrust.text.features import bar_event_score

        mentions, symbol = mentions_symbol(self.mentions, self.symbol, bars, self.name)
        score = bar_event_score(mentions, symbol, bars.index, self.timeframe,
                                tuple(self.types))
        return bars.assign(**{SCORE: score.to_numpy()})

    def signal_inputs(self, fields: tuple[str, ...]) -> tuple[str, ...]:
        return (SCORE,)

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> EventSignal:
        return EventSignal(params)

    def compute(self, bars: pd.DataFrame, params: dict[str, Any]) -> Signals:
        bars = self.prepare_bars(bars)
        stream = EventSignal(params)
        codes = np.array([stream.update(x) for x in bars[SCORE].to_numpy(dtype=float)],
                         dtype=np.int64)
        return signals_from_codes(bars.index, codes)


class EventSignal:
    """:class:`NewsEvents`' state machine: the signal code of each new bar from its score."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.hold = int(params["hold"])
        self.min_score = float(params["min_score"])
        self.short = bool(params["allow_short"])
        self.side = 0  # the side the rule wants: +1, -1 or 0
        self.age = 0  # bars since the event that set it

    def update(self, score: float) -> int:
        if score != score:
            score = 0.0
        if score >= self.min_score:
            code = ENTRY | (SHORT_EXIT if self.side < 0 else 0)
            self.side, self.age = 1, 0
            return code
        if score <= -self.min_score:
            code = EXIT if self.side > 0 else 0
            if self.short:
                code |= SHORT_ENTRY
                self.side, self.age = -1, 0
            else:
                self.side, self.age = 0, 0
            return code
        if self.side == 0:
            return 0
        self.age += 1
        if self.age < self.hold:
            return 0
        code = EXIT if self.side > 0 else SHORT_EXIT
        self.side, self.age = 0, 0
        return code


__all__ = ["EventSignal", "NewsEvents", "SIGNED_TYPES"]
