"""Deflated and probabilistic Sharpe ratio, expected maximum Sharpe, minimum track record length.

Formulas of Bailey & López de Prado, "The Sharpe Ratio Efficient Frontier" (Journal of Risk,
2012) and "The Deflated Sharpe Ratio: Correcting for Selection Bias, Backtest Overfitting and
Non-Normality" (Journal of Portfolio Management, 2014).

Conventions (the papers'): every Sharpe ratio here is **per period, not annualised** (mean /
standard deviation of the per-bar returns), unless you pass ``annualization=`` to say the
figures you give are annualised with that many periods per year. ``kurtosis`` is Pearson's
(a normal distribution has 3, not 0). Skewness and kurtosis estimated from returns are the
plain moment estimators (``scipy.stats.skew`` / ``kurtosis(fisher=False)``, biased); the
Sharpe ratio uses the sample standard deviation (ddof 1), as ``signaltrust.metrics`` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from signaltrust.core.errors import ValidationError

EULER_GAMMA = 0.5772156649015329


def _finite(value: Any, field: str, fix: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError("expected a number", field=field, value=value, fix=fix) from None
    if not math.isfinite(number):
        raise ValidationError("expected a finite number", field=field, value=value, fix=fix)
    return number


def _check_n_obs(n_obs: Any) -> float:
    n = _finite(n_obs, "n_obs", "pass the number of returns the Sharpe ratio was measured on")
    if n <= 1:
        raise ValidationError(
            "a Sharpe ratio needs more than one observation",
            field="n_obs",
            value=n_obs,
            fix="pass the number of per-period returns (e.g. 1250 for five years of daily bars)",
        )
    return n


def _sr_scale(annualization: float | None) -> float:
    """The factor that turns an annualised Sharpe ratio into a per-period one."""
    if annualization is None:
        return 1.0
    a = _finite(annualization, "annualization", "pass periods per year, e.g. 252, or None")
    if a <= 0:
        raise ValidationError(
            "annualization must be positive",
            field="annualization",
            value=annualization,
            fix="pass periods per year, e.g. 252 for daily bars, or None for per-period figures",
        )
    return 1.0 / math.sqrt(a)


def sharpe_moments(returns: Any) -> tuple[float, int, float, float]:
    """Per-period Sharpe ratio, number of returns, skewness and Pearson kurtosis of a return series.

    NaN returns are dropped. The Sharpe ratio is mean / std (ddof 1), not annualised.
    """
    values = np.asarray(
        returns.to_numpy(dtype=np.float64, na_value=np.nan)
        if isinstance(returns, pd.Series)
        else returns,
        dtype=np.float64,
    )
    if values.ndim != 1:
        raise ValidationError(
            "expected one series of returns",
            field="returns",
            value=f"shape {values.shape}",
            fix="pass a 1-D array or Series of per-period returns",
        )
    values = values[~np.isnan(values)]
    if values.size < 3:
        raise ValidationError(
            "too few returns to estimate Sharpe, skewness and kurtosis",
            field="returns",
            value=f"{values.size} present values",
            fix="pass at least three per-period returns",
        )
    std = values.std(ddof=1)
    if std == 0.0:
        raise ValidationError(
            "returns are constant: the Sharpe ratio is undefined",
            field="returns",
            value=float(values[0]),
            fix="pass returns that vary",
        )
    skew = float(stats.skew(values))
    kurt = float(stats.kurtosis(values, fisher=False))
    return float(values.mean() / std), int(values.size), skew, kurt


def sharpe_ratio_std(
    sharpe: float, n_obs: float, skew: float = 0.0, kurtosis: float = 3.0
) -> float:
    """Standard error of an estimated per-period Sharpe ratio under non-normal returns (Mertens).

    sqrt((1 - skew * SR + (kurtosis - 1) / 4 * SR^2) / (n_obs - 1)); for normal returns this
    is Lo's (2002) sqrt((1 + SR^2 / 2) / (n_obs - 1)).
    """
    n = _check_n_obs(n_obs)
    sr = _finite(sharpe, "sharpe", "pass the per-period Sharpe ratio")
    g3 = _finite(skew, "skew", "pass the skewness of the returns (0 for normal)")
    g4 = _finite(kurtosis, "kurtosis", "pass Pearson's kurtosis (3 for normal returns)")
    variance = 1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr * sr
    if variance <= 0:
        raise ValidationError(
            "skewness and kurtosis give a non-positive Sharpe ratio variance",
            field="kurtosis",
            value=kurtosis,
            fix="check that kurtosis is Pearson's (normal = 3), not excess kurtosis (normal = 0)",
        )
    return math.sqrt(variance / (n - 1.0))


def probabilistic_sharpe_ratio(
    sharpe: float,
    n_obs: float,
    skew: float = 0.0,
    kurtosis: float = 3.0,
    sr_benchmark: float = 0.0,
    *,
    annualization: float | None = None,
) -> float:
    """Probabilistic Sharpe ratio: the probability that the true Sharpe ratio exceeds a benchmark.

    PSR(SR*) = Phi((SR - SR*) * sqrt(n_obs - 1) / sqrt(1 - skew * SR + (kurtosis - 1) / 4 *
    SR^2)) (Bailey & López de Prado, 2012). ``sharpe`` and ``sr_benchmark`` are per period
    (pass ``annualization`` if they are annualised); ``kurtosis`` is Pearson's (normal = 3).
    """
    scale = _sr_scale(annualization)
    sr = _finite(sharpe, "sharpe", "pass the observed Sharpe ratio") * scale
    bench = _finite(sr_benchmark, "sr_benchmark", "pass the Sharpe ratio to beat, e.g. 0") * scale
    return float(stats.norm.cdf((sr - bench) / sharpe_ratio_std(sr, n_obs, skew, kurtosis)))


def expected_max_sharpe(n_trials: int, sr_variance: float, sr_mean: float = 0.0) -> float:
    """Expected maximum Sharpe ratio of ``n_trials`` unskilled trials (the False Strategy theorem).

    E[max SR] ~ sr_mean + sqrt(V) * ((1 - g) * Phi^-1(1 - 1/N) + g * Phi^-1(1 - 1/(N e))),
    g the Euler-Mascheroni constant, V the variance of the trials' Sharpe ratios (Bailey &
    López de Prado, 2014). The result is in the units of the trials' Sharpe ratios: pass
    per-period variances for a per-period threshold. One trial expects ``sr_mean``.
    """
    n = _finite(n_trials, "n_trials", "pass the number of configurations tried (>= 1)")
    if n < 1:
        raise ValidationError(
            "n_trials must be at least 1",
            field="n_trials",
            value=n_trials,
            fix="pass how many strategy configurations were tried before picking this one",
        )
    v = _finite(sr_variance, "sr_variance", "pass the variance of the trials' Sharpe ratios")
    if v < 0:
        raise ValidationError(
            "sr_variance must not be negative",
            field="sr_variance",
            value=sr_variance,
            fix="pass the variance (not a difference) of the trials' Sharpe ratios",
        )
    mean = _finite(sr_mean, "sr_mean", "pass the trials' expected Sharpe ratio, usually 0")
    if n == 1:
        return mean
    z1 = stats.norm.ppf(1.0 - 1.0 / n)
    z2 = stats.norm.ppf(1.0 - 1.0 / (n * math.e))
    return float(mean + math.sqrt(v) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2))


def _trial_spread(
    n_trials: int | None,
    sr_variance: float | None,
    trials_sharpes: Sequence[float] | None,
    scale: float,
) -> tuple[float, float]:
    if trials_sharpes is not None:
        trials = np.asarray(trials_sharpes, dtype=np.float64)
        trials = trials[np.isfinite(trials)] * scale
        if trials.size < 2:
            raise ValidationError(
                "need the Sharpe ratios of at least two trials",
                field="trials_sharpes",
                value=f"{trials.size} finite values",
                fix="pass every trial's Sharpe ratio",
            )
        count = float(n_trials) if n_trials is not None else float(trials.size)
        variance = float(trials.var(ddof=1)) if sr_variance is None else sr_variance * scale**2
        return count, variance
    if n_trials is None or sr_variance is None:
        raise ValidationError(
            "the deflated Sharpe ratio needs the number of trials and their dispersion",
            field="n_trials",
            value=n_trials,
            fix="pass n_trials= and sr_variance=, or trials_sharpes= (every trial's Sharpe ratio)",
        )
    return float(n_trials), float(sr_variance) * scale**2


def deflated_sharpe_ratio(
    returns_or_sharpe: Any,
    *,
    n_trials: int | None = None,
    sr_variance: float | None = None,
    trials_sharpes: Sequence[float] | None = None,
    n_obs: float | None = None,
    skew: float | None = None,
    kurtosis: float | None = None,
    annualization: float | None = None,
) -> float:
    """Deflated Sharpe ratio: the probability the best of many trials has a true Sharpe above zero.

    DSR = PSR(SR0) with SR0 = ``expected_max_sharpe(n_trials, sr_variance)``: the probabilistic
    Sharpe ratio against the best Sharpe ratio that ``n_trials`` skill-less trials would be
    expected to show (Bailey & López de Prado, 2014). Pass the chosen strategy's returns (its
    Sharpe, length, skewness and kurtosis are estimated from them) or its Sharpe ratio with
    ``n_obs`` (``skew`` 0 and ``kurtosis`` 3 by default). Give the trials' dispersion as
    ``sr_variance`` or as ``trials_sharpes`` (every trial's Sharpe ratio; ``n_trials``
    defaults to their count). Sharpe figures are per period unless ``annualization`` says they
    are annualised with that many periods per year (the estimate from returns is always per
    period). Above 0.95: the Sharpe ratio survives the search at 5%.
    """
    scale = _sr_scale(annualization)
    if np.ndim(returns_or_sharpe) == 0:
        sr = _finite(returns_or_sharpe, "returns_or_sharpe", "pass returns or a Sharpe ratio")
        sr *= scale
        if n_obs is None:
            raise ValidationError(
                "a Sharpe ratio without its sample length cannot be deflated",
                field="n_obs",
                value=None,
                fix="pass n_obs= (the number of returns) or pass the returns",
            )
        count = _check_n_obs(n_obs)
        g3 = 0.0 if skew is None else skew
        g4 = 3.0 if kurtosis is None else kurtosis
    else:
        sr, size, est_skew, est_kurt = sharpe_moments(returns_or_sharpe)
        count = float(size if n_obs is None else n_obs)
        g3 = est_skew if skew is None else skew
        g4 = est_kurt if kurtosis is None else kurtosis
    trials, variance = _trial_spread(n_trials, sr_variance, trials_sharpes, scale)
    threshold = expected_max_sharpe(int(round(trials)), variance)
    return probabilistic_sharpe_ratio(sr, count, g3, g4, threshold)


def min_track_record_length(
    sharpe: float,
    skew: float = 0.0,
    kurtosis: float = 3.0,
    sr_benchmark: float = 0.0,
    prob: float = 0.95,
    *,
    annualization: float | None = None,
) -> float:
    """Minimum track record length: how many returns it takes for PSR(sr_benchmark) to reach prob.

    MinTRL = 1 + (1 - skew * SR + (kurtosis - 1) / 4 * SR^2) * (Phi^-1(prob) / (SR - SR*))^2
    (Bailey & López de Prado, 2012), in periods of the Sharpe ratio's frequency (divide by
    periods per year for years). Infinite when SR <= SR*: no track record is long enough.
    """
    scale = _sr_scale(annualization)
    sr = _finite(sharpe, "sharpe", "pass the observed Sharpe ratio") * scale
    bench = _finite(sr_benchmark, "sr_benchmark", "pass the Sharpe ratio to beat") * scale
    p = _finite(prob, "prob", "pass a confidence level such as 0.95")
    if not 0.0 < p < 1.0:
        raise ValidationError(
            "prob must lie strictly between 0 and 1",
            field="prob",
            value=prob,
            fix="pass a confidence level such as 0.95",
        )
    if sr <= bench:
        return math.inf
    # sharpe_ratio_std with n_obs = 2 is sqrt(variance term): reuse its checks
    variance = sharpe_ratio_std(sr, 2, skew, kurtosis) ** 2
    return float(1.0 + variance * (stats.norm.ppf(p) / (sr - bench)) ** 2)
