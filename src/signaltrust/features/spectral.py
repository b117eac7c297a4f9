"""Wavelet and Fourier features of the log returns, each computed on a trailing window only.

The value at bar t transforms the ``window`` log returns ending at t, nothing after it: a
trailing window, never a transform of the whole column (which would leak the future into
every coefficient). Both are :class:`~signaltrust.features.base.FeatureSet` transformers.

- :class:`WaveletFeatures`: a discrete wavelet decomposition (PyWavelets ``wavedec``,
  ``periodization`` mode, so the coefficients are an orthogonal transform of the window) and
  the share of the window's energy in each detail level and in the approximation;
- :class:`FourierFeatures`: the real FFT of the demeaned window, the share of power in
  ``bands`` equal frequency bands, the dominant period (in bars) and the spectral entropy.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from signaltrust.core.errors import ValidationError
from signaltrust.features.base import FeatureSet, column


def _log_returns(bars: pd.DataFrame) -> np.ndarray:
    close = column(bars, "close")
    out = np.full(len(close), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[1:] = np.log(close[1:] / close[:-1])
    return out


def _windows(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing windows: row j holds the ``window`` values ending at position j + window - 1."""
    if len(values) < window:
        return np.empty((0, window))
    return sliding_window_view(values, window)


def _check_window(window: int, minimum: int) -> int:
    if not isinstance(window, int | np.integer) or window < minimum:
        raise ValidationError("window is too short", field="window", value=window,
                              fix=f"pass window >= {minimum}")
    return int(window)


class WaveletFeatures(FeatureSet):
    """Energy shares of a wavelet decomposition of the trailing ``window`` log returns.

    Columns ``wavelet_d1`` (finest detail) ... ``wavelet_d{level}`` and ``wavelet_a{level}``
    (the approximation); they sum to 1 where the window has any movement.
    """

    version: ClassVar[str] = "1"

    def __init__(self, window: int = 64, wavelet: str = "db4", level: int = 3) -> None:
        self.window = window
        self.wavelet = wavelet
        self.level = level

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        import pywt

        window = _check_window(self.window, 4)
        if self.wavelet not in pywt.wavelist(kind="discrete"):
            raise ValidationError("unknown wavelet", field="wavelet", value=self.wavelet,
                                  fix="use a discrete wavelet such as db4, haar, sym5")
        most = pywt.dwt_max_level(window, self.wavelet)
        if not isinstance(self.level, int | np.integer) or not 1 <= self.level <= max(most, 1):
            raise ValidationError("level does not fit the window", field="level",
                                  value=self.level,
                                  fix=f"pass 1 <= level <= {max(most, 1)} or a longer window")
        names = [f"wavelet_d{j}" for j in range(1, self.level + 1)]
        return [*names, f"wavelet_a{self.level}"], {}

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        import pywt

        names, _ = self._plan(bars)
        n = len(bars)
        out = {name: np.full(n, np.nan) for name in names}
        windows = _windows(_log_returns(bars), int(self.window))
        if not len(windows):
            return out
        coeffs = pywt.wavedec(windows, self.wavelet, level=int(self.level),
                              mode="periodization", axis=-1)
        energy = [np.sum(c * c, axis=-1) for c in coeffs]  # [a_L, d_L, ..., d_1]
        total = np.sum(energy, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = [np.where(total > 0, e / total, np.nan) for e in energy]
        start = int(self.window) - 1
        out[f"wavelet_a{self.level}"][start:] = shares[0]
        for j in range(1, int(self.level) + 1):
            out[f"wavelet_d{j}"][start:] = shares[len(coeffs) - j]
        return out


class FourierFeatures(FeatureSet):
    """Spectral shape of the trailing ``window`` log returns: power shares in ``bands`` equal
    frequency bands (``fourier_band_1`` the slowest), ``fourier_period`` (the dominant period
    in bars) and ``fourier_entropy`` (0: one frequency; 1: white noise)."""

    version: ClassVar[str] = "1"

    def __init__(self, window: int = 64, bands: int = 4) -> None:
        self.window = window
        self.bands = bands

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        window = _check_window(self.window, 8)
        if not isinstance(self.bands, int | np.integer) or not 1 <= self.bands <= window // 2:
            raise ValidationError("bands does not fit the window", field="bands",
                                  value=self.bands, fix=f"pass 1 <= bands <= {window // 2}")
        names = [f"fourier_band_{j}" for j in range(1, self.bands + 1)]
        return [*names, "fourier_period", "fourier_entropy"], {}

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        names, _ = self._plan(bars)
        n, window = len(bars), int(self.window)
        out = {name: np.full(n, np.nan) for name in names}
        windows = _windows(_log_returns(bars), window)
        if not len(windows):
            return out
        centred = windows - windows.mean(axis=1, keepdims=True)
        power = np.abs(np.fft.rfft(centred, axis=1))[:, 1:] ** 2  # without the mean (k = 0)
        total = power.sum(axis=1)
        start = window - 1
        edges = np.linspace(0, power.shape[1], int(self.bands) + 1).round().astype(int)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total[:, None] > 0, power / total[:, None], np.nan)
            for j in range(int(self.bands)):
                out[f"fourier_band_{j + 1}"][start:] = share[:, edges[j]:edges[j + 1]].sum(axis=1)
            out["fourier_period"][start:] = np.where(
                total > 0, window / (np.argmax(power, axis=1) + 1.0), np.nan)
            logs = np.where(share > 0, np.log(share), 0.0)
            out["fourier_entropy"][start:] = -(share * logs).sum(axis=1) / np.log(
                power.shape[1])
        return out


__all__ = ["FourierFeatures", "WaveletFeatures"]
