"""Trade out-of-sample scores with the vectorized engine, and buy-and-hold over the same bars.

Both runs start flat with the same cash on the first out-of-sample bar, fill at the next bar's
open and pay the same fees and slippage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest import BacktestResult, simulate_signals
from signaltrust.core.errors import ValidationError
from signaltrust.metrics.periods import periods_per_year
from signaltrust.optimize import deflated_sharpe_ratio, sharpe_moments, sharpe_ratio_std

HEADLINE = ("final_equity", "total_return", "annual_return", "sharpe_ratio", "max_drawdown",
            "trades", "exposure", "fees_paid")


def trade_scores(
    bars: pd.DataFrame, score: pd.Series, *, entry: float, exit: float, center: float,
    allow_short: bool, fees: float | None, slippage: float | None,
) -> tuple[BacktestResult, BacktestResult]:
    """The score strategy and buy-and-hold on ``bars`` (the out-of-sample period), costs on.

    Long entry when score > ``entry``, long exit when score <= ``exit``; with ``allow_short``
    the mirror image around ``center`` (short below 2*center - entry, cover at or above
    2*center - exit). A bar without a score holds what it has.
    """
    s = score.reindex(bars.index)
    ppy = float(periods_per_year(bars.index))
    options: dict[str, Any] = {"fees": fees, "slippage": slippage, "fill_at": "next_open",
                               "periods_per_year": ppy, "benchmark": bars["close"]}
    entries = (s > entry).fillna(False)
    exits = (s <= exit).fillna(False)
    shorts = covers = None
    if allow_short:
        shorts = (s < 2 * center - entry).fillna(False)
        covers = (s >= 2 * center - exit).fillna(False)
    strategy = simulate_signals(bars, entries, exits, shorts, covers,
                                allow_short=allow_short, **options)
    first = pd.Series(False, index=bars.index)
    first.iloc[0] = True
    buy_and_hold = simulate_signals(bars, first, allow_short=False, **options)
    return strategy, buy_and_hold


def headline(result: BacktestResult) -> dict[str, Any]:
    """The statistics a reader compares first: final equity, total return, Sharpe, drawdown."""
    stats = result.stats
    return {key: stats.get(key) for key in HEADLINE}


def deflated_sharpe(
    result: BacktestResult, *, n_trials: int, trials_sharpes: Sequence[float] | None = None
) -> tuple[float, str]:
    """The strategy's deflated Sharpe ratio and a sentence saying how the trials were counted.

    One trial: the probabilistic Sharpe ratio against 0. Several without their Sharpe ratios:
    the trials' dispersion is taken as the sampling variance of this Sharpe estimate (what
    unskilled variants of one strategy on the same bars would show). ``trials_sharpes`` are
    annualised Sharpe ratios, as in ``BacktestResult.stats``. A strategy that never
    changes its equity has no Sharpe ratio: NaN.
    """
    returns = result.equity.pct_change().dropna()
    try:
        sr, n_obs, skew, kurt = sharpe_moments(returns)
    except ValidationError:
        return float("nan"), "no deflated Sharpe ratio: the strategy's equity never moved"
    if trials_sharpes is not None:
        value = deflated_sharpe_ratio(returns, n_trials=n_trials if n_trials > 1 else None,
                                      trials_sharpes=list(trials_sharpes),
                                      annualization=result.periods_per_year)
        how = (f"n_trials={max(n_trials, len(trials_sharpes))} with the trials' own annualised "
               "Sharpe ratios (their variance)")
        return float(value), how
    if n_trials == 1:
        variance = 0.0
        how = ("n_trials=1: this one configuration, chosen before looking at its out-of-sample "
               "figures (the DSR is then the probabilistic Sharpe ratio against 0)")
    else:
        variance = sharpe_ratio_std(sr, n_obs, skew, kurt) ** 2
        how = (f"n_trials={n_trials} as given (model/feature/label/threshold configurations "
               "tried); their dispersion taken as this Sharpe ratio's sampling variance")
    value = deflated_sharpe_ratio(returns, n_trials=n_trials, sr_variance=variance)
    return float(value) if np.isfinite(value) else float("nan"), how
