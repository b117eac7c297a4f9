"""Optimisation and robustness: overfitting statistics, Monte Carlo, stress tests.

The reading guide is docs/validation.md.

``deflated_sharpe_ratio`` and ``probability_of_backtest_overfitting`` say how likely a best
backtest is an accident of the search; ``bootstrap_sharpe_ci`` / ``bootstrap_max_drawdown_ci``
put intervals on a headline figure; ``reshuffle_trades`` and ``bootstrap_returns`` give the
spread of equity paths; ``stress_test`` replays historical shocks and synthetic ones.
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
from signaltrust.optimize.stress import (
    HISTORICAL_SHOCKS,
    PortfolioStress,
    correlation_shock,
    gap_down,
    historical_stress,
    portfolio_stress,
    stress_test,
    volatility_spike,
)
from signaltrust.optimize.trials import trial_returns
from signaltrust.optimize.walkforward import WalkForwardResult, walk_forward

__all__ = [
    "HISTORICAL_SHOCKS",
    "OptimizationResult",
    "WalkForwardResult",
    "optimize",
    "optimize_function",
    "walk_forward",
    "BootstrapInterval",
    "MonteCarloResult",
    "PBOResult",
    "PortfolioStress",
    "bootstrap_max_drawdown_ci",
    "bootstrap_returns",
    "bootstrap_sharpe_ci",
    "correlation_shock",
    "deflated_sharpe_ratio",
    "equity_returns",
    "expected_max_sharpe",
    "gap_down",
    "historical_stress",
    "min_track_record_length",
    "portfolio_stress",
    "probabilistic_sharpe_ratio",
    "probability_of_backtest_overfitting",
    "reshuffle_trades",
    "sharpe_moments",
    "sharpe_ratio_std",
    "stress_test",
    "trial_returns",
    "volatility_spike",
]
