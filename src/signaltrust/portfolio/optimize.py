"""Portfolio optimisation: min variance, max Sharpe, mean-variance, risk parity and HRP weights.

``optimize(prices, method=...)`` estimates annualised expected returns and covariance from a
price panel and returns a Series of weights indexed by asset. Weights sum to one (fully
invested); ``bounds`` limit each weight, ``leverage`` caps the gross exposure sum |w| (it binds
only when bounds allow short weights) and ``max_turnover`` caps sum |w - current_weights|.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from signaltrust.core.errors import ValidationError
from signaltrust.portfolio.covariance import covariance, expected_returns
from signaltrust.portfolio.inputs import BoundsLike, check_prices, resolve_bounds
from signaltrust.portfolio.qp import OptimizationError, solve_qp
from signaltrust.portfolio.risk_parity import hrp_weights, risk_parity_weights

METHODS = ("max_sharpe", "min_variance", "mean_variance", "risk_parity", "hrp")


class _Problem:
    """Linear constraints over x = (w, s, t): weights, |w| bounds and |w - w0| bounds."""

    def __init__(self, n: int, lower, upper, leverage, current, max_turnover) -> None:
        self.n = n
        shorts = bool((lower < 0).any())
        self.size = n * (1 + shorts + (max_turnover is not None))
        eq_rows, eq_rhs, in_rows, in_rhs = [], [], [], []

        def row(w=None, s=None, t=None):
            r = np.zeros(self.size)
            if w is not None:
                r[:n] = w
            if s is not None:
                r[n : 2 * n] = s
            if t is not None:
                r[self.size - n :] = t
            return r

        eye = np.eye(n)
        eq_rows.append(row(w=np.ones(n)))
        eq_rhs.append(1.0)
        for i in range(n):
            if np.isfinite(lower[i]):
                in_rows.append(row(w=-eye[i]))
                in_rhs.append(-lower[i])
            if np.isfinite(upper[i]):
                in_rows.append(row(w=eye[i]))
                in_rhs.append(upper[i])
        if shorts:
            for i in range(n):
                in_rows += [row(w=eye[i], s=-eye[i]), row(w=-eye[i], s=-eye[i])]
                in_rhs += [0.0, 0.0]
            in_rows.append(row(s=np.ones(n)))
            in_rhs.append(leverage)
        if max_turnover is not None:
            for i in range(n):
                in_rows += [row(w=eye[i], t=-eye[i]), row(w=-eye[i], t=-eye[i])]
                in_rhs += [current[i], -current[i]]
            in_rows.append(row(t=np.ones(n)))
            in_rhs.append(max_turnover)
        self.A, self.b = np.array(eq_rows), np.array(eq_rhs)
        self.G = np.array(in_rows).reshape(-1, self.size)
        self.h = np.array(in_rhs)
        self.x0 = np.zeros(self.size)
        self.x0[:n] = np.clip(np.full(n, 1.0 / n), lower, upper)

    def quadratic(self, cov: np.ndarray, scale: float) -> np.ndarray:
        Q = np.zeros((self.size, self.size))
        Q[: self.n, : self.n] = scale * cov
        return Q

    def linear(self, mu: np.ndarray) -> np.ndarray:
        c = np.zeros(self.size)
        c[: self.n] = mu
        return c

    def min_variance(self, cov, mu=None, target_return=None) -> np.ndarray:
        G, h = self.G, self.h
        if target_return is not None:
            G = np.vstack([G, self.linear(-mu)])
            h = np.append(h, -target_return)
        res = solve_qp(self.quadratic(cov, 2.0), np.zeros(self.size), self.A, self.b, G, h, self.x0)
        return res.x[: self.n]

    def utility(self, cov, mu, risk_aversion) -> np.ndarray:
        res = solve_qp(
            self.quadratic(cov, risk_aversion),
            -self.linear(mu),
            self.A,
            self.b,
            self.G,
            self.h,
            self.x0,
        )
        return res.x[: self.n]

    def max_sharpe(self, cov, mu, risk_free) -> np.ndarray:
        """Cornuejols and Tütüncü's transform: min y'Σy, (mu - rf)'y = 1, constraints x k."""
        size = self.size + 1
        Q = np.zeros((size, size))
        Q[: self.size, : self.size] = self.quadratic(cov, 2.0)
        excess = np.zeros(size)
        excess[: self.n] = mu - risk_free
        A = np.vstack([np.hstack([self.A, -self.b[:, None]]), excess])
        b = np.append(np.zeros(len(self.b)), 1.0)
        G = np.hstack([self.G, -self.h[:, None]])
        G = np.vstack([G, np.eye(size)[-1] * -1.0])
        h = np.zeros(G.shape[0])
        x0 = np.append(self.x0, 1.0)
        w0 = self.x0[: self.n]
        if (mu - risk_free) @ w0 > 0:
            x0 = x0 / ((mu - risk_free) @ w0)
        res = solve_qp(Q, np.zeros(size), A, b, G, h, x0)
        k = res.x[-1]
        if not np.isfinite(k) or k <= 0:
            raise OptimizationError(
                "no portfolio has an expected return above the risk-free rate",
                field="risk_free",
                value=risk_free,
                fix="lower risk_free, allow short weights or use method='min_variance'",
            )
        return res.x[: self.n] / k

    def max_return(self, mu) -> float:
        out = linprog(
            -self.linear(mu),
            A_ub=self.G,
            b_ub=self.h,
            A_eq=self.A,
            b_eq=self.b,
            bounds=[(None, None)] * self.size,
            method="highs",
        )
        if out.status != 0:
            raise OptimizationError(
                "the portfolio constraints cannot all be met",
                field="constraints",
                value=out.message,
                fix="widen the bounds, raise leverage or max_turnover",
            )
        return float(-out.fun)


def _inputs(prices, cov, expected, frequency, compounding, cov_params):
    check_prices(prices)
    assets = [str(c) for c in prices.columns]
    if isinstance(cov, pd.DataFrame):
        sigma = cov.loc[prices.columns, prices.columns].to_numpy(dtype=np.float64)
    else:
        sigma = covariance(prices, cov, frequency, **(cov_params or {})).to_numpy()
    if expected is None:
        mu = expected_returns(prices, frequency, compounding=compounding).to_numpy()
    else:
        mu = pd.Series(expected).loc[prices.columns].to_numpy(dtype=np.float64)
    return assets, sigma, mu


def _check_choice(field, value, choices):
    if value not in choices:
        raise ValidationError(
            f"unknown {field}", field=field, value=value, fix=f"use one of {', '.join(choices)}"
        )


def _current(current_weights, prices, max_turnover) -> np.ndarray | None:
    if max_turnover is None:
        return None
    if not np.isfinite(max_turnover) or max_turnover < 0:
        raise ValidationError(
            "max_turnover must be a non-negative sum of |weight changes|",
            field="max_turnover",
            value=max_turnover,
            fix="pass e.g. max_turnover=0.2",
        )
    if current_weights is None:
        raise ValidationError(
            "max_turnover needs the weights held now",
            field="current_weights",
            value=None,
            fix="pass current_weights={asset: weight, ...} (missing assets count as 0)",
        )
    return pd.Series(current_weights, dtype=float).reindex(prices.columns).fillna(0.0).to_numpy()


def optimize(
    prices: pd.DataFrame,
    method: str = "max_sharpe",
    cov: str | pd.DataFrame = "sample",
    bounds: BoundsLike = (0, 1),
    target_return: float | None = None,
    target_risk: float | None = None,
    risk_free: float = 0.0,
    leverage: float = 1.0,
    max_turnover: float | None = None,
    current_weights: Mapping[str, float] | pd.Series | None = None,
    frequency: float | None = None,
    *,
    expected: pd.Series | None = None,
    compounding: bool = False,
    risk_aversion: float = 1.0,
    cov_params: Mapping[str, float] | None = None,
    risk_budgets: Mapping[str, float] | None = None,
) -> pd.Series:
    """Optimal portfolio weights of a price panel, as a Series indexed by asset.

    ``method``: ``max_sharpe`` (tangency portfolio), ``min_variance``, ``mean_variance`` (min
    variance for ``target_return``, max return for ``target_risk``, else max mu'w - (risk_aversion
    / 2) w'Σw), ``risk_parity`` (equal risk contributions, or ``risk_budgets``) and ``hrp``.
    ``cov``: ``sample``, ``ledoit_wolf``, ``ewma`` (``cov_params={'span': 60}``) or a covariance
    DataFrame. Prices must not contain NaN (call ``prices.dropna()`` or start later).
    """
    _check_choice("method", method, METHODS)
    if not np.isfinite(leverage) or leverage < 1:
        raise ValidationError(
            "leverage (sum of |weights|) must be at least 1 for weights that sum to 1",
            field="leverage",
            value=leverage,
            fix="pass leverage >= 1 (1.0 = long-only, no borrowing)",
        )
    assets, sigma, mu = _inputs(prices, cov, expected, frequency, compounding, cov_params)
    lower, upper = resolve_bounds(bounds, assets)
    current = _current(current_weights, prices, max_turnover)
    if method in ("risk_parity", "hrp"):
        weights = _hierarchical_or_parity(method, sigma, assets, risk_budgets, max_turnover)
        _check_inside(weights, lower, upper, method)
        return pd.Series(weights, index=prices.columns, name=method)
    problem = _Problem(len(assets), lower, upper, leverage, current, max_turnover)
    if method == "min_variance":
        weights = problem.min_variance(sigma)
    elif method == "max_sharpe":
        weights = problem.max_sharpe(sigma, mu, risk_free)
    elif target_return is not None:
        weights = problem.min_variance(sigma, mu, target_return)
    elif target_risk is not None:
        weights = _efficient_risk(problem, sigma, mu, target_risk)
    else:
        weights = problem.utility(sigma, mu, risk_aversion)
    weights = np.clip(weights, lower, upper) + 0.0  # polish residue of 1e-17 (and -0.0) removed
    return pd.Series(weights, index=prices.columns, name=method)


def _hierarchical_or_parity(method, sigma, assets, risk_budgets, max_turnover):
    if max_turnover is not None:
        raise ValidationError(
            f"{method} takes no turnover constraint",
            field="max_turnover",
            value=max_turnover,
            fix="use min_variance, max_sharpe or mean_variance with max_turnover",
        )
    if method == "hrp":
        return hrp_weights(sigma)
    budgets = None
    if risk_budgets is not None:
        budgets = pd.Series(risk_budgets, dtype=float).reindex(assets).to_numpy()
    return risk_parity_weights(sigma, budgets)


def _check_inside(weights, lower, upper, method):
    bad = np.flatnonzero((weights < lower - 1e-12) | (weights > upper + 1e-12))
    if bad.size:
        raise OptimizationError(
            f"{method} weights fall outside the bounds (the method cannot enforce them)",
            field="bounds",
            value={int(i): float(weights[i]) for i in bad},
            fix="widen the bounds or use min_variance / max_sharpe, which respect them",
        )


def _efficient_risk(problem: _Problem, sigma, mu, target_risk) -> np.ndarray:
    """Max return for a volatility: bisection on the target return along the frontier."""
    w_min = problem.min_variance(sigma)
    risk_min = float(np.sqrt(w_min @ sigma @ w_min))
    if target_risk < risk_min - 1e-12:
        raise ValidationError(
            "target_risk is below the minimum-variance portfolio's volatility",
            field="target_risk",
            value=target_risk,
            fix=f"pass target_risk >= {risk_min:.6f} (annualised)",
        )
    low, high = float(mu @ w_min), problem.max_return(mu)
    w_high = problem.min_variance(sigma, mu, high)
    if np.sqrt(w_high @ sigma @ w_high) <= target_risk:
        return w_high
    best = w_min
    for _ in range(60):
        mid = 0.5 * (low + high)
        w = problem.min_variance(sigma, mu, mid)
        if np.sqrt(w @ sigma @ w) <= target_risk:
            low, best = mid, w
        else:
            high = mid
        if high - low < 1e-12:
            break
    return best


def efficient_frontier(
    prices: pd.DataFrame,
    n_points: int = 20,
    cov: str | pd.DataFrame = "sample",
    bounds: BoundsLike = (0, 1),
    risk_free: float = 0.0,
    leverage: float = 1.0,
    frequency: float | None = None,
    *,
    compounding: bool = False,
    cov_params: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The efficient frontier: n_points min-variance portfolios from min variance to max return.

    One row per point with columns ``risk`` (annualised volatility), ``return`` (annualised),
    ``sharpe`` ((return - risk_free) / risk) and one weight column per asset.
    """
    if int(n_points) < 2:
        raise ValidationError(
            "the frontier needs at least two points",
            field="n_points",
            value=n_points,
            fix="pass n_points >= 2",
        )
    assets, sigma, mu = _inputs(prices, cov, None, frequency, compounding, cov_params)
    lower, upper = resolve_bounds(bounds, assets)
    problem = _Problem(len(assets), lower, upper, leverage, None, None)
    w_min = problem.min_variance(sigma)
    rows = []
    for target in np.linspace(mu @ w_min, problem.max_return(mu), int(n_points)):
        w = problem.min_variance(sigma, mu, target)
        risk = float(np.sqrt(w @ sigma @ w))
        ret = float(mu @ w)
        rows.append([risk, ret, (ret - risk_free) / risk, *(np.clip(w, lower, upper) + 0.0)])
    return pd.DataFrame(rows, columns=["risk", "return", "sharpe", *prices.columns])
