"""Causal look-back windows over a feature matrix: the window for sample t ends AT row t.

The rows before the first full window are zero-padded. After standardisation zero is the
training mean, so a padded window carries no information from outside the data given and
nothing from the future. Training uses full windows only (``first_full_window``).
"""

from __future__ import annotations

import numpy as np


def pad_for_windows(features: np.ndarray, lookback: int) -> np.ndarray:
    """Prepend ``lookback - 1`` rows of zeros so every row has a window (float32, contiguous)."""
    pad = np.zeros((lookback - 1, features.shape[1]), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate([pad, features.astype(np.float32)], axis=0))


def gather_windows(padded: np.ndarray, rows: np.ndarray, lookback: int) -> np.ndarray:
    """Windows (len(rows), lookback, n_features) ending at each of ``rows`` of the unpadded data.

    Row t of the original data is row t + lookback - 1 of ``padded``; its window is padded rows
    t .. t + lookback - 1, i.e. original rows t - lookback + 1 .. t. Nothing after t.
    """
    offsets = np.arange(lookback)
    return padded[rows[:, None] + offsets[None, :]]


def make_windows(features: np.ndarray, lookback: int) -> np.ndarray:
    """All windows (n_samples, lookback, n_features); window t ends at row t, zero-padded before."""
    padded = pad_for_windows(features, lookback)
    return gather_windows(padded, np.arange(len(features)), lookback)


def first_full_window(lookback: int) -> int:
    """Index of the first sample whose window holds no padding."""
    return lookback - 1
