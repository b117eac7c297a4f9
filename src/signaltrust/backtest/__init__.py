"""The vectorized engine, the event-driven replay through the trading core, sweeps, tearsheets.

``run`` backtests a strategy on a dataset in one call (the vectorised engine for rule
strategies, the trading core for any Strategy) and ``sweep`` a parameter grid;
``simulate_signals`` and ``simulate_targets`` run the vectorized engine on pandas inputs;
``run_strategy`` replays bars through the trading core. ``Costs`` are on by default.
"""

from signaltrust.backtest.api import run
from signaltrust.backtest.costs import Costs
from signaltrust.backtest.replay import EventBacktestResult, ReplaySettings, run_strategy
from signaltrust.backtest.result import BacktestResult
from signaltrust.backtest.sweep import SweepResult, sweep
from signaltrust.backtest.vectorized import simulate_signals, simulate_targets

__all__ = [
    "BacktestResult", "Costs", "EventBacktestResult", "ReplaySettings", "SweepResult", "run",
    "run_strategy", "simulate_signals", "simulate_targets", "sweep",
]
