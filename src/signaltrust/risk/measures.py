"""Value at risk and expected shortfall of a return series, a position and a portfolio.

Sign convention (empyrical's): VaR is the ``cutoff`` quantile of returns, so a loss is a
negative number; CVaR (expected shortfall) is the mean return at or beyond it, also negative for
a loss. For a position the figures are in money (value x returns), for a portfolio in returns
of the weighted portfolio.

Methods: ``historical`` (empyrical's percentile and tail mean, identical to
:func:`signaltrust.metrics.value_at_risk`), ``gaussian`` (mean + z sigma), ``cornish_fisher``
(the Gaussian quantile corrected for skewness and excess kurtosis) and ``monte_carlo``
(seeded normal draws with the sample mean and covariance, then the historical figures of the
draws).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm

from signaltrust.core.errors import ValidationError
from signaltrust.metrics import conditional_value_at_risk as _hist_cvar
from signaltrust.metrics import value_at_risk as _hist_var

VAR_METHODS = ("historical", "gaussian", "cornish_fisher", "monte_carlo")


def _returns(returns, field: str = "returns") -> np.ndarray:
    values = (
        returns.to_numpy(dtype=np.float64, na_value=np.nan)
        if isinstance(returns, pd.Series)
        else np.asarray(returns, dtype=np.float64)
    )
    if values.ndim != 1 or values.size < 2:
        raise ValidationError(
            "expected one series of at least two returns",
            field=field,
            value=f"shape {values.shape}",
            fix="pass a 1-D array or Series (portfolio_var for a return matrix)",
        )
    if not np.isfinite(values).all():
        raise ValidationError(
            "returns contain NaN or infinite values; nothing is dropped silently",
            field=field,
            value=int((~np.isfinite(values)).sum()),
            fix="call returns.dropna() first, or start after the gap",
        )
    return values


def _cutoff(cutoff: float) -> float:
    if not 0 < cutoff < 1:
        raise ValidationError(
            "cutoff must be a tail probability in (0, 1)",
            field="cutoff",
            value=cutoff,
            fix="pass e.g. 0.05 for 95% VaR, 0.01 for 99%",
        )
    return float(cutoff)


def _method(method: str) -> str:
    if method not in VAR_METHODS:
        raise ValidationError(
            "unknown VaR method",
            field="method",
            value=method,
            fix=f"use one of {', '.join(VAR_METHODS)}",
        )
    return method


def moments(returns) -> tuple[float, float, float, float]:
    """Mean, standard deviation (ddof=1), skewness and excess kurtosis (moment ratios)."""
    x = _returns(returns)
    centred = x - x.mean()
    m2 = np.mean(centred**2)
    skew = float(np.mean(centred**3) / m2**1.5) if m2 > 0 else 0.0
    kurt = float(np.mean(centred**4) / m2**2 - 3.0) if m2 > 0 else 0.0
    return float(x.mean()), float(x.std(ddof=1)), skew, kurt


def cornish_fisher_z(z: float, skew: float, kurt: float) -> float:
    """The Cornish-Fisher quantile: z + (z^2-1)S/6 + (z^3-3z)K/24 - (2z^3-5z)S^2/36."""
    return (
        z + (z**2 - 1) * skew / 6 + (z**3 - 3 * z) * kurt / 24 - (2 * z**3 - 5 * z) * skew**2 / 36
    )


def _draws(x: np.ndarray, n_sims: int, seed: int | None) -> np.ndarray:
    if int(n_sims) < 100:
        raise ValidationError(
            "too few Monte Carlo draws",
            field="n_sims",
            value=n_sims,
            fix="pass n_sims >= 100 (100_000 is the default)",
        )
    rng = np.random.default_rng(seed)
    return rng.normal(x.mean(), x.std(ddof=1), int(n_sims))


def value_at_risk(
    returns,
    cutoff: float = 0.05,
    method: str = "historical",
    *,
    n_sims: int = 100_000,
    seed: int | None = 0,
) -> float:
    """Value at risk of a return series: its ``cutoff`` quantile (negative = a loss)."""
    x, a = _returns(returns), _cutoff(cutoff)
    method = _method(method)
    if method == "historical":
        return _hist_var(x, a)
    if method == "monte_carlo":
        return _hist_var(_draws(x, n_sims, seed), a)
    mean, sd, skew, kurt = moments(x)
    z = float(norm.ppf(a))
    if method == "cornish_fisher":
        z = cornish_fisher_z(z, skew, kurt)
    return mean + z * sd


def conditional_value_at_risk(
    returns,
    cutoff: float = 0.05,
    method: str = "historical",
    *,
    n_sims: int = 100_000,
    seed: int | None = 0,
) -> float:
    """Expected shortfall of a return series: the mean return in its ``cutoff`` tail (negative).

    Gaussian: mean - sigma phi(z) / cutoff. Cornish-Fisher: the mean of the Cornish-Fisher
    quantile over the tail, in closed form
    mean - sigma phi(z) / cutoff x [1 + zS/6 + (z^2-1)K/24 + (1-2z^2)S^2/36].
    """
    x, a = _returns(returns), _cutoff(cutoff)
    method = _method(method)
    if method == "historical":
        return _hist_cvar(x, a)
    if method == "monte_carlo":
        return _hist_cvar(_draws(x, n_sims, seed), a)
    mean, sd, skew, kurt = moments(x)
    z = float(norm.ppf(a))
    phi = float(norm.pdf(z))
    if method == "gaussian":
        return mean - sd * phi / a
    bracket = 1 + z * skew / 6 + (z**2 - 1) * kurt / 24 + (1 - 2 * z**2) * skew**2 / 36
    return mean - sd * phi / a * bracket


def position_var(
    value: float, returns, cutoff: float = 0.05, method: str = "historical", **kwargs
) -> float:
    """VaR in money of a position worth ``value`` (negative = short): quantile of value x r."""
    return value_at_risk(float(value) * _returns(returns), cutoff, method, **kwargs)


def position_cvar(
    value: float, returns, cutoff: float = 0.05, method: str = "historical", **kwargs
) -> float:
    """Expected shortfall in money of a position worth ``value``: tail mean of value x r."""
    return conditional_value_at_risk(float(value) * _returns(returns), cutoff, method, **kwargs)


def _weights_for(weights, returns: pd.DataFrame) -> np.ndarray:
    if not isinstance(returns, pd.DataFrame):
        raise ValidationError(
            "portfolio returns must be a DataFrame, one column per asset",
            field="returns",
            value=type(returns).__name__,
            fix="pass prices.pct_change().dropna()",
        )
    w = pd.Series(weights, dtype=float) if isinstance(weights, Mapping) else weights
    if isinstance(w, pd.Series):
        missing = [c for c in w.index if c not in returns.columns]
        if missing:
            raise ValidationError(
                "weights name assets without returns",
                field="weights",
                value=missing,
                fix="pass returns with a column per weighted asset",
            )
        return w.reindex(returns.columns).fillna(0.0).to_numpy()
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (returns.shape[1],):
        raise ValidationError(
            "one weight per return column is needed",
            field="weights",
            value=f"shape {w.shape}",
            fix="pass a Series indexed by asset",
        )
    return w


def portfolio_returns(weights, returns: pd.DataFrame) -> pd.Series:
    """Returns of a portfolio held at constant ``weights``: the return matrix times the weights."""
    w = _weights_for(weights, returns)
    for col in returns.columns:
        _returns(returns[col], f"returns[{col}]")
    return pd.Series(returns.to_numpy() @ w, index=returns.index, name="portfolio")


def _portfolio_mc(w: np.ndarray, returns: pd.DataFrame, n_sims: int, seed: int | None):
    if int(n_sims) < 100:
        raise ValidationError(
            "too few Monte Carlo draws",
            field="n_sims",
            value=n_sims,
            fix="pass n_sims >= 100 (100_000 is the default)",
        )
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(
        returns.mean().to_numpy(), returns.cov().to_numpy(), int(n_sims), method="eigh"
    )
    return draws @ w


def portfolio_var(
    weights,
    returns: pd.DataFrame,
    cutoff: float = 0.05,
    method: str = "historical",
    *,
    n_sims: int = 100_000,
    seed: int | None = 0,
) -> float:
    """VaR of a weighted portfolio (returns of each asset as columns); Monte Carlo draws jointly."""
    if _method(method) == "monte_carlo":
        w = _weights_for(weights, returns)
        return _hist_var(_portfolio_mc(w, returns, n_sims, seed), _cutoff(cutoff))
    return value_at_risk(portfolio_returns(weights, returns), cutoff, method)


def portfolio_cvar(
    weights,
    returns: pd.DataFrame,
    cutoff: float = 0.05,
    method: str = "historical",
    *,
    n_sims: int = 100_000,
    seed: int | None = 0,
) -> float:
    """Expected shortfall of a weighted portfolio of assets (one return column each)."""
    if _method(method) == "monte_carlo":
        w = _weights_for(weights, returns)
        return _hist_cvar(_portfolio_mc(w, returns, n_sims, seed), _cutoff(cutoff))
    return conditional_value_at_risk(portfolio_returns(weights, returns), cutoff, method)


def component_var(
    weights, returns: pd.DataFrame, cutoff: float = 0.05, *, include_mean: bool = True
) -> pd.DataFrame:
    """Marginal and component Gaussian VaR per asset; the components sum to the portfolio VaR.

    With sigma_p = sqrt(w'Σw) and z the ``cutoff`` normal quantile: marginal_i = mu_i +
    z (Σw)_i / sigma_p (the derivative of VaR = w'mu + z sigma_p in w_i), component_i = w_i x
    marginal_i, share_i = component_i / VaR. ``include_mean=False`` drops mu (zero-mean VaR,
    component_i = w_i (Σw)_i / sigma_p x z).
    """
    w = _weights_for(weights, returns)
    portfolio_returns(w, returns)  # checks every column
    cov = returns.cov().to_numpy()
    mu = returns.mean().to_numpy() if include_mean else np.zeros(len(w))
    sigma_p = float(np.sqrt(w @ cov @ w))
    if sigma_p == 0:
        raise ValidationError(
            "the portfolio has zero variance, so VaR has no components",
            field="weights",
            value=w.tolist(),
            fix="pass non-zero weights",
        )
    z = float(norm.ppf(_cutoff(cutoff)))
    marginal = mu + z * (cov @ w) / sigma_p
    component = w * marginal
    total = component.sum()
    return pd.DataFrame(
        {"weight": w, "marginal": marginal, "component": component, "share": component / total},
        index=returns.columns,
    )
