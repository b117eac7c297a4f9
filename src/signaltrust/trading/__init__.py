"""The trading core: one steppable core that the backtest replay, paper and live trading and the
RL environments all drive (clock, market data, portfolio, order router, risk, strategies).

See docs/architecture.md for the layers, the core and its drivers, and the order path.
"""

from signaltrust.trading.clock import Clock, SimulatedClock, WallClock
from signaltrust.trading.core import KILL_TAG, Running, TradingCore
from signaltrust.trading.market import Indicator, IndicatorSpec, MarketData, TaIndicator

__all__ = [
    "KILL_TAG",
    "Clock",
    "Indicator",
    "IndicatorSpec",
    "MarketData",
    "Running",
    "SimulatedClock",
    "TaIndicator",
    "TradingCore",
    "WallClock",
]
