"""Microstructure features of bars as a feature set: equal to the functions, a reference for
the bulk-classified imbalance, causal under the look-ahead detector, volume-free bars handled."""

from __future__ import annotations

import math

import numpy as np
import pytest

from signaltrust.data import load
from signaltrust.data.info_bars import volume_bars
from signaltrust.features.microstructure import amihud, kyle_lambda, roll_spread
from signaltrust.features.microstructure_set import MicrostructureFeatures, bvc_imbalance
from signaltrust.optimize.lookahead import check_features
from tests.microstructure.conftest import make_trades


@pytest.fixture(scope="module")
def bars():
    return load("goog").iloc[-600:]


def test_feature_set_when_transformed_then_columns_equal_the_functions(bars):
    out = MicrostructureFeatures(windows=(20,)).transform(bars)
    assert list(out.columns) == ["kyle_lambda_20", "amihud_20", "roll_spread_20",
                                 "bvc_imbalance_20"]
    assert np.allclose(out["kyle_lambda_20"], kyle_lambda(bars, 20), equal_nan=True)
    assert np.allclose(out["amihud_20"], amihud(bars, 20), equal_nan=True)
    assert np.allclose(out["roll_spread_20"], roll_spread(bars["close"], 20), equal_nan=True)


def test_bvc_imbalance_when_computed_then_equal_reference_loop():
    bars = volume_bars(make_trades(4000), 40.0)
    got = bvc_imbalance(bars["close"], bars["volume"], 10)
    close, volume = bars["close"].to_numpy(), bars["volume"].to_numpy()
    dp = np.diff(close, prepend=np.nan)
    for t in range(20, len(bars)):
        num = den = 0.0
        for k in range(t - 9, t + 1):
            past = dp[k - 9:k + 1]
            sd = np.std(past, ddof=1)
            share = 0.5 * (1 + math.erf(dp[k] / sd / math.sqrt(2)))
            num += abs(2 * share - 1) * volume[k]
            den += volume[k]
        assert got[t] == pytest.approx(num / den, rel=1e-9)


def test_feature_set_when_checked_for_lookahead_then_clean(bars):
    assert check_features(bars, MicrostructureFeatures(windows=(10, 30)), n_points=6).clean


def test_feature_set_when_bars_have_no_volume_then_volume_features_skipped_with_reason(bars):
    features = MicrostructureFeatures(windows=(10,)).fit(bars.drop(columns="volume"))
    assert list(features.get_feature_names_out()) == ["roll_spread_10"]
    assert "volume" in features.skipped_
