"""Bootstrap confidence intervals for the Sharpe ratio and the maximum drawdown of a return series.

Resampling keeps serial dependence when asked: ``block=None`` (or 1) draws returns
independently (iid bootstrap); ``block=k`` draws blocks, of mean length k for the stationary
bootstrap (Politis & Romano, 1994; the default scheme) or of fixed length k for the circular
block bootstrap. Intervals are percentile intervals. Every result records its seed; the same
seed gives the same figures on any number of threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.metrics.periods import DAILY, annualization_factor
from signaltrust.optimize.nb import CIRCULAR, PERMUTE, STATIONARY, resampled_paths_nb

SCHEMES = {"stationary": STATIONARY, "circular": CIRCULAR, "permute": PERMUTE}

#: columns of the per-path statistics the kernel returns
FINAL, MAX_DRAWDOWN, LONGEST_UNDERWATER, UNDERWATER_SHARE, MEAN, STD = range(6)


def resolve_seed(seed: int | None) -> int:
    """The seed to use and record: ``seed`` itself, or a fresh one drawn from OS entropy."""
    if seed is None:
        entropy = np.random.SeedSequence().entropy
        return int(entropy) % (2**63)  # type: ignore[arg-type]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValidationError(
            "seed must be a non-negative integer",
            field="seed",
            value=seed,
            fix="pass e.g. seed=42, or None to draw one (the result records it)",
        )
    return int(seed)


def path_seeds(seed: int, n_paths: int) -> np.ndarray:
    """One independent 64-bit generator seed per path, derived from ``seed``."""
    return np.random.SeedSequence(seed).generate_state(n_paths, dtype=np.uint64)


def clean_returns(returns: Any, field: str = "returns") -> np.ndarray:
    """A 1-D float64 array of the present (non-NaN) returns, refused when empty or <= -100%."""
    values = np.asarray(
        returns.to_numpy(dtype=np.float64, na_value=np.nan)
        if isinstance(returns, pd.Series)
        else returns,
        dtype=np.float64,
    )
    if values.ndim != 1:
        raise ValidationError(
            "expected one series of returns",
            field=field,
            value=f"shape {values.shape}",
            fix="pass a 1-D array or Series of simple per-period returns",
        )
    values = values[~np.isnan(values)]
    if values.size < 2:
        raise ValidationError(
            "need at least two returns to resample",
            field=field,
            value=values.size,
            fix="pass a longer return series",
        )
    if not np.isfinite(values).all() or (values <= -1.0).any():
        raise ValidationError(
            "returns must be finite simple returns above -100%",
            field=field,
            value=float(values[~np.isfinite(values) | (values <= -1.0)][0]),
            fix="pass simple returns (equity.pct_change()), not log returns or prices",
        )
    return np.ascontiguousarray(values)


def check_block(block: float | None, scheme: str, n: int) -> float:
    """The block length to resample with (1 for iid), validated against the series length."""
    if scheme not in SCHEMES or scheme == "permute":
        raise ValidationError(
            "unknown bootstrap scheme",
            field="method",
            value=scheme,
            fix="use 'stationary' (random block lengths) or 'circular' (fixed blocks)",
        )
    if block is None:
        return 1.0
    if not math.isfinite(block) or block < 1 or block > n:
        raise ValidationError(
            "block must be a length between 1 and the number of returns",
            field="block",
            value=block,
            fix=f"pass e.g. block=5 (at most {n}), or None for an iid bootstrap",
        )
    if scheme == "circular" and float(block) != int(block):
        raise ValidationError(
            "the circular block bootstrap needs a whole block length",
            field="block",
            value=block,
            fix="pass an integer, or method='stationary' for a mean length",
        )
    return float(block)


def simulate(
    returns: np.ndarray,
    *,
    scheme: int,
    block: float,
    n_paths: int,
    n_out: int,
    seed: int,
    band_steps: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run the resampling kernel: per-path statistics and the equity growth at ``band_steps``."""
    if n_paths < 1:
        raise ValidationError(
            "n_paths must be at least 1",
            field="n_paths",
            value=n_paths,
            fix="pass e.g. 2000 resamples",
        )
    steps = np.zeros(0, dtype=np.int64) if band_steps is None else band_steps.astype(np.int64)
    stats = np.empty((n_paths, 6))
    bands = np.empty((n_paths, steps.size))
    resampled_paths_nb(
        returns, path_seeds(seed, n_paths), scheme, float(block), n_out, steps, stats, bands
    )
    return stats, bands


@dataclass(frozen=True)
class BootstrapInterval:
    """A bootstrap percentile interval: the estimate, [lower, upper] and how it was drawn."""

    statistic: str
    estimate: float
    lower: float
    upper: float
    alpha: float
    n_boot: int
    block: float
    method: str
    seed: int
    samples: np.ndarray

    @property
    def std_error(self) -> float:
        """Standard deviation of the bootstrap replicates."""
        return float(np.nanstd(self.samples, ddof=1))

    def contains(self, value: float) -> bool:
        return bool(self.lower <= value <= self.upper)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``)."""
        from signaltrust.core.serialize import to_plain

        return to_plain(self)

    def __plain__(self) -> dict[str, Any]:
        """The interval and how it was drawn (the replicates themselves are left out)."""
        return {
            "statistic": self.statistic,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
            "alpha": self.alpha,
            "n_boot": self.n_boot,
            "block": self.block,
            "method": self.method,
            "seed": self.seed,
            "std_error": self.std_error,
        }


def _interval(
    statistic: str,
    estimate: float,
    samples: np.ndarray,
    alpha: float,
    n_boot: int,
    block: float,
    method: str,
    seed: int,
) -> BootstrapInterval:
    finite = samples[np.isfinite(samples)]
    lower, upper = (
        np.quantile(finite, [alpha / 2.0, 1.0 - alpha / 2.0]) if finite.size else (math.nan,) * 2
    )
    return BootstrapInterval(
        statistic,
        float(estimate),
        float(lower),
        float(upper),
        alpha,
        n_boot,
        block,
        method,
        seed,
        samples,
    )


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValidationError(
            "alpha must lie strictly between 0 and 1",
            field="alpha",
            value=alpha,
            fix="pass e.g. alpha=0.05 for a 95% interval",
        )


def bootstrap_sharpe_ci(
    returns: Any,
    n_boot: int = 2000,
    alpha: float = 0.05,
    block: float | None = None,
    seed: int | None = None,
    *,
    method: str = "stationary",
    period: str = DAILY,
    annualization: float | None = None,
) -> BootstrapInterval:
    """Bootstrap confidence interval of the annualised Sharpe ratio of per-period returns.

    The Sharpe ratio is ``signaltrust.metrics.sharpe_ratio``'s (mean / std ddof 1 times
    sqrt(periods per year), ``period`` / ``annualization`` as there). ``block``: None or 1
    resamples returns independently; k > 1 keeps dependence with blocks of (mean) length k.
    A (1 - alpha) percentile interval; the seed (drawn when None) is recorded.
    """
    values = clean_returns(returns)
    _check_alpha(alpha)
    size = check_block(block, method, values.size)
    used = resolve_seed(seed)
    factor = math.sqrt(annualization_factor(period, annualization))
    stats, _ = simulate(
        values,
        scheme=SCHEMES[method],
        block=size,
        n_paths=int(n_boot),
        n_out=values.size,
        seed=used,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        samples = np.where(stats[:, STD] > 0, stats[:, MEAN] / stats[:, STD], np.nan) * factor
    estimate = values.mean() / values.std(ddof=1) * factor if values.std() > 0 else math.nan
    return _interval("sharpe_ratio", estimate, samples, alpha, int(n_boot), size, method, used)


def bootstrap_max_drawdown_ci(
    returns: Any,
    n_boot: int = 2000,
    alpha: float = 0.05,
    block: float | None = None,
    seed: int | None = None,
    *,
    method: str = "stationary",
) -> BootstrapInterval:
    """Bootstrap confidence interval of the maximum drawdown (a negative fraction) of returns.

    Each replicate compounds a resampled return series of the original length, from the
    same start, and measures its deepest fall from a running peak. A drawdown depends on
    the order of returns, so use ``block`` > 1 when returns are serially dependent.
    """
    values = clean_returns(returns)
    _check_alpha(alpha)
    size = check_block(block, method, values.size)
    used = resolve_seed(seed)
    stats, _ = simulate(
        values,
        scheme=SCHEMES[method],
        block=size,
        n_paths=int(n_boot),
        n_out=values.size,
        seed=used,
    )
    equity = np.cumprod(1.0 + values)
    estimate = float(min(0.0, (equity / np.maximum.accumulate(np.maximum(equity, 1.0)) - 1).min()))
    return _interval(
        "max_drawdown", estimate, stats[:, MAX_DRAWDOWN], alpha, int(n_boot), size, method, used
    )
