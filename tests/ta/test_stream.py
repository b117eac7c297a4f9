"""Streaming indicators (signaltrust.ta.stream) equal the batch functions at every bar.

Feeding the bars one at a time to ``stream.create(name, **params)`` gives, at every bar, the value
the batch function gives over the whole series: to 1e-9 (as the TA-Lib comparison), with NaN at
exactly the same bars, on the bundled GOOG and S&P 500 bars and on random walks, with leading NaN
and NaN inside the data. The factory refuses unknown names and bad parameters as ValidationError.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from signaltrust import ta
from signaltrust.core.errors import ValidationError
from signaltrust.ta import stream

from .cases import ALL_CASES, case_id
from .conftest import random_walk


def as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def feed(indicator: stream.StreamingIndicator, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The indicator's outputs when the bars are fed one at a time, as one array per output."""
    update = indicator.update
    values = [update(*bar) for bar in zip(*(array.tolist() for array in arrays), strict=True)]
    if len(indicator.outputs) == 1:
        return [np.array(values, dtype=float)]
    if not values:
        return [np.array([], dtype=float) for _ in indicator.outputs]
    return [np.array(column, dtype=float) for column in zip(*values, strict=True)]


def assert_stream_equals_batch(name: str, params: dict, arrays: list[np.ndarray]) -> None:
    expected = as_tuple(getattr(ta, name)(*arrays, **params))
    actual = feed(stream.create(name, **params), arrays)
    assert len(actual) == len(expected)
    for output, ours, batch in zip(stream.INDICATORS[name].outputs, actual, expected, strict=True):
        where = f"{name}{params} {output}"
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(batch), err_msg=f"{where}: NaN")
        finite = batch[~np.isnan(batch)]
        scale = max(1.0, float(np.abs(finite[np.isfinite(finite)]).max(initial=0.0)))
        np.testing.assert_allclose(ours, batch, rtol=1e-9, atol=1e-9 * scale, err_msg=where)


def columns(frame, inputs) -> list[np.ndarray]:
    return [frame[column].to_numpy(dtype=float).copy() for column in inputs]


# --- equal to the batch function at every bar -------------------------------------------------


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_stream_when_goog_daily_fed_bar_by_bar_then_equals_batch(case, goog):
    name, inputs, params = case
    assert_stream_equals_batch(name, params, columns(goog, inputs))


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_stream_when_sp500_daily_fed_bar_by_bar_then_equals_batch(case, sp500):
    name, inputs, params = case
    assert_stream_equals_batch(name, params, columns(sp500, inputs))


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_stream_when_random_walk_fed_bar_by_bar_then_equals_batch(case, walk):
    name, inputs, params = case
    assert_stream_equals_batch(name, params, columns(walk.iloc[:800], inputs))


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_stream_when_inputs_start_with_nan_then_skips_them_like_batch(case):
    name, inputs, params = case
    arrays = columns(random_walk(seed=21, n=300), inputs)
    arrays[-1][:9] = np.nan  # the inputs become valid on different bars
    arrays[0][:4] = np.nan
    assert_stream_equals_batch(name, params, arrays)


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_stream_when_nan_inside_data_then_propagates_like_batch(case):
    name, inputs, params = case
    arrays = columns(random_walk(seed=22, n=400), inputs)
    arrays[0][150] = np.nan
    arrays[-1][205:208] = np.nan
    assert_stream_equals_batch(name, params, arrays)


@pytest.mark.parametrize("case", ALL_CASES, ids=case_id)
def test_stream_when_every_input_nan_then_all_nan(case):
    name, inputs, params = case
    arrays = [np.full(60, np.nan) for _ in inputs]
    assert_stream_equals_batch(name, params, arrays)


@pytest.mark.parametrize(
    "case", [c for c in ALL_CASES if c[0] != "realized_volatility"], ids=case_id
)
def test_stream_when_kernel_uses_only_arithmetic_then_bit_identical_to_batch(case, goog):
    # the same float operations in the same order: not merely close, equal (the log of
    # realized_volatility may come from a vector math library in the compiled kernel)
    name, inputs, params = case
    arrays = columns(goog, inputs)
    expected = as_tuple(getattr(ta, name)(*arrays, **params))
    for ours, batch in zip(feed(stream.create(name, **params), arrays), expected, strict=True):
        np.testing.assert_array_equal(ours, batch, err_msg=name)


def test_zscore_when_window_flat_then_nan_in_stream_and_batch():
    # (0.1 + 0.1 + 0.1) / 3 is not 0.1 in floats: a flat window must still be NaN, not z = -1
    close = np.array([0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2])
    batch = ta.zscore(close, timeperiod=3)
    (streamed,) = feed(stream.create("zscore", timeperiod=3), [close])
    assert np.isnan(batch[[0, 1, 2, 3, 6, 7]]).all() and not np.isnan(batch[4:6]).any()
    np.testing.assert_array_equal(streamed, batch)


# --- the protocol -------------------------------------------------------------------------------


def test_available_when_listed_then_covers_every_indicator_of_ta():
    functions = [name for name in ta.__all__ if callable(getattr(ta, name))]
    assert list(stream.available()) == functions
    assert set(stream.available()) == set(ta.TALIB_COMPATIBLE) | set(ta.EXTRA)


@pytest.mark.parametrize("name", stream.available())
def test_indicator_when_declared_then_inputs_and_parameters_match_batch_signature(name):
    cls = stream.INDICATORS[name]
    batch = inspect.signature(getattr(ta, name)).parameters.values()
    assert cls.name == name
    assert cls.inputs == tuple(p.name for p in batch if p.default is inspect.Parameter.empty)
    assert set(cls.inputs) <= {"open", "high", "low", "close", "volume"}
    ours = inspect.signature(cls).parameters.values()
    assert [(p.name, p.default) for p in ours] == [
        (p.name, p.default) for p in batch if p.default is not inspect.Parameter.empty
    ]


@pytest.mark.parametrize("name", stream.available())
def test_indicator_when_updated_then_returns_floats_shaped_like_outputs(name):
    indicator = stream.create(name)
    bars = random_walk(seed=3, n=120)
    for bar in bars.itertuples():
        value = indicator.update(*(getattr(bar, field) for field in indicator.inputs))
    batch = as_tuple(getattr(ta, name)(*columns(bars, indicator.inputs)))
    assert len(indicator.outputs) == len(batch)
    if len(indicator.outputs) == 1:
        assert isinstance(value, float)
    else:
        assert isinstance(value, tuple) and all(isinstance(v, float) for v in value)
    assert not hasattr(indicator, "__dict__")  # __slots__: lean objects updated once a bar


def test_outputs_when_talib_compatible_then_named_as_talib():
    abstract = pytest.importorskip("talib.abstract")
    for name in ta.TALIB_COMPATIBLE:
        names = tuple(abstract.Function(name.upper()).info["output_names"])
        assert stream.INDICATORS[name].outputs == names, name


def test_update_when_warming_up_then_nan_and_first_value_on_batch_bar():
    rsi = stream.create("rsi", timeperiod=3)
    values = [rsi.update(close) for close in [math.nan, 10.0, 11.0, 10.5, 12.0, 12.5]]
    assert all(math.isnan(v) for v in values[:4])
    assert values[4] == ta.rsi(np.array([math.nan, 10.0, 11.0, 10.5, 12.0]), 3)[-1]


def test_create_when_given_batch_function_then_same_as_by_name():
    by_function = stream.create(ta.bbands, timeperiod=10, nbdevup=1.5)
    by_name = stream.create("bbands", timeperiod=10, nbdevup=1.5)
    assert type(by_function) is type(by_name)
    assert (
        by_function.params
        == by_name.params
        == {
            "timeperiod": 10,
            "nbdevup": 1.5,
            "nbdevdn": 2.0,
            "matype": 0,
        }
    )
    assert repr(by_name) == "BBANDS(timeperiod=10, nbdevup=1.5, nbdevdn=2.0, matype=0)"


def test_indicators_when_two_created_then_they_share_no_state():
    first, second = stream.create("ema", timeperiod=3), stream.create("ema", timeperiod=3)
    for close in [1.0, 2.0, 3.0, 4.0]:
        first.update(close)
    assert math.isnan(second.update(10.0))
    assert first.update(5.0) == 4.0


@pytest.mark.parametrize("function", ["smaa", "SMA", "", "TALIB_COMPATIBLE", 42, np.mean])
def test_create_when_unknown_indicator_then_validation_error_names_function(function):
    with pytest.raises(ValidationError) as error:
        stream.create(function)
    assert error.value.field == "function"
    assert "sma" in error.value.fix


def test_create_when_function_only_shares_a_name_then_validation_error():
    def rsi(close, timeperiod=14):  # not signaltrust.ta.rsi
        return close

    with pytest.raises(ValidationError, match="unknown indicator"):
        stream.create(rsi)


BAD_PARAMETERS = [
    ("sma", {"timeperiod": 0}, "timeperiod"),
    ("sma", {"timeperiod": 2.5}, "timeperiod"),
    ("rsi", {"timeperiod": 1}, "timeperiod"),
    ("bbands", {"matype": 5}, "matype"),
    ("bbands", {"nbdevup": math.inf}, "nbdevup"),
    ("macd", {"signalperiod": 0}, "signalperiod"),
    ("stoch", {"slowd_matype": 8}, "slowd_matype"),
    ("stochrsi", {"fastk_period": True}, "fastk_period"),
    ("sar", {"acceleration": -0.1}, "acceleration"),
    ("ultosc", {"timeperiod3": 0}, "timeperiod3"),
    ("adosc", {"slowperiod": 1}, "slowperiod"),
    ("keltner", {"multiplier": 0.0}, "multiplier"),
    ("vwap", {"timeperiod": 0}, "timeperiod"),
    ("realized_volatility", {"periods_per_year": -252}, "periods_per_year"),
    ("ichimoku", {"timeperiod1": 30, "timeperiod2": 26}, "timeperiod1"),
]


@pytest.mark.parametrize(("name", "params", "field"), BAD_PARAMETERS)
def test_create_when_bad_parameter_then_same_validation_error_as_batch(name, params, field):
    with pytest.raises(ValidationError) as streamed:
        stream.create(name, **params)
    assert streamed.value.field == field
    inputs = [np.ones(5)] * len(stream.INDICATORS[name].inputs)
    with pytest.raises(ValidationError) as batch:
        getattr(ta, name)(*inputs, **params)
    assert str(streamed.value) == str(batch.value)


def test_create_when_unknown_parameter_then_validation_error_names_it():
    with pytest.raises(ValidationError) as error:
        stream.create("rsi", period=14)
    assert error.value.field == "period"
    assert "timeperiod" in error.value.fix
