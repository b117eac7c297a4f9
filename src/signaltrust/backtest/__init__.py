"""The vectorized engine, the event-driven engine, walk-forward runner and tearsheets.

``simulate_signals`` and ``simulate_targets`` run the vectorized engine on pandas inputs and
return a :class:`BacktestResult`; ``signaltrust.backtest.nb`` holds its numba kernels.
"""

from signaltrust.backtest.result import BacktestResult
from signaltrust.backtest.vectorized import simulate_signals, simulate_targets

__all__ = ["BacktestResult", "simulate_signals", "simulate_targets"]
