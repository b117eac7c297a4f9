"""The boundary of signaltrust.ta: Series in -> Series out, and clear errors for bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust import ta
from signaltrust.core.errors import ValidationError

from .cases import ALL_CASES, case_id
from .conftest import random_walk


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_indicator_when_series_given_then_series_with_same_index_returned(case):
    name, inputs, params = case
    frame = random_walk(seed=5, n=120)
    from_series = getattr(ta, name)(*[frame[c] for c in inputs], **params)
    from_arrays = getattr(ta, name)(*[frame[c].to_numpy() for c in inputs], **params)
    series_tuple = from_series if isinstance(from_series, tuple) else (from_series,)
    array_tuple = from_arrays if isinstance(from_arrays, tuple) else (from_arrays,)
    for series, array in zip(series_tuple, array_tuple, strict=True):
        assert isinstance(series, pd.Series)
        assert isinstance(array, np.ndarray)
        assert series.index.equals(frame.index)
        np.testing.assert_array_equal(series.to_numpy(), array)


def test_rsi_when_timeperiod_below_minimum_then_validation_error_names_it():
    with pytest.raises(ValidationError) as error:
        ta.rsi(np.arange(50.0), timeperiod=1)
    assert error.value.field == "timeperiod"
    assert error.value.value == 1
    assert "at least 2" in str(error.value)


def test_sma_when_timeperiod_not_integer_then_validation_error():
    with pytest.raises(ValidationError, match="timeperiod must be an integer"):
        ta.sma(np.arange(50.0), timeperiod=2.5)


def test_atr_when_lengths_differ_then_validation_error_names_the_input():
    frame = random_walk(seed=1, n=50)
    with pytest.raises(ValidationError) as error:
        ta.atr(frame["high"].to_numpy(), frame["low"].to_numpy()[:-1], frame["close"].to_numpy())
    assert error.value.field == "low"
    assert "49" in str(error.value) and "50" in str(error.value)


def test_indicator_when_series_indexes_differ_then_validation_error():
    frame = random_walk(seed=1, n=50)
    with pytest.raises(ValidationError, match="different index"):
        ta.willr(frame["high"], frame["low"], frame["close"].shift(1, freq="D"))


@pytest.mark.parametrize(
    "bad", [np.array(["a", "b", "c"]), pd.Series(["1", "2", "3"]), np.array([True, False])]
)
def test_indicator_when_input_not_numeric_then_validation_error(bad):
    with pytest.raises(ValidationError) as error:
        ta.ema(bad, timeperiod=2)
    assert error.value.field == "close"


def test_indicator_when_dataframe_given_then_validation_error_suggests_a_column():
    frame = random_walk(seed=1, n=50)
    with pytest.raises(ValidationError, match="one column"):
        ta.sma(frame)


def test_indicator_when_two_dimensional_then_validation_error():
    with pytest.raises(ValidationError, match="one-dimensional"):
        ta.sma(np.ones((10, 2)))


@pytest.mark.parametrize("matype", [5, 7, 8, 9, -1, "sma"])
def test_bbands_when_matype_unsupported_then_validation_error_names_matype(matype):
    with pytest.raises(ValidationError) as error:
        ta.bbands(np.arange(60.0), matype=matype)
    assert error.value.field == "matype"


def test_stoch_when_slowd_matype_unsupported_then_validation_error_names_it():
    frame = random_walk(seed=1, n=60)
    with pytest.raises(ValidationError) as error:
        ta.stoch(frame["high"], frame["low"], frame["close"], slowd_matype=8)
    assert error.value.field == "slowd_matype"


def test_indicator_when_integer_array_then_float_result():
    result = ta.sma(np.arange(20), timeperiod=3)
    assert result.dtype == np.float64
    assert result[2] == 1.0


def test_indicator_when_series_shorter_than_warm_up_then_all_nan():
    assert np.isnan(ta.adx(np.ones(10), np.ones(10), np.ones(10), timeperiod=14)).all()
    assert np.isnan(ta.macd(np.arange(20.0))[0]).all()


def test_indicator_when_all_nan_then_all_nan():
    assert np.isnan(ta.rsi(np.full(30, np.nan))).all()


def test_indicator_when_nan_inside_series_then_it_propagates_as_in_talib():
    talib = pytest.importorskip("talib")
    close = random_walk(seed=2, n=80)["close"].to_numpy().copy()
    close[40] = np.nan
    result = ta.ema(close, timeperiod=5)
    assert np.isfinite(result[4:40]).all()
    assert np.isnan(result[40:]).all()
    np.testing.assert_array_equal(result, talib.EMA(close, timeperiod=5))


def test_supertrend_when_multiplier_not_positive_then_validation_error():
    frame = random_walk(seed=1, n=60)
    with pytest.raises(ValidationError) as error:
        ta.supertrend(frame["high"], frame["low"], frame["close"], multiplier=0)
    assert error.value.field == "multiplier"
