"""The event-driven backtest: historical bars replayed through the trading core.

``run_strategy(bars, MyStrategy(), cash=..., costs=Costs(...))`` runs any
:class:`signaltrust.strategy.Strategy`; see docs/strategies.md.
"""

from signaltrust.backtest.replay.driver import (
    Replay,
    ReplaySettings,
    build_replay,
    paused_gc,
    run_strategy,
)
from signaltrust.backtest.replay.feed import HistoricalBarFeed, infer_period_ns
from signaltrust.backtest.replay.results import EventBacktestResult, Recorder

__all__ = [
    "EventBacktestResult",
    "HistoricalBarFeed",
    "Recorder",
    "Replay",
    "ReplaySettings",
    "build_replay",
    "infer_period_ns",
    "paused_gc",
    "run_strategy",
]
