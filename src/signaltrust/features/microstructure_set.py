"""Microstructure features of ordinary bars as a feature set (for models and the look-ahead
detector): Kyle's lambda, Amihud's illiquidity, Roll's spread and the bulk-classified order
imbalance, each over the trailing ``window`` bars.

The bulk-classified imbalance is VPIN's statistic on bars instead of equal-volume buckets:
each bar's buy share is Phi(dP / sigma), sigma the standard deviation of the close's changes
over the trailing window; the feature is the volume-weighted mean |2 x buy share - 1| over the
window. On bars built by volume (``signaltrust.data.info_bars.volume_bars``) it is VPIN.
"""

from __future__ import annotations

from math import erf, sqrt
from typing import ClassVar

import numpy as np
import pandas as pd

from signaltrust.features.base import FeatureSet, check_periods, has_volume
from signaltrust.features.microstructure import amihud, kyle_lambda, roll_spread

_erf = np.vectorize(erf, otypes=[float])


class MicrostructureFeatures(FeatureSet):
    """``kyle_lambda_{w}``, ``amihud_{w}``, ``roll_spread_{w}`` and ``bvc_imbalance_{w}``
    for each ``w`` in ``windows``; the volume features are skipped on bars without volume."""

    version: ClassVar[str] = "1"

    def __init__(self, windows: tuple[int, ...] = (50,)) -> None:
        self.windows = windows

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        windows = check_periods("windows", self.windows, 3)
        volume = bars is None or has_volume(bars)
        names, skipped = [], {}
        for w in windows:
            if volume:
                names += [f"kyle_lambda_{w}", f"amihud_{w}"]
            names.append(f"roll_spread_{w}")
            if volume:
                names.append(f"bvc_imbalance_{w}")
        if not volume:
            skipped["volume"] = "the bars have no volume: Kyle, Amihud and BVC left out"
        return names, skipped

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        names, _ = self._plan(bars)
        out: dict[str, np.ndarray] = {}
        close = bars["close"].astype(float)
        for w in check_periods("windows", self.windows, 3):
            if f"kyle_lambda_{w}" in names:
                out[f"kyle_lambda_{w}"] = kyle_lambda(bars, w).to_numpy()
                out[f"amihud_{w}"] = amihud(bars, w).to_numpy()
            out[f"roll_spread_{w}"] = roll_spread(close, w).to_numpy()
            if f"bvc_imbalance_{w}" in names:
                out[f"bvc_imbalance_{w}"] = bvc_imbalance(close, bars["volume"], w)
        return {name: out[name] for name in names}


def bvc_imbalance(close: pd.Series, volume: pd.Series, window: int) -> np.ndarray:
    """Volume-weighted mean |2 Phi(dP / sigma) - 1| over the trailing ``window`` bars."""
    dp = close.astype(float).diff()
    sigma = dp.rolling(window).std()
    z = (dp / sigma.where(sigma > 0)).to_numpy()
    share = np.where(np.isfinite(z), 0.5 * (1.0 + _erf(np.nan_to_num(z) / sqrt(2.0))), np.nan)
    v = volume.astype(float).to_numpy()
    weighted = pd.Series(np.abs(2.0 * share - 1.0) * v).rolling(window).sum()
    total = pd.Series(np.where(np.isfinite(share), v, np.nan)).rolling(window).sum()
    return (weighted / total.where(total > 0)).to_numpy()


__all__ = ["MicrostructureFeatures", "bvc_imbalance"]
