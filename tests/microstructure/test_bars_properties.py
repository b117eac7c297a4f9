"""Invariants of bars from any trades (hypothesis): every complete bar's prices lie within its
high and low, volumes and counts add up to the trades they cover, bars never overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.data.info_bars import BAR_KINDS, build_bars

PARAMS = {"time": {"timeframe": "1s"}, "tick": {"ticks": 7}, "volume": {"volume": 5.0},
          "dollar": {"dollars": 500.0}}


@st.composite
def trade_streams(draw):
    n = draw(st.integers(1, 120))
    gaps = draw(st.lists(st.integers(0, 400_000_000), min_size=n, max_size=n))
    prices = draw(st.lists(st.floats(50, 150, allow_nan=False), min_size=n, max_size=n))
    sizes = draw(st.lists(st.floats(0.001, 10, allow_nan=False), min_size=n, max_size=n))
    ts = 1_704_153_600_000_000_000 + np.cumsum(gaps)
    return pd.DataFrame({"ts": pd.to_datetime(ts, unit="ns", utc=True),
                         "price": np.round(prices, 2), "size": sizes})


@settings(max_examples=40, deadline=None)
@given(trades=trade_streams(), kind=st.sampled_from(BAR_KINDS))
def test_bars_when_built_from_any_trades_then_ohlc_volume_and_counts_consistent(trades, kind):
    bars = build_bars(trades, kind, **PARAMS.get(kind, {"expected_ticks": 5}))
    if bars.empty:
        return
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    covered = int(bars["trades"].sum())
    assert covered <= len(trades)
    assert np.isclose(bars["volume"].sum(), trades["size"].iloc[:covered].sum())
    assert (bars["end"].iloc[:-1].to_numpy() <= bars.index[1:].to_numpy()).all()
    if kind == "time":
        assert covered == len(trades)  # time bars keep every trade
