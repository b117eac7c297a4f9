"""The built-in rule strategies: hand-checked signals on small constructed series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.data.catalog import load
from signaltrust.strategy import get_strategy


def _bars(close, high=None, low=None) -> pd.DataFrame:
    close = np.asarray(close, dtype=float)
    index = pd.date_range("2020-01-01", periods=len(close), freq="D", tz="UTC").as_unit("ns")
    return pd.DataFrame(
        {
            "open": close,
            "high": close if high is None else np.asarray(high, float),
            "low": close if low is None else np.asarray(low, float),
            "close": close,
            "volume": 1.0,
        },
        index=index,
    )


def _where(series: pd.Series) -> list[int]:
    return list(np.flatnonzero(series.to_numpy()))


def test_sma_cross_when_fast_crosses_above_then_entry_and_below_then_exit():
    # SMA2 - SMA3: t2 -0.5, t3 -1/6, t4 +0.5, t5 +0.5, t6 +1/6, t7 -0.5, t8 -0.5
    bars = _bars([5, 4, 3, 4, 5, 6, 5, 4, 3])
    sig = get_strategy("sma_cross").signals(bars, fast=2, slow=3)
    assert _where(sig.entries) == [4]
    assert _where(sig.exits) == [7]
    assert not sig.short_entries.any() and not sig.short_exits.any()


def test_sma_cross_when_short_allowed_then_cross_below_opens_a_short():
    bars = _bars([5, 4, 3, 4, 5, 6, 5, 4, 3])
    sig = get_strategy("sma_cross").signals(bars, fast=2, slow=3, allow_short=True)
    assert _where(sig.short_entries) == [7]
    assert _where(sig.short_exits) == [4]


def test_bollinger_rsi_when_close_drops_below_lower_band_with_low_rsi_then_entry():
    # window [10, 10, 7]: mean 9, population std sqrt(2), lower band 7.586; RSI(2) at t5 = 0
    bars = _bars([10, 10, 10, 10, 10, 7, 10, 10])
    sig = get_strategy("bollinger_rsi").signals(
        bars, period=3, nbdev=1.0, rsi_period=2, rsi_entry=30, rsi_exit=50
    )
    assert _where(sig.entries) == [5]
    # the close is at or above the middle band on every other complete bar
    assert _where(sig.exits) == [2, 3, 4, 6, 7]


def test_bollinger_rsi_when_compared_with_talib_then_same_signals_on_goog():
    talib = pytest.importorskip("talib")
    bars = load("goog")
    close = bars["close"].to_numpy()
    _, middle, lower = talib.BBANDS(close, timeperiod=20, nbdevup=2.0, nbdevdn=2.0)
    rsi = talib.RSI(close, timeperiod=14)
    sig = get_strategy("bollinger_rsi").signals(bars)
    with np.errstate(invalid="ignore"):
        entries = (close < lower) & (rsi < 30)
        exits = ((close >= middle) | (rsi > 50)) & ~np.isnan(middle) & ~np.isnan(rsi)
    assert entries.sum() > 0
    np.testing.assert_array_equal(sig.entries.to_numpy(), entries)
    np.testing.assert_array_equal(sig.exits.to_numpy(), exits)


def test_donchian_when_close_breaks_prior_high_then_entry_and_prior_low_then_exit():
    bars = _bars([1, 2, 3, 4, 3, 2, 1, 2])
    sig = get_strategy("donchian_breakout").signals(bars, entry_period=3, exit_period=2)
    assert _where(sig.entries) == [3]
    assert _where(sig.exits) == [5, 6]


def test_donchian_when_short_allowed_then_break_of_prior_low_opens_short():
    bars = _bars([4, 3, 2, 1, 2, 3, 4])
    sig = get_strategy("donchian_breakout").signals(
        bars, entry_period=3, exit_period=2, allow_short=True
    )
    assert _where(sig.short_entries) == [3]  # 1 < min(4, 3, 2)
    assert _where(sig.short_exits) == [5, 6]  # 3 > max(1, 2); 4 > max(2, 3)


def test_ts_momentum_when_rebalancing_then_long_only_after_positive_returns():
    bars = _bars([1, 2, 3, 2, 1, 2, 4])
    sig = get_strategy("ts_momentum").signals(bars, lookback=2, rebalance=2)
    # decisions at t2 (3/1 - 1 > 0), t4 (1/3 - 1 < 0), t6 (4/1 - 1 > 0)
    assert _where(sig.entries) == [2, 6]
    assert _where(sig.exits) == [4]


def test_ts_momentum_when_short_allowed_then_negative_return_opens_short():
    bars = _bars([1, 2, 3, 2, 1, 2, 4])
    sig = get_strategy("ts_momentum").signals(bars, lookback=2, rebalance=2, allow_short=True)
    assert _where(sig.short_entries) == [4]
    assert _where(sig.short_exits) == [2, 6]


def test_signals_when_close_has_a_gap_then_only_windows_with_it_are_silent():
    close = [5, 4, 3, 4, 5, 6, 5, 4, 3]
    with_nan = list(close)
    with_nan[0] = np.nan
    sig = get_strategy("sma_cross").signals(_bars(with_nan), fast=2, slow=3)
    assert _where(sig.entries) == [4]  # the window holding the NaN ended at t2
