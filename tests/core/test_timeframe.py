"""Timeframes parse, order, map to pandas rules and are inferred from an index."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe, TimeUnit


@pytest.mark.parametrize(
    ("text", "count", "unit"),
    [("1m", 1, TimeUnit.MINUTE), ("15m", 15, TimeUnit.MINUTE), ("1h", 1, TimeUnit.HOUR),
     ("1d", 1, TimeUnit.DAY), ("daily", 1, TimeUnit.DAY), ("1w", 1, TimeUnit.WEEK),
     ("1mo", 1, TimeUnit.MONTH), ("3mo", 3, TimeUnit.MONTH), ("1y", 1, TimeUnit.YEAR)],
)
def test_parse_when_valid_text_then_count_and_unit(text, count, unit):
    tf = Timeframe.parse(text)
    assert (tf.count, tf.unit) == (count, unit)


@pytest.mark.parametrize("text", ["", "0d", "1x", "d1", "-1h"])
def test_parse_when_invalid_then_error_names_field_and_fix(text):
    with pytest.raises(ValidationError, match="timeframe"):
        Timeframe.parse(text)


def test_ordering_when_compared_then_by_length():
    assert Timeframe.parse("1m") < Timeframe.parse("1h") < Timeframe.parse("1d") < Timeframe.parse("1mo")


@pytest.mark.parametrize(
    ("freq", "expected"),
    [("h", "1h"), ("15min", "15m"), ("B", "1d"), ("D", "1d"), ("W-MON", "1w"), ("MS", "1mo"), ("ME", "1mo")],
)
def test_infer_when_regular_index_then_timeframe(freq, expected):
    index = pd.date_range("2020-01-01", periods=50, freq=freq, tz="UTC")
    assert str(Timeframe.infer(index)) == expected


def test_periods_per_year_when_daily_then_252_or_365():
    assert Timeframe.parse("1d").periods_per_year() == 252
    assert Timeframe.parse("1d").periods_per_year(365) == 365
    assert Timeframe.parse("1mo").periods_per_year() == 12
