"""Fixed-horizon labels: forward returns and their sign with a dead zone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signaltrust.features.labels._inputs import end_times, non_negative, positive_int, price_series


def horizon_end_times(index: pd.Index, horizon: int = 1) -> pd.Series:
    """Label end times ``t1`` of fixed-horizon labels: the bar ``horizon`` bars after each bar.

    This is the ``t1`` that :func:`forward_returns` and :func:`sign_labels` use; pass it to the
    purged splitters of :mod:`signaltrust.ml.validation`. The last ``horizon`` bars get NaT:
    their outcome is not known yet (drop them together with their NaN labels).
    """
    horizon = positive_int("horizon", horizon)
    n = len(index)
    positions = np.arange(n, dtype=np.int64) + horizon
    positions[positions >= n] = -1
    return end_times(index, positions)


def forward_returns(close: pd.Series, horizon: int = 1, *, log: bool = False) -> pd.Series:
    """Forward return from the close at t to the close ``horizon`` bars later.

    The value at t is ``close[t + horizon] / close[t] - 1`` (or its logarithm with
    ``log=True``); it becomes known at ``t1 = horizon_end_times(close.index, horizon)``.
    The last ``horizon`` values are NaN and are never filled.

    >>> import pandas as pd
    >>> close = pd.Series([100.0, 110.0, 99.0], index=pd.date_range("2024-01-01", periods=3))
    >>> forward_returns(close).round(3).tolist()
    [0.1, -0.1, nan]
    """
    close = price_series("close", close)
    horizon = positive_int("horizon", horizon)
    values = close.to_numpy()
    out = np.full(len(values), np.nan)
    if len(values) > horizon:
        ratio = values[horizon:] / values[:-horizon]
        out[:-horizon] = np.log(ratio) if log else ratio - 1.0
    return pd.Series(out, index=close.index, name=f"forward_return_{horizon}")


def sign_labels(close: pd.Series, horizon: int = 1, *, dead_zone: float = 0.0) -> pd.Series:
    """Direction of the forward return: +1 up, -1 down, 0 inside the dead zone; NaN when unknown.

    A forward return ``r`` (simple, as :func:`forward_returns`) with ``|r| <= dead_zone`` is
    labelled 0, so ``dead_zone=0.001`` calls moves of 0.1 % or less flat. The label at t is
    known at ``horizon_end_times(close.index, horizon)``.
    """
    dead_zone = non_negative("dead_zone", dead_zone)
    returns = forward_returns(close, horizon)
    values = returns.to_numpy()
    out = np.where(np.abs(values) <= dead_zone, 0.0, np.sign(values))
    out[np.isnan(values)] = np.nan
    return pd.Series(out, index=returns.index, name=f"sign_{horizon}")
