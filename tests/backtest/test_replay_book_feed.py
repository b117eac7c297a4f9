"""Recorded tick frames as the trading core's events (``backtest.replay.book_feed``)."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.backtest.replay.book_feed import frame_kind, tick_events
from signaltrust.core.book import BookLevel, BookUpdate, Quote, Side, Trade
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Tick

T = pd.Timestamp("2024-01-02 09:30", tz="UTC")


def test_book_rows_when_without_sequence_numbers_then_one_message_per_time_numbered_in_order():
    rows = pd.DataFrame({"ts": [T, T, T + pd.Timedelta(1, "s")], "seq": -1,
                         "side": [1, -1, 1], "price": [100.0, 100.1, 100.0],
                         "size": [5.0, 4.0, 0.0], "snapshot": [True, True, False]})
    events = [e for _, e in tick_events("X", rows)]
    assert events == [
        BookUpdate("X", T.value, 0, (BookLevel(100.0, 5.0),), (BookLevel(100.1, 4.0),), True),
        BookUpdate("X", T.value + 10**9, 1, (BookLevel(100.0, 0.0),), (), False),
    ]


def test_trades_and_sized_quotes_when_in_the_tick_schema_then_prints_with_side_and_quotes():
    trades = pd.DataFrame({"ts": [T], "price": [100.0], "size": [2.0], "side": [-1]})
    quotes = pd.DataFrame({"bid": [100.0], "ask": [100.1], "bid_size": [3.0],
                           "ask_size": [4.0]}, index=[T])
    assert tick_events("X", trades) == [(T.value, Trade("X", T.value, 100.0, 2.0, Side.SELL))]
    assert tick_events("X", quotes) == [(T.value, Quote("X", T.value, 100.0, 100.1, 3.0, 4.0))]


def test_plain_frames_when_given_then_ticks_as_before():
    plain = pd.DataFrame({"price": [100.0], "size": [2.0]}, index=[T])
    assert frame_kind(plain) == "tick"
    (ts, tick), = tick_events("X", plain)
    assert (ts, tick.kind, tick.price, tick.size) == (T.value, "trade", 100.0, 2.0)
    assert isinstance(tick, Tick)


def test_frame_when_of_no_known_kind_then_refused_naming_the_columns():
    with pytest.raises(ValidationError) as error:
        tick_events("X", pd.DataFrame({"ts": [T], "volume": [1.0]}))
    assert error.value.field == "ticks"
