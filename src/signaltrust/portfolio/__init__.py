"""Position sizing and portfolio optimisation (docs/portfolio.md).

``optimize(prices, method=...)`` returns portfolio weights (max Sharpe, min variance,
mean-variance, risk parity, HRP) from annualised estimates of a price panel;
``efficient_frontier`` traces the mean-variance frontier; ``rebalance_weights`` computes causal
target weights for periodic rebalancing in the vectorized backtest; the sizing functions turn a
stop, a volatility, a Kelly edge or a model's confidence into a position size.
"""

from signaltrust.portfolio.covariance import (
    COV_METHODS,
    covariance,
    ewma_cov,
    expected_returns,
    ledoit_wolf_cov,
    sample_cov,
)
from signaltrust.portfolio.optimize import METHODS, efficient_frontier, optimize
from signaltrust.portfolio.qp import OptimizationError
from signaltrust.portfolio.rebalance import bars_from_prices, rebalance_weights
from signaltrust.portfolio.risk_parity import (
    hrp_order,
    hrp_weights,
    risk_contributions,
    risk_parity_weights,
)
from signaltrust.portfolio.sizing import (
    atr_size,
    atr_stop,
    confidence_scaled_fraction,
    fixed_fractional_size,
    kelly_fraction,
    kelly_from_moments,
    volatility_target_size,
    volatility_target_weight,
)

__all__ = [
    "COV_METHODS",
    "METHODS",
    "OptimizationError",
    "atr_size",
    "atr_stop",
    "bars_from_prices",
    "confidence_scaled_fraction",
    "covariance",
    "efficient_frontier",
    "ewma_cov",
    "expected_returns",
    "fixed_fractional_size",
    "hrp_order",
    "hrp_weights",
    "kelly_fraction",
    "kelly_from_moments",
    "ledoit_wolf_cov",
    "optimize",
    "rebalance_weights",
    "risk_contributions",
    "risk_parity_weights",
    "sample_cov",
    "volatility_target_size",
    "volatility_target_weight",
]
