"""The vectorized engine, the event-driven engine, walk-forward runner and tearsheets.

``simulate_signals`` and ``simulate_targets`` run the vectorized engine on pandas inputs and
return a :class:`BacktestResult`; ``signaltrust.backtest.nb`` holds its numba kernels.
``run`` backtests a strategy on a dataset in one call and ``sweep`` a parameter grid.
"""

from signaltrust.backtest.api import run  # entry points: the strategies helper
from signaltrust.backtest.result import BacktestResult
from signaltrust.backtest.sweep import SweepResult, sweep
from signaltrust.backtest.vectorized import simulate_signals, simulate_targets

__all__ = [
    "BacktestResult", "SweepResult", "run", "simulate_signals", "simulate_targets", "sweep",
]
