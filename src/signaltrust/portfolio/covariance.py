"""Covariance estimators (sample, Ledoit-Wolf, EWMA) and expected returns, annualised.

Returns are simple per-period returns of a price panel. Every estimate is per year: the
per-period figure times the periods per year of the data (12 for monthly bars, 252 for daily
exchange bars; see :func:`signaltrust.metrics.periods_per_year`) or ``frequency`` when given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.portfolio.inputs import price_returns, resolve_frequency

COV_METHODS = ("sample", "ledoit_wolf", "ewma")


def sample_cov(prices: pd.DataFrame, frequency: float | None = None) -> pd.DataFrame:
    """Annualised sample covariance of simple returns (ddof=1) x periods per year."""
    returns = price_returns(prices)
    return returns.cov(ddof=1) * resolve_frequency(prices, frequency)


def ledoit_wolf_cov(prices: pd.DataFrame, frequency: float | None = None) -> pd.DataFrame:
    """Annualised Ledoit-Wolf covariance: the sample covariance shrunk towards a scaled identity.

    The shrinkage intensity is Ledoit and Wolf's (2004) optimal one, as scikit-learn's
    ``LedoitWolf`` estimates it (maximum-likelihood covariance, returns demeaned).
    """
    from sklearn.covariance import LedoitWolf

    returns = price_returns(prices)
    fit = LedoitWolf().fit(returns.to_numpy())
    scale = resolve_frequency(prices, frequency)
    return pd.DataFrame(fit.covariance_ * scale, index=returns.columns, columns=returns.columns)


def ewma_cov(
    prices: pd.DataFrame,
    frequency: float | None = None,
    *,
    span: float | None = 60,
    halflife: float | None = None,
) -> pd.DataFrame:
    """Annualised exponentially weighted covariance of returns, as of the last bar.

    Weights decay as (1 - alpha)^age with alpha = 2 / (span + 1) or 1 - 0.5^(1 / halflife) when
    ``halflife`` is given; the estimate is pandas' bias-corrected ``ewm(...).cov()`` at the last
    bar.
    """
    returns = price_returns(prices)
    if halflife is not None:
        _positive("halflife", halflife)
        ewm = returns.ewm(halflife=halflife)
    else:
        _positive("span", span)
        if span < 1:
            raise ValidationError(
                "span must be at least 1", field="span", value=span, fix="pass span >= 1"
            )
        ewm = returns.ewm(span=span)
    last = ewm.cov().loc[returns.index[-1]]
    return last * resolve_frequency(prices, frequency)


def covariance(
    prices: pd.DataFrame, method: str = "sample", frequency: float | None = None, **kwargs: float
) -> pd.DataFrame:
    """Annualised covariance of a price panel's returns by ``method``: sample, ledoit_wolf, ewma."""
    if method == "sample":
        return sample_cov(prices, frequency)
    if method == "ledoit_wolf":
        return ledoit_wolf_cov(prices, frequency)
    if method == "ewma":
        return ewma_cov(prices, frequency, **kwargs)
    raise ValidationError(
        "unknown covariance estimator",
        field="cov",
        value=method,
        fix=f"use one of {', '.join(COV_METHODS)} or pass a covariance DataFrame",
    )


def expected_returns(
    prices: pd.DataFrame, frequency: float | None = None, *, compounding: bool = False
) -> pd.Series:
    """Annualised mean historical returns: mean x periods (arithmetic) or the geometric CAGR.

    ``compounding=False`` gives mean(r) * periods per year (PyPortfolioOpt's
    ``mean_historical_return(compounding=False)``); ``compounding=True`` gives
    prod(1 + r) ^ (periods / n) - 1.
    """
    returns = price_returns(prices)
    scale = resolve_frequency(prices, frequency)
    if compounding:
        growth = (1 + returns).prod()
        return growth ** (scale / len(returns)) - 1
    return returns.mean() * scale


def _positive(field: str, value: float | None) -> None:
    if value is None or not np.isfinite(value) or value <= 0:
        raise ValidationError(
            f"{field} must be a positive number of bars",
            field=field,
            value=value,
            fix=f"pass {field}= e.g. 60",
        )
