"""Array kernels of the quality checks: NumPy arrays in, NumPy arrays out, no pandas."""

from __future__ import annotations

import numpy as np

# 1.4826 * MAD estimates the standard deviation of normal data
MAD_TO_SIGMA = 1.4826
# sqrt(pi/2) * mean absolute deviation estimates it too; the fallback when MAD is zero
MEAN_AD_TO_SIGMA = 1.2533


def runs_of_true(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start positions and lengths of the runs of True in a boolean array."""
    flags = np.asarray(mask, dtype=bool)
    if flags.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return starts.astype(np.int64), (ends - starts).astype(np.int64)


def robust_z(values: np.ndarray) -> np.ndarray:
    """Robust z-scores: (x - median) / (1.4826 * MAD), NaN where no spread can be measured.

    Falls back to the mean absolute deviation when more than half the values are equal (MAD 0).
    """
    x = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(x)
    out = np.full(x.shape, np.nan)
    if finite.sum() < 3:
        return out
    centre = np.median(x[finite])
    deviation = np.abs(x[finite] - centre)
    scale = MAD_TO_SIGMA * np.median(deviation)
    if scale <= 0:
        scale = MEAN_AD_TO_SIGMA * deviation.mean()
    if scale <= 0:
        return out
    out[finite] = (x[finite] - centre) / scale
    return out


def rows_equal_previous(values: np.ndarray) -> np.ndarray:
    """True where a row of a 2-D array equals the row before (NaN equals NaN); False for row 0."""
    x = np.asarray(values, dtype=np.float64)
    out = np.zeros(x.shape[0], dtype=bool)
    if x.shape[0] < 2:
        return out
    a, b = x[1:], x[:-1]
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    out[1:] = same.all(axis=1)
    return out


def previous_filled_row(has_value: np.ndarray) -> np.ndarray:
    """For each row, the position of the nearest earlier row that has a value (-1 when none)."""
    flags = np.asarray(has_value, dtype=bool)
    positions = np.where(flags, np.arange(flags.size), -1)
    last = np.maximum.accumulate(positions) if flags.size else positions
    previous = np.full(flags.size, -1, dtype=np.int64)
    if flags.size > 1:
        previous[1:] = last[:-1]
    return previous
