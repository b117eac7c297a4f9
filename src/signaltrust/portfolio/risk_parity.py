"""Risk parity (equal risk contribution, solved exactly) and hierarchical risk parity (HRP).

Risk parity follows Spinu (2013): y* = argmin 0.5 y'Σy - sum_i b_i log y_i over y > 0 is
unique (the problem is strictly convex) and w = y* / sum(y*) has risk contributions
w_i (Σw)_i proportional to the budgets b. Newton's method with a backtracking line search
converges quadratically; iterations stop when the gradient is below 1e-15 relative.

HRP follows López de Prado (2016): correlation distance d_ij = sqrt((1 - rho_ij) / 2), the
Euclidean distance between the columns of d (as the paper's code passes d to the linker),
single linkage, quasi-diagonal ordering of the leaves, then recursive bisection of the ordered
list, each half weighted by the inverse of its inverse-variance portfolio's variance.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import pdist

from signaltrust.core.errors import ValidationError
from signaltrust.portfolio.qp import OptimizationError


def risk_parity_weights(cov: np.ndarray, budgets: np.ndarray | None = None) -> np.ndarray:
    """Long-only weights whose risk contributions w_i (Σw)_i are proportional to ``budgets``."""
    cov = np.asarray(cov, dtype=np.float64)
    n = cov.shape[0]
    b = np.full(n, 1.0 / n) if budgets is None else np.asarray(budgets, dtype=np.float64)
    if b.shape != (n,) or (b <= 0).any() or not np.isfinite(b).all():
        raise ValidationError(
            "risk budgets must be one positive number per asset",
            field="risk_budgets",
            value=b.tolist(),
            fix="pass positive budgets, e.g. equal ones (the default)",
        )
    b = b / b.sum()
    y = 1.0 / np.sqrt(np.diag(cov))
    y *= np.sqrt(1.0 / (y @ cov @ y))  # start on the scale of the solution

    def objective(v: np.ndarray) -> float:
        return float(0.5 * v @ cov @ v - b @ np.log(v))

    for _ in range(200):
        grad = cov @ y - b / y
        if np.abs(grad).max() <= 1e-15 * max(1.0, np.abs(b / y).max()):
            break
        hess = cov + np.diag(b / y**2)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while (y - t * step <= 0).any():
            t *= 0.5
        f0 = objective(y)
        while objective(y - t * step) > f0 - 1e-4 * t * (grad @ step) and t > 1e-12:
            t *= 0.5
        y_new = y - t * step
        if np.array_equal(y_new, y):
            break
        y = y_new
    else:  # pragma: no cover - Newton on a strictly convex problem converges long before
        raise OptimizationError(
            "risk parity did not converge",
            field="cov",
            value="200 Newton iterations",
            fix="check that the covariance matrix is positive definite",
        )
    return y / y.sum()


def risk_contributions(weights: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Each asset's share of portfolio variance: w_i (Σw)_i / (w'Σw); they sum to one."""
    w = np.asarray(weights, dtype=np.float64)
    marginal = np.asarray(cov, dtype=np.float64) @ w
    return w * marginal / (w @ marginal)


def hrp_order(corr: np.ndarray) -> np.ndarray:
    """Quasi-diagonal order of the assets: the leaves of the single-linkage tree."""
    corr = np.clip(np.asarray(corr, dtype=np.float64), -1.0, 1.0)
    if corr.shape[0] == 1:
        return np.array([0])
    dist = np.sqrt(np.clip(0.5 * (1.0 - corr), 0.0, None))
    link = linkage(pdist(dist, metric="euclidean"), method="single")
    return leaves_list(link)


def _cluster_variance(cov: np.ndarray, items: np.ndarray) -> float:
    sub = cov[np.ix_(items, items)]
    ivp = 1.0 / np.diag(sub)
    ivp /= ivp.sum()
    return float(ivp @ sub @ ivp)


def hrp_weights(cov: np.ndarray, corr: np.ndarray | None = None) -> np.ndarray:
    """Hierarchical risk parity weights (positive, summing to one), in the assets' own order."""
    cov = np.asarray(cov, dtype=np.float64)
    if corr is None:
        sd = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sd, sd)
    order = hrp_order(corr)
    weights = np.ones(cov.shape[0])
    clusters = [order]
    while clusters:
        split = []
        for items in clusters:
            if len(items) < 2:
                continue
            half = len(items) // 2
            left, right = items[:half], items[half:]
            var_left = _cluster_variance(cov, left)
            var_right = _cluster_variance(cov, right)
            alpha = 1.0 - var_left / (var_left + var_right)
            weights[left] *= alpha
            weights[right] *= 1.0 - alpha
            split += [left, right]
        clusters = split
    return weights
