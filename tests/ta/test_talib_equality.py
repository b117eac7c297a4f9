"""Indicators equal TA-Lib's to 1e-9, with NaN exactly over TA-Lib's warm-up."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from signaltrust import ta

from .cases import TALIB_CASES, case_id

talib = pytest.importorskip("talib")
abstract = pytest.importorskip("talib.abstract")


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def assert_equal_to_talib(name: str, inputs: tuple[str, ...], params: dict, frame) -> None:
    arrays = [frame[column].to_numpy(dtype=float) for column in inputs]
    expected = _as_tuple(getattr(talib, name.upper())(*arrays, **params))
    actual = _as_tuple(getattr(ta, name)(*arrays, **params))
    assert len(actual) == len(expected)
    for ours, theirs in zip(actual, expected, strict=True):
        assert isinstance(ours, np.ndarray)
        np.testing.assert_array_equal(
            np.isnan(ours), np.isnan(theirs), err_msg=f"{name}: warm-up NaN differ"
        )
        scale = max(1.0, float(np.nanmax(np.abs(theirs)))) if not np.isnan(theirs).all() else 1.0
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9 * scale, err_msg=name)


@pytest.mark.parametrize("case", TALIB_CASES, ids=case_id)
def test_indicator_when_random_walk_then_equals_talib(case, walk):
    assert_equal_to_talib(*case, walk)


@pytest.mark.parametrize("case", TALIB_CASES, ids=case_id)
def test_indicator_when_goog_daily_then_equals_talib(case, goog):
    assert_equal_to_talib(*case, goog)


@pytest.mark.parametrize("case", TALIB_CASES, ids=case_id)
def test_indicator_when_sp500_daily_then_equals_talib(case, sp500):
    assert_equal_to_talib(*case, sp500)


@pytest.mark.parametrize("name", ta.TALIB_COMPATIBLE)
def test_signature_when_compared_with_talib_then_same_parameters_and_defaults(name):
    info = abstract.Function(name.upper()).info
    ours = {
        key: value.default
        for key, value in inspect.signature(getattr(ta, name)).parameters.items()
        if value.default is not inspect.Parameter.empty
    }
    assert ours == dict(info["parameters"])
    inputs = [
        p
        for p in inspect.signature(getattr(ta, name)).parameters.values()
        if p.default is inspect.Parameter.empty
    ]
    talib_inputs = []
    for value in info["input_names"].values():
        talib_inputs += value if isinstance(value, list) else [value]
    assert [p.name for p in inputs] == talib_inputs


def test_indicator_when_input_starts_with_nan_then_skips_them_like_talib(goog):
    close = goog["close"].to_numpy(dtype=float).copy()
    close[:7] = np.nan
    for name, params in [("rsi", {}), ("ema", {"timeperiod": 10}), ("macd", {}), ("bbands", {})]:
        for ours, theirs in zip(
            _as_tuple(getattr(ta, name)(close, **params)),
            _as_tuple(getattr(talib, name.upper())(close, **params)),
            strict=True,
        ):
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_indicator_when_high_low_start_with_nan_then_skips_them_like_talib(walk):
    high = walk["high"].to_numpy(dtype=float).copy()
    low = walk["low"].to_numpy(dtype=float)
    close = walk["close"].to_numpy(dtype=float)
    high[:3] = np.nan
    np.testing.assert_allclose(ta.adx(high, low, close), talib.ADX(high, low, close), rtol=1e-9)
    np.testing.assert_allclose(ta.sar(high, low), talib.SAR(high, low), rtol=1e-9)
