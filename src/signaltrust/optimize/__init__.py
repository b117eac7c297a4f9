"""Optimisation and robustness: parameter search, overfitting statistics, Monte Carlo.

The reading guide is docs/validation.md.

``deflated_sharpe_ratio`` and ``probability_of_backtest_overfitting`` say how likely a best
backtest is an accident of the search; ``bootstrap_sharpe_ci`` / ``bootstrap_max_drawdown_ci``
put intervals on a headline figure; ``reshuffle_trades`` and ``bootstrap_returns`` give the
spread of equity paths. Stress scenarios live in ``signaltrust.risk.stress``, and
``signaltrust.research.stress_test`` re-runs a strategy under them.
"""

from signaltrust.optimize.bootstrap import (
    BootstrapInterval,
    bootstrap_max_drawdown_ci,
    bootstrap_sharpe_ci,
)
from signaltrust.optimize.montecarlo import (
    MonteCarloResult,
    bootstrap_returns,
    equity_returns,
    reshuffle_trades,
)
from signaltrust.optimize.overfitting import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    min_track_record_length,
    probabilistic_sharpe_ratio,
    sharpe_moments,
    sharpe_ratio_std,
)
from signaltrust.optimize.pbo import PBOResult, probability_of_backtest_overfitting
from signaltrust.optimize.result import OptimizationResult
from signaltrust.optimize.search import optimize, optimize_function
from signaltrust.optimize.trials import trial_returns
from signaltrust.optimize.walkforward import WalkForwardResult, walk_forward

__all__ = [
    "OptimizationResult",
    "WalkForwardResult",
    "optimize",
    "optimize_function",
    "walk_forward",
    "BootstrapInterval",
    "MonteCarloResult",
    "PBOResult",
    "bootstrap_max_drawdown_ci",
    "bootstrap_returns",
    "bootstrap_sharpe_ci",
    "deflated_sharpe_ratio",
    "equity_returns",
    "expected_max_sharpe",
    "min_track_record_length",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
    "reshuffle_trades",
    "sharpe_moments",
    "sharpe_ratio_std",
    "trial_returns",
]
