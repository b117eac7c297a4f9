"""Implied volatility of American prices: the vol at which the CRR tree gives the price."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from signaltrust.core.errors import ValidationError
from signaltrust.options.inputs import Market
from signaltrust.options.tree import DEFAULT_STEPS, tree_price

VOL_RANGE = (1e-4, 5.0)


def american_implied_vol(price: float, kind: str, spot: float, strike: float, years: float,
                         rate: float = 0.0, dividend: float = 0.0, *,
                         steps: int = DEFAULT_STEPS, tol: float = 1e-12) -> float:
    """Volatility (between 0.01% and 500%) at which the American tree price equals ``price``.

    Raises ``ValidationError`` when the price is at or below what exercising now (or the
    European lower bound) is worth, or at or above what no vol in the range reaches.
    """
    m = Market.of(kind, spot, strike, years, rate, dividend)
    sign = float(m.sign)
    if not np.isfinite(price):
        raise ValidationError("the price must be a number", field="price", value=price,
                              fix="give the option's price per share")

    def gap(vol: float) -> float:
        return tree_price(kind, spot, strike, years, vol, rate, dividend, style="american",
                          steps=steps) - price

    # below this vol the tree's up probability leaves [0, 1] (the drift outruns the jump)
    lowest = max(VOL_RANGE[0], 2.0 * abs(rate - dividend) * np.sqrt(years / steps) + 1e-4)
    low, high = gap(lowest), gap(VOL_RANGE[1])
    if low >= 0:
        floor = max(sign * (spot - strike), 0.0)
        raise ValidationError(
            f"no volatility gives this price: it is at or below the value at the lowest vol "
            f"({price + low:.10g}; exercising now is worth {floor:.10g})", field="price",
            value=price, fix="check the quote, the spot, the rate and the dividend yield")
    if high <= 0:
        raise ValidationError(
            f"no volatility up to {VOL_RANGE[1]:.0%} gives this price (the most is "
            f"{price + high:.10g})", field="price", value=price,
            fix="check the quote: it is above what the option can be worth")
    return float(brentq(gap, lowest, VOL_RANGE[1], xtol=tol, rtol=4 * np.finfo(float).eps,
                        maxiter=200))
