"""Input checks of portfolio optimisation: price panels, returns and periods per year.

Every refusal is a ValidationError naming the field, the value and the fix; nothing is filled or
dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.metrics import periods_per_year

BoundsLike = tuple[float, float] | Sequence[tuple[float, float]] | Mapping[str, tuple[float, float]]


def check_prices(prices: pd.DataFrame, field: str = "prices") -> pd.DataFrame:
    """A price panel (one column per asset, rows in time order) with no NaN and positive prices."""
    if not isinstance(prices, pd.DataFrame):
        raise ValidationError(
            "prices must be a DataFrame with one column per asset",
            field=field,
            value=type(prices).__name__,
            fix="pass e.g. signaltrust.data.load('stocks').dropna()",
        )
    if prices.shape[1] < 1 or len(prices) < 3:
        raise ValidationError(
            "prices need at least one asset and three rows",
            field=field,
            value=f"shape {prices.shape}",
            fix="pass a longer price history",
        )
    if not all(pd.api.types.is_numeric_dtype(t) for t in prices.dtypes):
        raise ValidationError(
            "prices must be numeric",
            field=field,
            value=[str(t) for t in prices.dtypes],
            fix="convert the columns with pd.to_numeric",
        )
    values = prices.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values).any(axis=0)
    if missing.any():
        columns = [str(c) for c, bad in zip(prices.columns, missing, strict=True) if bad]
        counts = {c: int(n) for c, n in prices[columns].isna().sum().items()}
        raise ValidationError(
            "prices contain missing values (NaN); nothing is filled silently",
            field=f"{field}[{', '.join(columns)}]",
            value=counts,
            fix="drop the incomplete rows (prices.dropna()), start after the last listing "
            "(prices.loc['2016-09':]) or leave the incomplete columns out",
        )
    if not np.isfinite(values).all() or (values <= 0).any():
        raise ValidationError(
            "prices must be positive and finite",
            field=field,
            value=float(np.nanmin(values)),
            fix="pass prices (not returns) and remove zero or infinite rows",
        )
    if isinstance(prices.index, pd.DatetimeIndex) and not prices.index.is_monotonic_increasing:
        raise ValidationError(
            "prices must be in time order",
            field=f"{field}.index",
            value="unsorted",
            fix="call prices.sort_index()",
        )
    return prices


def price_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """Simple per-period returns of a checked price panel (first row dropped)."""
    return check_prices(prices).pct_change().iloc[1:]


def resolve_frequency(data: pd.DataFrame | pd.Series, frequency: float | None) -> float:
    """Periods per year: ``frequency`` when given, else inferred from a DatetimeIndex."""
    if frequency is not None:
        if not np.isfinite(frequency) or frequency <= 0:
            raise ValidationError(
                "frequency must be a positive number of periods per year",
                field="frequency",
                value=frequency,
                fix="pass 252 for daily, 52 weekly, 12 monthly, or leave it None to infer",
            )
        return float(frequency)
    if not isinstance(data.index, pd.DatetimeIndex):
        raise ValidationError(
            "cannot infer periods per year without a DatetimeIndex",
            field="frequency",
            value=None,
            fix="pass frequency= (e.g. 12 for monthly data) or index the prices by timestamps",
        )
    return float(periods_per_year(data.index))


def resolve_bounds(bounds: BoundsLike, assets: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper weight arrays from one (low, high) pair, one pair per asset or a mapping."""
    n = len(assets)
    if isinstance(bounds, Mapping):
        unknown = [k for k in bounds if k not in set(assets)]
        if unknown:
            raise ValidationError(
                "bounds name assets that are not in the prices",
                field="bounds",
                value=unknown,
                fix=f"use asset names among {list(assets)}",
            )
        pairs = [bounds.get(a, (0.0, 1.0)) for a in assets]
    elif (
        isinstance(bounds, Sequence)
        and len(bounds) == 2
        and all(b is None or np.isscalar(b) for b in bounds)
    ):
        pairs = [tuple(bounds)] * n
    elif isinstance(bounds, Sequence) and len(bounds) == n:
        pairs = [tuple(b) for b in bounds]
    else:
        raise ValidationError(
            "bounds must be (low, high), one pair per asset or {asset: (low, high)}",
            field="bounds",
            value=bounds,
            fix="pass e.g. bounds=(0, 1) or bounds={'AAPL': (0, 0.2)}",
        )
    lower = np.array([-np.inf if p[0] is None else float(p[0]) for p in pairs])
    upper = np.array([np.inf if p[1] is None else float(p[1]) for p in pairs])
    bad = np.flatnonzero(lower > upper)
    if bad.size:
        raise ValidationError(
            "a lower bound exceeds its upper bound",
            field=f"bounds[{assets[bad[0]]}]",
            value=(lower[bad[0]], upper[bad[0]]),
            fix="pass (low, high) with low <= high",
        )
    if lower.sum() > 1 + 1e-12 or upper.sum() < 1 - 1e-12:
        raise ValidationError(
            "the bounds leave no fully invested portfolio (weights must sum to 1)",
            field="bounds",
            value=(float(lower.sum()), float(upper.sum())),
            fix="widen the bounds so that sum(low) <= 1 <= sum(high)",
        )
    return lower, upper
