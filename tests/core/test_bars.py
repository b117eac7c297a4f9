"""The bar schema: UTC nanosecond index, float OHLCV, clear errors for the wrong shape."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.bars import validate_bars
from signaltrust.core.errors import ValidationError


def _bars(index):
    return pd.DataFrame(
        {"close": [1, 2], "open": [1, 2], "high": [1, 2], "low": [1, 2], "volume": [10, 20]}, index=index
    )


def test_validate_bars_when_naive_index_then_utc_ns_and_canonical_order():
    out = validate_bars(_bars(pd.to_datetime(["2020-01-01", "2020-01-02"])))
    assert str(out.index.tz) == "UTC"
    assert out.index.dtype == "datetime64[ns, UTC]"
    assert list(out.columns) == ["open", "high", "low", "close", "volume"]
    assert (out.dtypes == "float64").all()


def test_validate_bars_when_index_in_new_york_then_converted_to_utc():
    index = pd.DatetimeIndex(["2020-01-02 09:30", "2020-01-02 10:30"]).tz_localize("America/New_York")
    out = validate_bars(_bars(index))
    assert out.index[0] == pd.Timestamp("2020-01-02 14:30", tz="UTC")


def test_validate_bars_when_column_missing_then_error_names_columns_and_fix():
    frame = _bars(pd.to_datetime(["2020-01-01", "2020-01-02"])).drop(columns="high")
    with pytest.raises(ValidationError, match="high"):
        validate_bars(frame)


def test_validate_bars_when_price_is_text_then_error_names_column():
    frame = _bars(pd.to_datetime(["2020-01-01", "2020-01-02"]))
    frame["close"] = ["1", "x"]
    with pytest.raises(ValidationError, match="close"):
        validate_bars(frame)


def test_validate_bars_when_given_then_input_is_not_modified():
    frame = _bars(pd.to_datetime(["2020-01-01", "2020-01-02"]))
    before = frame.copy()
    validate_bars(frame)
    pd.testing.assert_frame_equal(frame, before)
