"""Binomial-tree prices of American (and European) options, vectorised with numba.

The tree is Cox-Ross-Rubinstein in log space with equal jumps, built exactly as QuantLib's
``BinomialVanillaEngine<CoxRossRubinstein>`` builds it (jump ``sigma*sqrt(dt)``, up
probability ``1/2 + drift*dt / (2*jump)``), so the two agree to rounding. Delta and gamma come
from the tree's first two steps and theta from the pricing equation, as in QuantLib; vega and
rho are not in a tree: take them by bumping (``signaltrust.options.bumping``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from signaltrust.core.errors import ValidationError
from signaltrust.options.bsm import Greeks
from signaltrust.options.inputs import Market, checked_vol, shaped

DEFAULT_STEPS = 801
STYLES = ("european", "american")


@njit(cache=True)
def _crr_one(sign, spot, strike, years, rate, dividend, vol, steps, american, out):
    """Price, delta and gamma of one option on a CRR tree; writes out[0:3]."""
    dt = years / steps
    dx = vol * math.sqrt(dt)
    drift = (rate - dividend - 0.5 * vol * vol) * dt
    pu = 0.5 + 0.5 * drift / dx
    pd = 1.0 - pu
    disc = math.exp(-rate * dt)
    values = np.empty(steps + 1)
    for j in range(steps + 1):
        values[j] = max(sign * (spot * math.exp((2 * j - steps) * dx) - strike), 0.0)
    p1d = p1u = p2d = p2m = p2u = 0.0
    for i in range(steps - 1, -1, -1):
        for j in range(i + 1):
            v = (pd * values[j] + pu * values[j + 1]) * disc
            if american:
                exercise = sign * (spot * math.exp((2 * j - i) * dx) - strike)
                if exercise > v:
                    v = exercise
            values[j] = v
        if i == 2:
            p2d, p2m, p2u = values[0], values[1], values[2]
        elif i == 1:
            p1d, p1u = values[0], values[1]
    s1d, s1u = spot * math.exp(-dx), spot * math.exp(dx)
    s2d, s2u = spot * math.exp(-2.0 * dx), spot * math.exp(2.0 * dx)
    out[0] = values[0]
    out[1] = (p1u - p1d) / (s1u - s1d)
    out[2] = ((p2u - p2m) / (s2u - spot) - (p2m - p2d) / (spot - s2d)) / ((s2u - s2d) / 2.0)


@njit(cache=True)
def _crr_chain(sign, spot, strike, years, rate, dividend, vol, steps, american):
    out = np.empty((sign.shape[0], 3))
    for n in range(sign.shape[0]):
        _crr_one(sign[n], spot[n], strike[n], years[n], rate[n], dividend[n], vol[n], steps,
                 american, out[n])
    return out


def _style(style: str) -> bool:
    key = str(style).strip().lower()
    if key not in STYLES:
        raise ValidationError("unknown exercise style", field="style", value=style,
                              fix="use 'european' or 'american'")
    return key == "american"


def _steps(steps: int) -> int:
    if int(steps) != steps or steps < 3:
        raise ValidationError("a tree needs at least 3 steps", field="steps", value=steps,
                              fix=f"use an integer such as {DEFAULT_STEPS}")
    return int(steps)


def _run(kind, spot, strike, years, vol, rate, dividend, style, steps):
    m = Market.of(kind, spot, strike, years, rate, dividend)
    sigma = np.broadcast_to(checked_vol(vol), m.spot.shape).astype(float)
    n_steps, american = _steps(steps), _style(style)
    flat = [np.ascontiguousarray(a.ravel()) for a in (m.sign, m.spot, m.strike, m.years,
                                                      m.rate, m.dividend, sigma)]
    dt = flat[3] / n_steps
    pu = 0.5 + 0.5 * (flat[4] - flat[5] - 0.5 * flat[6] ** 2) * dt / (flat[6] * np.sqrt(dt))
    if np.any((pu < 0.0) | (pu > 1.0)):
        raise ValidationError("the tree's up probability leaves [0, 1] (rate far above the "
                              "volatility for so few steps)", field="steps", value=n_steps,
                              fix="use more steps")
    out = _crr_chain(*flat, n_steps, american)
    return m, sigma, out.reshape(m.spot.shape + (3,))


def tree_price(kind: Any, spot: Any, strike: Any, years: Any, vol: Any, rate: Any = 0.0,
               dividend: Any = 0.0, *, style: str = "american",
               steps: int = DEFAULT_STEPS) -> Any:
    """Binomial (CRR) price; ``style`` 'american' (early exercise at every step) or 'european'."""
    _, _, out = _run(kind, spot, strike, years, vol, rate, dividend, style, steps)
    return shaped(out[..., 0])


def tree_greeks(kind: Any, spot: Any, strike: Any, years: Any, vol: Any, rate: Any = 0.0,
                dividend: Any = 0.0, *, style: str = "american",
                steps: int = DEFAULT_STEPS) -> Greeks:
    """Tree price, delta, gamma and theta (QuantLib's definitions); vega and rho by bumping."""
    from signaltrust.options.bumping import bump_vega_rho

    m, sigma, out = _run(kind, spot, strike, years, vol, rate, dividend, style, steps)
    price, delta, gamma = out[..., 0], out[..., 1], out[..., 2]
    theta = m.rate * price - (m.rate - m.dividend) * m.spot * delta \
        - 0.5 * sigma * sigma * m.spot * m.spot * gamma

    def price_fn(vol_: Any, rate_: Any) -> np.ndarray:
        return _run(m.sign, m.spot, m.strike, m.years, vol_, rate_, m.dividend, style,
                    steps)[2][..., 0]

    vega, rho = bump_vega_rho(price_fn, sigma, m.rate)
    return Greeks(*(shaped(x) for x in (price, delta, gamma, vega, theta, rho)),
                  method=f"binomial CRR {steps} steps ({style}); vega and rho by bumping")
