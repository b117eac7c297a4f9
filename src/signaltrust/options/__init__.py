"""Options: Black-Scholes-Merton and binomial prices, Greeks, implied volatility, SVI, P/L.

Prices and Greeks take (kind, spot, strike, years, vol, rate, dividend), scalars or arrays
of a whole chain; time is in years (days / 365). Units of the Greeks are QuantLib's:
vega and rho per 1.00, theta per year (``Greeks.theta_per_day``, ``Greeks.vega_per_point``).
"""

from __future__ import annotations

from signaltrust.options.bsm import UNITS, Greeks, bsm_greeks, bsm_price
from signaltrust.options.bumping import bumped_greeks
from signaltrust.options.implied import PriceBounds, implied_vol, price_bounds
from signaltrust.options.inputs import DAYS_PER_YEAR
from signaltrust.options.tree import DEFAULT_STEPS, tree_greeks, tree_price

__all__ = [
    "DAYS_PER_YEAR", "DEFAULT_STEPS", "UNITS", "Greeks", "PriceBounds", "bsm_greeks",
    "bsm_price", "bumped_greeks", "implied_vol", "price_bounds", "tree_greeks", "tree_price",
]
