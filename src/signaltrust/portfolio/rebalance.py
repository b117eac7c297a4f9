"""Periodic rebalancing as a strategy: causal target weights for the vectorized backtest.

``rebalance_weights`` re-optimises on a trailing window at each rebalance bar and leaves NaN
(hold) elsewhere, so ``signaltrust.backtest.simulate_targets(bars_from_prices(prices), weights,
target_type="weight", fees=...)`` trades only on rebalance bars and lets weights drift between
them. The weights at bar t use prices up to t only.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.portfolio.inputs import check_prices
from signaltrust.portfolio.optimize import optimize

_PERIODS = {"d": "D", "w": "W", "mo": "M", "q": "Q", "y": "Y"}


def _rebalance_bars(index: pd.Index, every: str | int) -> np.ndarray:
    """Bars on which a rebalance happens: every n-th bar, or the first bar of each period."""
    if isinstance(every, (int, np.integer)) and not isinstance(every, bool):
        if every < 1:
            raise ValidationError(
                "every must be at least one bar",
                field="every",
                value=every,
                fix="pass every=1 (each bar), 21, or a period like '1mo'",
            )
        return np.arange(len(index)) % int(every) == 0
    match = re.fullmatch(r"(\d*)(d|w|mo|q|y)", str(every))
    if match is None or not isinstance(index, pd.DatetimeIndex):
        raise ValidationError(
            "every must be a bar count or a calendar period on a DatetimeIndex",
            field="every",
            value=every,
            fix="pass e.g. every=21 or every='1mo', '1w', '1q', '1y'",
        )
    count = int(match.group(1) or 1)
    stamps = index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index
    ordinal = stamps.to_period(_PERIODS[match.group(2)]).asi8 // count
    first = np.ones(len(index), dtype=bool)
    first[1:] = ordinal[1:] != ordinal[:-1]
    return first


def rebalance_weights(
    prices: pd.DataFrame,
    method: str = "min_variance",
    every: str | int = "1mo",
    lookback: int = 36,
    **optimize_kwargs: Any,
) -> pd.DataFrame:
    """Target weights per bar for periodic rebalancing (NaN between rebalances = hold).

    At each rebalance bar t with at least ``lookback`` bars of history, the weights are
    ``optimize(prices[t - lookback + 1 : t + 1], method, **optimize_kwargs)``; before that the
    rows are NaN (no position). ``every`` is a bar count or a calendar period ('1mo', '1w',
    '3mo', '1q', '1y': the first bar of each period). ``frequency`` defaults to the periods per
    year of the whole index, so a window's annualisation does not depend on its length.
    """
    check_prices(prices)
    if not isinstance(lookback, (int, np.integer)) or lookback < 3:
        raise ValidationError(
            "lookback must be a number of bars >= 3",
            field="lookback",
            value=lookback,
            fix="pass e.g. lookback=36 for three years of months",
        )
    if "frequency" not in optimize_kwargs and isinstance(prices.index, pd.DatetimeIndex):
        from signaltrust.portfolio.inputs import resolve_frequency

        optimize_kwargs["frequency"] = resolve_frequency(prices, None)
    due = _rebalance_bars(prices.index, every)
    out = np.full(prices.shape, np.nan)
    for t in np.flatnonzero(due):
        if t + 1 < lookback:
            continue
        window = prices.iloc[t + 1 - lookback : t + 1]
        out[t] = optimize(window, method, **optimize_kwargs).to_numpy()
    return pd.DataFrame(out, index=prices.index, columns=prices.columns)


def bars_from_prices(prices: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """{asset: bar DataFrame} with open = high = low = close = the price, for simulate_targets."""
    check_prices(prices)
    return {
        str(col): pd.DataFrame(
            {"open": prices[col], "high": prices[col], "low": prices[col], "close": prices[col]},
            index=prices.index,
        )
        for col in prices.columns
    }
