"""SVI volatility smiles per expiry (Gatheral's raw parameterisation), fitted from a chain.

Total implied variance at log-moneyness ``k = ln(K / F)``:
``w(k) = a + b * (rho * (k - m) + sqrt((k - m)**2 + sigma**2))`` and ``iv = sqrt(w / T)``.
Fits minimise squared total-variance errors under ``b >= 0``, ``|rho| < 1``, ``sigma > 0`` and
``a + b * sigma * sqrt(1 - rho**2) >= 0`` (variance never negative).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from signaltrust.core.errors import ValidationError
from signaltrust.options.bsm import bsm_price
from signaltrust.options.chain import OptionChain


@dataclass(frozen=True)
class SviSmile:
    """Raw SVI parameters of one expiry (``years`` to expiry, ``forward`` of the underlying)."""

    a: float
    b: float
    rho: float
    m: float
    sigma: float
    years: float
    forward: float
    rmse_vol: float = 0.0  # root mean square error of the fit, in vol

    def total_variance(self, log_moneyness: Any) -> Any:
        k = np.asarray(log_moneyness, dtype=float) - self.m
        return self.a + self.b * (self.rho * k + np.sqrt(k * k + self.sigma ** 2))

    def vol(self, strike: Any) -> Any:
        """Implied volatility at ``strike``."""
        k = np.log(np.asarray(strike, dtype=float) / self.forward)
        return np.sqrt(np.maximum(self.total_variance(k), 0.0) / self.years)

    def __plain__(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in ("a", "b", "rho", "m", "sigma", "years",
                                                     "forward", "rmse_vol")}


def _residuals(p: np.ndarray, k: np.ndarray, w: np.ndarray) -> np.ndarray:
    a, b, rho, m, sigma = p
    return a + b * (rho * (k - m) + np.sqrt((k - m) ** 2 + sigma ** 2)) - w


def fit_svi(strikes: Any, vols: Any, years: float, forward: float) -> SviSmile:
    """Fit one expiry's smile to implied vols at strikes (at least 5 distinct strikes)."""
    k = np.log(np.asarray(strikes, dtype=float) / forward)
    iv = np.asarray(vols, dtype=float)
    if k.size < 5 or np.unique(k).size < 5:
        raise ValidationError("an SVI fit needs at least 5 distinct strikes", field="strikes",
                              value=int(np.unique(k).size), fix="fit expiries with more quotes")
    w = iv * iv * years
    lower = [-np.inf, 0.0, -0.999, 2 * k.min() - k.max(), 1e-4]
    upper = [np.inf, 10.0, 0.999, 2 * k.max() - k.min(), 5.0]
    best = None
    for rho0 in (-0.5, 0.0, 0.5):  # a few starts: the objective is not convex in rho and m
        for sigma0 in (0.05, 0.3):
            start = [max(w.min() * 0.5, 1e-6), 0.1, rho0, 0.0, sigma0]
            fit = least_squares(_residuals, start, args=(k, w), bounds=(lower, upper),
                                xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=4000)
            a, b, rho, _, sigma = fit.x
            feasible = a + b * sigma * np.sqrt(1 - rho * rho) >= -1e-12
            if feasible and (best is None or fit.cost < best.cost):
                best = fit
    if best is None:
        raise ValidationError("no SVI smile without negative variance fits these vols",
                              field="vols", value=None, fix="check the quotes of this expiry")
    a, b, rho, m, sigma = (float(x) for x in best.x)
    smile = SviSmile(a, b, rho, m, sigma, float(years), float(forward))
    rmse = float(np.sqrt(np.mean((smile.vol(np.asarray(strikes, float)) - iv) ** 2)))
    return SviSmile(a, b, rho, m, sigma, float(years), float(forward), rmse)


@dataclass(frozen=True)
class SviSurface:
    """One SVI smile per expiry, soonest first."""

    symbol: str
    smiles: dict[pd.Timestamp, SviSmile]

    def vol(self, expiry: pd.Timestamp, strike: Any) -> Any:
        if expiry not in self.smiles:
            raise ValidationError("no smile for this expiry", field="expiry", value=str(expiry),
                                  fix=f"use one of {[str(e) for e in self.smiles]}")
        return self.smiles[expiry].vol(strike)

    def __plain__(self) -> dict[str, Any]:
        return {"symbol": self.symbol,
                "smiles": {e.isoformat(): s.__plain__() for e, s in self.smiles.items()}}


def fit_surface(chain: OptionChain, rate: float = 0.0, dividend: float = 0.0,
                min_quotes: int = 5) -> SviSurface:
    """An SVI smile for each expiry of ``chain`` with at least ``min_quotes`` fittable quotes."""
    ivs = chain.implied_vols(rate, dividend)
    smiles = {}
    for expiry, rows in ivs.groupby("expiry", sort=True):
        if len(rows) < min_quotes:
            continue
        years = float(rows["years"].iloc[0])
        forward = chain.spot * float(np.exp((rate - dividend) * years))
        smiles[pd.Timestamp(expiry)] = fit_svi(rows["strike"], rows["iv"], years, forward)
    if not smiles:
        raise ValidationError("no expiry has enough fittable quotes for a smile",
                              field="chain", value=chain.symbol,
                              fix=f"need {min_quotes} two-sided quotes inside the bounds")
    return SviSurface(chain.symbol, smiles)


def synthetic_chain(symbol: str, spot: float, as_of: pd.Timestamp,
                    smiles: dict[pd.Timestamp, SviSmile], strikes: Any, rate: float = 0.0,
                    dividend: float = 0.0, half_spread: float = 0.0) -> OptionChain:
    """A chain whose mids are Black-Scholes prices at the given smiles' vols (for tests).

    ``half_spread`` is a fraction of the mid on each side (0: bid = ask = mid).
    """
    rows = []
    for expiry, smile in smiles.items():
        years = float((expiry - as_of).total_seconds()) / (365.0 * 86400.0)
        k = np.asarray(strikes, dtype=float)
        vols = smile.vol(k)
        for kind in ("call", "put"):
            mids = np.atleast_1d(bsm_price(kind, spot, k, years, vols, rate, dividend))
            for strike, mid, vol in zip(k, mids, vols, strict=True):
                rows.append({"contract": f"{symbol}{expiry:%y%m%d}{kind[0].upper()}{strike:g}",
                             "expiry": expiry, "kind": kind, "strike": float(strike),
                             "bid": mid * (1 - half_spread), "ask": mid * (1 + half_spread),
                             "last": mid, "volume": 0, "open_interest": 0, "venue_iv": vol})
    return OptionChain(symbol, float(spot), as_of, pd.DataFrame(rows))
