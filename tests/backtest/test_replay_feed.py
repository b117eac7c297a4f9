"""The replay feed's bars carry their index's start and end times, as Python ints, whether the
bars are evenly spaced (times built as ranges) or not (lists)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest.replay.feed import HistoricalBarFeed


def frame(index: pd.DatetimeIndex) -> pd.DataFrame:
    close = np.linspace(100.0, 110.0, len(index))
    return pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                         "volume": 1.0}, index=index)


@pytest.mark.parametrize("rows", [slice(None), [0, 1, 2, 5, 6, 9], [0, 3]])
def test_bars_when_evenly_spaced_or_gapped_then_times_equal_the_index(rows):
    index = pd.date_range("2024-03-01", periods=10, freq="h", tz="UTC").as_unit("ns")
    bars = frame(index).iloc[rows]
    feed = HistoricalBarFeed({"X": bars}, bar_period="1h")
    out = list(feed.in_order())
    starts = bars.index.as_unit("ns").asi8.tolist()
    assert [b.ts_ns for b in out] == starts
    assert [b.end_ns for b in out] == [s + 3_600_000_000_000 for s in starts]
    assert all(type(b.ts_ns) is int and type(b.end_ns) is int for b in out)
    assert [b.close for b in out] == bars["close"].tolist()
