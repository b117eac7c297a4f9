"""TechnicalFeatures: values from signaltrust.ta, scale-free ratios, volume skipped with reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust import ta
from signaltrust.data import load
from signaltrust.features import TechnicalFeatures


@pytest.fixture(scope="module")
def sp500_features():
    bars = load("sp500")
    return bars, TechnicalFeatures().fit_transform(bars)


def test_technical_when_sp500_then_no_nan_after_the_longest_warm_up(sp500_features):
    _, features = sp500_features
    assert not features.iloc[200:].isna().any().any()
    assert features.iloc[:199]["sma_ratio_200"].isna().all()


def test_technical_when_computed_then_equal_to_ta_and_definitions(sp500_features):
    bars, features = sp500_features
    close = bars["close"]
    np.testing.assert_array_equal(features["rsi_14"], ta.rsi(close.to_numpy(), timeperiod=14))
    np.testing.assert_allclose(features["ret_5"], close / close.shift(5) - 1.0, rtol=1e-15)
    _, _, hist = ta.macd(close.to_numpy(), 12, 26, 9)
    np.testing.assert_allclose(features["macd_hist_12_26_9"], hist / close, rtol=1e-15)
    np.testing.assert_allclose(
        features["sma_ratio_50"], close / close.rolling(50).mean() - 1.0, rtol=1e-9, atol=1e-12
    )
    rv = np.log(close).diff().rolling(20).std() * np.sqrt(252)
    np.testing.assert_allclose(features["realized_vol_20"], rv, rtol=1e-9)
    volume = bars["volume"]
    np.testing.assert_allclose(
        features["volume_ratio_20"], volume / volume.rolling(20).mean(), rtol=1e-9
    )


def test_candle_when_bar_constructed_then_shape_ratios_by_hand():
    index = pd.date_range("2020-01-01", periods=2, freq="D", tz="UTC").as_unit("ns")
    bars = pd.DataFrame(
        {"open": [10.0, 11.0], "high": [12.0, 15.0], "low": [9.0, 10.0], "close": [11.0, 12.0]},
        index=index,
    )
    frame = TechnicalFeatures().fit_transform(bars)
    # bar 2: range 5, body +1, upper shadow 15-12=3, lower shadow 11-10=1, gap 11/11-1=0
    assert frame["body_ratio"].iloc[1] == pytest.approx(0.2)
    assert frame["upper_shadow_ratio"].iloc[1] == pytest.approx(0.6)
    assert frame["lower_shadow_ratio"].iloc[1] == pytest.approx(0.2)
    assert frame["gap"].iloc[1] == 0.0
    assert np.isnan(frame["gap"].iloc[0])


@pytest.mark.parametrize("drop", ["absent", "zero", "missing"])
def test_volume_when_bars_have_none_then_group_skipped_with_reason(drop):
    bars = load("goog").iloc[:300]
    if drop == "absent":
        bars = bars.drop(columns=["volume"])
    else:
        bars = bars.assign(volume=0.0 if drop == "zero" else np.nan)
    technical = TechnicalFeatures().fit(bars)
    names = list(technical.get_feature_names_out())
    assert "mfi_14" not in names and "obv_change_20" not in names
    assert "volume" in technical.skipped_ and "volume" in technical.skipped_["volume"]
    frame = technical.transform(bars)
    assert list(frame.columns) == names
    assert frame.attrs["skipped_features"] == technical.skipped_


def test_params_when_changed_then_names_follow():
    technical = TechnicalFeatures(return_horizons=(2, 3), rsi_period=7, macd_periods=(5, 35, 5))
    names = list(technical.get_feature_names_out())
    assert names[:3] == ["ret_2", "ret_3", "rsi_7"]
    assert "macd_hist_5_35_5" in names
