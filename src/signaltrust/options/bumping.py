"""Greeks by bumping: central finite differences of any pricer (a check on closed forms).

Bumps are relative to the input (spot 1e-4, vol 1e-4 absolute, rate 1e-4 absolute, one day
of time) so the truncation error is ~1e-8 of the price for smooth pricers; a tree's price is
only piecewise smooth in spot, so bump a tree with at least 1% of spot for delta/gamma.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from signaltrust.options.bsm import Greeks
from signaltrust.options.inputs import Market, checked_vol, shaped

Pricer = Callable[..., Any]


def bump_vega_rho(price_fn: Callable[[Any, Any], np.ndarray], vol: np.ndarray, rate: np.ndarray,
                  vol_bump: float = 1e-4, rate_bump: float = 1e-4) -> tuple[Any, Any]:
    """Vega and rho of ``price_fn(vol, rate)`` by central differences (per 1.00)."""
    vega = (price_fn(vol + vol_bump, rate) - price_fn(vol - vol_bump, rate)) / (2 * vol_bump)
    rho = (price_fn(vol, rate + rate_bump) - price_fn(vol, rate - rate_bump)) / (2 * rate_bump)
    return vega, rho


def bumped_greeks(pricer: Pricer, kind: Any, spot: Any, strike: Any, years: Any, vol: Any,
                  rate: Any = 0.0, dividend: Any = 0.0, *, spot_bump: float = 1e-4,
                  vol_bump: float = 1e-4, rate_bump: float = 1e-4,
                  time_bump: float = 1.0 / 365.0) -> Greeks:
    """Price and Greeks of ``pricer(kind, spot, strike, years, vol, rate, dividend)`` by bumping.

    ``spot_bump`` is relative to spot; the others are absolute. Theta is the one-sided change
    when ``time_bump`` of the expiry passes, per year (same units as ``bsm_greeks``).
    """
    m = Market.of(kind, spot, strike, years, rate, dividend)
    sigma = np.broadcast_to(checked_vol(vol), m.spot.shape)

    def price(s=m.spot, t=m.years, v=sigma, r=m.rate):
        return np.asarray(pricer(m.sign, s, m.strike, t, v, r, m.dividend), dtype=float)

    h = m.spot * spot_bump
    up, mid, down = price(s=m.spot + h), price(), price(s=m.spot - h)
    delta = (up - down) / (2 * h)
    gamma = (up - 2 * mid + down) / (h * h)
    vega = (price(v=sigma + vol_bump) - price(v=sigma - vol_bump)) / (2 * vol_bump)
    rho = (price(r=m.rate + rate_bump) - price(r=m.rate - rate_bump)) / (2 * rate_bump)
    dt = np.minimum(time_bump, 0.5 * m.years)
    theta = (price(t=m.years - dt) - mid) / dt
    return Greeks(*(shaped(x) for x in (mid, delta, gamma, vega, theta, rho)), method="bumped")
