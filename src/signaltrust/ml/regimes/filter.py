"""Forward filtering of a Gaussian hidden Markov model: P(state_t | obs_1..t), never smoothed.

hmmlearn's ``predict``/``predict_proba`` run Viterbi or forward-backward over the whole
sequence, so the regime they report at bar t depends on bars after t. Here only the forward
recursion runs, in log space and normalised at every step (the scaled forward algorithm):

    log a_1(k)  = log pi_k + log b_k(x_1)
    log a_t(k)  = logsumexp_j(log f_{t-1}(j) + log A_jk) + log b_k(x_t)
    log f_t(k)  = log a_t(k) - logsumexp_k log a_t(k)

``f_t`` is the filtered probability. A row with a missing observation only predicts
(``f_t = f_{t-1} A``); rows before the first observation stay NaN.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def gaussian_log_density(x: np.ndarray, means: np.ndarray, covars: np.ndarray) -> np.ndarray:
    """log N(x_t; mean_k, cov_k) for every row t and state k: (n, d) x (k, d) x (k, d, d) -> (n, k).

    Rows of ``x`` holding NaN give NaN densities (the filter then only predicts).
    """
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    k = means.shape[0]
    out = np.full((n, k), np.nan)
    ok = ~np.isnan(x).any(axis=1)
    xs = x[ok]
    for state in range(k):
        chol = np.linalg.cholesky(covars[state])
        diff = (xs - means[state]).T
        z = np.linalg.solve(chol, diff)
        log_det = 2.0 * np.log(np.diag(chol)).sum()
        out[ok, state] = -0.5 * (d * np.log(2.0 * np.pi) + log_det + (z * z).sum(axis=0))
    return out


@njit(cache=True)
def _logsumexp(v: np.ndarray) -> float:
    m = -np.inf
    for x in v:
        if x > m:
            m = x
    if m == -np.inf:
        return -np.inf
    s = 0.0
    for x in v:
        s += np.exp(x - m)
    return m + np.log(s)


@njit(cache=True)
def forward_filter_nb(
    log_start: np.ndarray, log_trans: np.ndarray, log_emission: np.ndarray
) -> np.ndarray:
    """Filtered log probabilities (n, k); NaN emission rows predict only, leading ones stay NaN."""
    n, k = log_emission.shape
    out = np.full((n, k), np.nan)
    prev = np.empty(k)
    cur = np.empty(k)
    tmp = np.empty(k)
    started = False
    for t in range(n):
        missing = np.isnan(log_emission[t, 0])
        if not started:
            if missing:
                continue
            for j in range(k):
                cur[j] = log_start[j] + log_emission[t, j]
            started = True
        else:
            for j in range(k):
                for i in range(k):
                    tmp[i] = prev[i] + log_trans[i, j]
                cur[j] = _logsumexp(tmp)
                if not missing:
                    cur[j] += log_emission[t, j]
        norm = _logsumexp(cur)
        for j in range(k):
            cur[j] -= norm
            prev[j] = cur[j]
            out[t, j] = cur[j]
    return out


def forward_filter(
    startprob: np.ndarray, transmat: np.ndarray, log_emission: np.ndarray
) -> np.ndarray:
    """Filtered probabilities P(state_t | obs_1..t), shape (n, k), from HMM parameters."""
    with np.errstate(divide="ignore"):
        log_start = np.log(np.asarray(startprob, dtype=np.float64))
        log_trans = np.log(np.asarray(transmat, dtype=np.float64))
    log_alpha = forward_filter_nb(
        np.ascontiguousarray(log_start), np.ascontiguousarray(log_trans),
        np.ascontiguousarray(log_emission, dtype=np.float64),
    )
    return np.exp(log_alpha)
