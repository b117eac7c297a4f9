"""Wavelet and Fourier features: equal to a per-window reference, and causal (future data
altered or removed leaves every past value unchanged)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import pywt

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.features.spectral import FourierFeatures, WaveletFeatures
from signaltrust.optimize.lookahead import check_features


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return load("goog").iloc[-700:]


def _returns(bars: pd.DataFrame) -> np.ndarray:
    return np.diff(np.log(bars["close"].to_numpy()))


def test_wavelet_when_computed_then_equal_wavedec_of_the_trailing_window(bars):
    out = WaveletFeatures(window=32, wavelet="db2", level=3).transform(bars)
    returns = _returns(bars)
    for t in (32, 33, 100, 699):
        window = returns[t - 32:t]  # the 32 returns ending at bar t
        coeffs = pywt.wavedec(window, "db2", level=3, mode="periodization")
        energy = np.array([np.sum(c ** 2) for c in coeffs])
        expected = energy / energy.sum()
        got = out.iloc[t][["wavelet_a3", "wavelet_d3", "wavelet_d2", "wavelet_d1"]].to_numpy()
        assert np.allclose(got, expected, rtol=1e-10)
    assert out.iloc[:32].isna().all().all()
    assert np.allclose(out.dropna().sum(axis=1), 1.0)


def test_fourier_when_computed_then_equal_fft_of_the_trailing_window(bars):
    out = FourierFeatures(window=32, bands=4).transform(bars)
    returns = _returns(bars)
    for t in (40, 699):
        window = returns[t - 32:t]
        power = np.abs(np.fft.rfft(window - window.mean()))[1:] ** 2
        share = power / power.sum()
        assert out.iloc[t]["fourier_band_1"] == pytest.approx(share[:4].sum())
        assert out.iloc[t]["fourier_period"] == pytest.approx(32 / (np.argmax(power) + 1))
        entropy = -(share * np.log(share)).sum() / np.log(len(share))
        assert out.iloc[t]["fourier_entropy"] == pytest.approx(entropy)


def test_fourier_when_series_is_a_pure_cycle_then_dominant_period_and_low_entropy_found():
    index = pd.date_range("2024-01-01", periods=300, freq="D", tz="UTC")
    close = 100 * np.exp(0.01 * np.sin(2 * np.pi * np.arange(300) / 16))
    frame = pd.DataFrame({"open": close, "high": close, "low": close, "close": close},
                         index=index)
    out = FourierFeatures(window=64, bands=4).transform(frame).iloc[-1]
    assert out["fourier_period"] == pytest.approx(16.0)
    assert out["fourier_entropy"] < 0.2


@pytest.mark.parametrize("features", [WaveletFeatures(window=32, level=2),
                                      FourierFeatures(window=32)])
def test_spectral_when_future_data_altered_then_past_values_unchanged(bars, features):
    full = features.transform(bars)
    altered = bars.copy()
    altered.iloc[400:, :4] = altered.iloc[400:, :4].to_numpy() * np.linspace(
        0.5, 2.0, 300)[:, None]
    changed = features.transform(altered)
    pd.testing.assert_frame_equal(full.iloc[:400], changed.iloc[:400])
    assert not full.iloc[400:].equals(changed.iloc[400:])


@pytest.mark.parametrize("features", [WaveletFeatures(window=32, level=2),
                                      FourierFeatures(window=32)])
def test_spectral_when_checked_for_lookahead_then_clean(bars, features):
    assert check_features(bars, features, n_points=6, seed=0).clean


def test_spectral_when_parameters_do_not_fit_then_validation_error(bars):
    with pytest.raises(ValidationError, match="level"):
        WaveletFeatures(window=16, level=6).transform(bars)
    with pytest.raises(ValidationError, match="unknown wavelet"):
        WaveletFeatures(wavelet="nope").transform(bars)
    with pytest.raises(ValidationError, match="bands"):
        FourierFeatures(window=16, bands=9).transform(bars)
