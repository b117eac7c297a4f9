"""The event-driven backtest engine: clock, data feed, simulated venue, order router, results.

``run_strategy(bars, MyStrategy(), cash=..., fees=...)`` runs a
:class:`signaltrust.strategy.Strategy`; see docs/strategies.md.
"""

from signaltrust.backtest.event.api import run_strategy
from signaltrust.backtest.event.clock import Clock, SimulatedClock, WallClock
from signaltrust.backtest.event.engine import EventEngine
from signaltrust.backtest.event.feed import DataFeed, HistoricalBarFeed
from signaltrust.backtest.event.models import (
    FeeModel,
    FixedLatency,
    FixedSlippage,
    LatencyModel,
    PercentFee,
    SlippageModel,
    VolumeParticipation,
    VolumeShareSlippage,
)
from signaltrust.backtest.event.results import EventBacktestResult
from signaltrust.backtest.event.venue import Broker, SimulatedVenue

__all__ = [
    "Broker",
    "Clock",
    "DataFeed",
    "EventBacktestResult",
    "EventEngine",
    "FeeModel",
    "FixedLatency",
    "FixedSlippage",
    "HistoricalBarFeed",
    "LatencyModel",
    "PercentFee",
    "SimulatedClock",
    "SimulatedVenue",
    "SlippageModel",
    "VolumeParticipation",
    "VolumeShareSlippage",
    "WallClock",
    "run_strategy",
]
