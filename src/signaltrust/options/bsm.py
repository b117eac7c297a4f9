"""Black-Scholes-Merton prices and analytic Greeks, with a continuous dividend yield.

Vectorised with NumPy over whole chains. Units follow QuantLib's ``AnalyticEuropeanEngine``:
``vega`` per 1.00 of volatility (divide by 100 for a 1-point move), ``theta`` per year of
calendar time (divide by 365 for a day), ``rho`` per 1.00 of the rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr

from signaltrust.options.inputs import Market, checked_vol, shaped

UNITS = {
    "delta": "per 1 unit of spot",
    "gamma": "per 1 unit of spot, squared",
    "vega": "per 1.00 of volatility (0.01 = one vol point)",
    "theta": "per year of calendar time (divide by 365 for a day)",
    "rho": "per 1.00 of the risk-free rate (0.01 = one point)",
}

_INV_SQRT_2PI = 0.3989422804014327


@dataclass(frozen=True)
class Greeks:
    """Price and sensitivities of one option or of every option of a chain (arrays)."""

    price: Any
    delta: Any
    gamma: Any
    vega: Any
    theta: Any
    rho: Any
    method: str = "analytic"
    units: dict[str, str] = field(default_factory=lambda: dict(UNITS))

    @property
    def theta_per_day(self) -> Any:
        """Theta per calendar day (theta / 365)."""
        return self.theta / 365.0

    @property
    def vega_per_point(self) -> Any:
        """Vega per one volatility point (vega / 100)."""
        return self.vega / 100.0

    def __plain__(self) -> dict[str, Any]:
        def plain(x: Any) -> Any:
            return float(x) if np.ndim(x) == 0 else np.asarray(x, dtype=float).tolist()

        out = {k: plain(getattr(self, k)) for k in ("price", "delta", "gamma", "vega", "theta",
                                                    "rho")}
        out.update(theta_per_day=plain(self.theta_per_day),
                   vega_per_point=plain(self.vega_per_point), method=self.method,
                   units=dict(self.units))
        return out


def _d1_d2(m: Market, vol: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    std = vol * np.sqrt(m.years)
    d1 = (np.log(m.spot / m.strike) + (m.rate - m.dividend) * m.years) / std + 0.5 * std
    return d1, d1 - std, std


def bsm_price(kind: Any, spot: Any, strike: Any, years: Any, vol: Any, rate: Any = 0.0,
              dividend: Any = 0.0) -> Any:
    """Black-Scholes-Merton price of European calls/puts (float for scalars, else array)."""
    m = Market.of(kind, spot, strike, years, rate, dividend)
    return shaped(_price(m, np.broadcast_to(checked_vol(vol), m.spot.shape)))


def _price(m: Market, vol: np.ndarray) -> np.ndarray:
    d1, d2, _ = _d1_d2(m, vol)
    w = m.sign
    fwd_disc = m.spot * np.exp(-m.dividend * m.years)
    k_disc = m.strike * np.exp(-m.rate * m.years)
    return w * (fwd_disc * ndtr(w * d1) - k_disc * ndtr(w * d2))


def bsm_greeks(kind: Any, spot: Any, strike: Any, years: Any, vol: Any, rate: Any = 0.0,
               dividend: Any = 0.0) -> Greeks:
    """Price, delta, gamma, vega, theta and rho in closed form (units: see ``UNITS``)."""
    m = Market.of(kind, spot, strike, years, rate, dividend)
    sigma = np.broadcast_to(checked_vol(vol), m.spot.shape)
    d1, d2, std = _d1_d2(m, sigma)
    w, s, k, t, r, q = m.sign, m.spot, m.strike, m.years, m.rate, m.dividend
    div_disc, disc = np.exp(-q * t), np.exp(-r * t)
    n_d1 = _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)
    nw1, nw2 = ndtr(w * d1), ndtr(w * d2)
    price = w * (s * div_disc * nw1 - k * disc * nw2)
    delta = w * div_disc * nw1
    gamma = div_disc * n_d1 / (s * std)
    vega = s * div_disc * n_d1 * np.sqrt(t)
    # theta from the pricing equation, as QuantLib's BlackCalculator computes it
    theta = r * price - (r - q) * s * delta - 0.5 * sigma * sigma * s * s * gamma
    rho = w * k * t * disc * nw2
    return Greeks(*(shaped(x) for x in (price, delta, gamma, vega, theta, rho)))
