"""A small dense quadratic-programme solver: SLSQP for the active set, then an exact KKT polish.

minimise 0.5 x'Qx + c'x  subject to  A x = b,  G x <= h

SLSQP (scipy) finds the optimum to about 1e-8; the constraints it leaves active then define an
equality-constrained problem whose KKT system is solved exactly. A constraint whose multiplier
comes out negative is released and a violated one added, until the KKT conditions hold (a primal
active-set step). The polished point is kept only when it is feasible and no worse than SLSQP's,
so the answer is never less accurate than the solver's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from signaltrust.core.errors import SignalTrustError

_FEAS_TOL = 1e-10
_ACTIVE_TOL = 1e-7


class OptimizationError(SignalTrustError):
    """A portfolio problem that has no solution (infeasible) or did not converge."""


@dataclass(frozen=True)
class QPResult:
    """The solution ``x``, its objective and whether the exact KKT polish was applied."""

    x: np.ndarray
    objective: float
    polished: bool


def _objective(Q: np.ndarray, c: np.ndarray, x: np.ndarray) -> float:
    return float(0.5 * x @ Q @ x + c @ x)


def _kkt(Q, c, E, e):
    n = Q.shape[0]
    m = E.shape[0]
    K = np.zeros((n + m, n + m))
    K[:n, :n] = Q
    K[:n, n:] = E.T
    K[n:, :n] = E
    rhs = np.concatenate([-c, e])
    sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
    return sol[:n], sol[n:]


def _polish(Q, c, A, b, G, h, x):
    """Primal active-set iterations from the active set of ``x``; None when they do not settle."""
    n_eq = A.shape[0]
    scale = max(1.0, float(np.abs(h).max(initial=0.0)))
    active = list(np.flatnonzero(G @ x - h > -_ACTIVE_TOL * scale))
    for _ in range(4 * (G.shape[0] + 1)):
        E = np.vstack([A, G[active]]) if active else A
        e = np.concatenate([b, h[active]]) if active else b
        y, lam = _kkt(Q, c, E, e)
        if np.abs(E @ y - e).max(initial=0.0) > 1e-9 * scale:
            return None  # the chosen constraints contradict each other
        slack = G @ y - h
        violated = np.flatnonzero(slack > _FEAS_TOL * scale)
        if violated.size:
            active.append(int(violated[np.argmax(slack[violated])]))
            continue
        mult = lam[n_eq:]
        if mult.size and mult.min() < -1e-9:
            active.pop(int(np.argmin(mult)))
            continue
        return y
    return None


def solve_qp(
    Q: np.ndarray,
    c: np.ndarray,
    A: np.ndarray,
    b: np.ndarray,
    G: np.ndarray,
    h: np.ndarray,
    x0: np.ndarray,
) -> QPResult:
    """Minimise 0.5 x'Qx + c'x subject to A x = b and G x <= h (dense, small problems)."""
    constraints = []
    if A.shape[0]:
        constraints.append({"type": "eq", "fun": lambda x: A @ x - b, "jac": lambda x: A})
    if G.shape[0]:
        constraints.append({"type": "ineq", "fun": lambda x: h - G @ x, "jac": lambda x: -G})
    res = minimize(
        lambda x: _objective(Q, c, x),
        x0,
        jac=lambda x: Q @ x + c,
        method="SLSQP",
        constraints=constraints,
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    x = res.x
    scale = max(1.0, float(np.abs(h).max(initial=0.0)), float(np.abs(b).max(initial=0.0)))
    feasible = (
        np.abs(A @ x - b).max(initial=0.0) < 1e-6 * scale
        and (G @ x - h).max(initial=-1.0) < 1e-6 * scale
    )
    polished = _polish(Q, c, A, b, G, h, x) if np.all(np.isfinite(x)) else None
    if polished is not None:
        best = _objective(Q, c, polished)
        if not feasible or best <= _objective(Q, c, x) + 1e-10 * max(1.0, abs(best)):
            return QPResult(polished, best, True)
    if not feasible:
        raise OptimizationError(
            "the portfolio constraints cannot all be met",
            field="constraints",
            value=res.message,
            fix="widen the bounds, raise leverage or max_turnover, or lower target_return",
        )
    return QPResult(x, _objective(Q, c, x), False)
