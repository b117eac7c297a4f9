"""Implied volatility by Jaeckel's "Let's Be Rational" (vollib), refusing prices it cannot fit.

A European price has an implied volatility only strictly inside the no-arbitrage bounds:
a call between ``max(S e^-qT - K e^-rT, 0)`` and ``S e^-qT``, a put between
``max(K e^-rT - S e^-qT, 0)`` and ``K e^-rT``. Outside them (or on them) no volatility
reproduces the price, and ``implied_vol`` raises ``ValidationError`` naming the row, the
bound and the price instead of returning NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from vollib.lets_be_rational import implied_volatility_from_a_transformed_rational_guess as _lbr

from signaltrust.core.errors import ValidationError
from signaltrust.options.inputs import Market, finite, shaped


@dataclass(frozen=True)
class PriceBounds:
    """No-arbitrage bounds of European option prices (discounted), row by row."""

    lower: np.ndarray
    upper: np.ndarray

    def inside(self, price: np.ndarray) -> np.ndarray:
        """True where a price lies strictly inside the bounds (an implied vol exists)."""
        return (price > self.lower) & (price < self.upper)


def price_bounds(kind: Any, spot: Any, strike: Any, years: Any, rate: Any = 0.0,
                 dividend: Any = 0.0) -> PriceBounds:
    """Lower (intrinsic on the forward) and upper bounds of European call/put prices."""
    m = Market.of(kind, spot, strike, years, rate, dividend)
    return _bounds(m)


def _bounds(m: Market) -> PriceBounds:
    s_disc = m.spot * np.exp(-m.dividend * m.years)
    k_disc = m.strike * np.exp(-m.rate * m.years)
    lower = np.maximum(m.sign * (s_disc - k_disc), 0.0)
    upper = np.where(m.sign > 0, s_disc, k_disc)
    return PriceBounds(lower, upper)


def implied_vol(price: Any, kind: Any, spot: Any, strike: Any, years: Any, rate: Any = 0.0,
                dividend: Any = 0.0) -> Any:
    """Black-Scholes-Merton implied volatility of European prices (float or array).

    Raises ``ValidationError`` if any price is outside its no-arbitrage bounds; select the
    fittable quotes of a chain first with ``price_bounds(...).inside(prices)``.
    """
    m = Market.of(kind, spot, strike, years, rate, dividend)
    prices = np.broadcast_to(finite("price", price), m.spot.shape)
    bounds = _bounds(m)
    bad = ~bounds.inside(prices)
    if np.any(bad):
        i = np.flatnonzero(bad.ravel())[0]
        p, lo, hi = prices.ravel()[i], bounds.lower.ravel()[i], bounds.upper.ravel()[i]
        where = "at or below intrinsic value" if p <= lo else "at or above its upper bound"
        raise ValidationError(
            f"no volatility gives this price: it is {where} (bounds {lo:.10g} < price < "
            f"{hi:.10g}); {int(bad.sum())} of {bad.size} prices are outside",
            field="price" if bad.size == 1 else f"price[{i}]", value=float(p),
            fix="check the quote, the spot, the rate and the dividend yield; drop quotes "
                "outside the bounds with price_bounds(...).inside(prices)")
    forward = m.spot * np.exp((m.rate - m.dividend) * m.years)
    undiscounted = prices / np.exp(-m.rate * m.years)
    out = np.empty(m.spot.size)
    for i, (p, f, k, t, w) in enumerate(zip(undiscounted.ravel(), forward.ravel(),
                                             m.strike.ravel(), m.years.ravel(),
                                             m.sign.ravel(), strict=True)):
        out[i] = _lbr(float(p), float(f), float(k), float(t), float(w))
    if not np.all(np.isfinite(out) & (out > 0)):
        i = int(np.flatnonzero(~(np.isfinite(out) & (out > 0)))[0])
        raise ValidationError("the implied-volatility solver found no volatility",
                              field="price", value=float(prices.ravel()[i]),
                              fix="the price is too close to a bound to invert in double "
                                  "precision; check the quote")
    return shaped(out.reshape(m.spot.shape))
