"""What an RL agent observes: causal feature sets, a column selection, and a training scaler.

An observation at bar t is built from the feature sets of ``signaltrust.features`` computed on
the bars up to the close of t (every set is causal: a test truncates the data after t and
finds the row unchanged), scaled with the mean and standard deviation of the *training*
rows only, then clipped. :class:`NextBarReturn` is the one deliberate exception: it reads the
next bar and exists only for the leak check (an environment that cannot teach an agent to
exploit a leak could not teach it anything).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from signaltrust.core.errors import ValidationError
from signaltrust.features import (
    Alpha158Features,
    CrossAssetFeatures,
    FeatureSet,
    MacroFeatures,
    TechnicalFeatures,
)
from signaltrust.features.base import column, validate_feature_bars

SETS: dict[str, type[FeatureSet]] = {
    "technical": TechnicalFeatures, "alpha158": Alpha158Features,
    "cross_asset": CrossAssetFeatures, "macro": MacroFeatures,
}


class SelectedFeatures(FeatureSet):
    """Some columns of another feature set (``SelectedFeatures(TechnicalFeatures(),
    ["rsi_14", "bb_pctb_20"])``): what a family agent observes. Causal as its base."""

    def __init__(self, base: FeatureSet | None = None, columns: Sequence[str] = ()) -> None:
        self.base = base
        self.columns = columns

    def _base(self) -> FeatureSet:
        return self.base if self.base is not None else TechnicalFeatures()

    def _required_columns(self) -> tuple[str, ...]:
        return self._base()._required_columns()

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        names, skipped = self._base()._plan(bars)
        missing = [c for c in self.columns if c not in names]
        if missing:
            raise ValidationError(
                "the feature set does not give these columns", field="columns", value=missing,
                fix=f"choose among {', '.join(names)}",
            )
        return list(self.columns), skipped

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        values = self._base()._compute(bars)
        return {name: values[name] for name in self.columns}


class NextBarReturn(FeatureSet):
    """The return of the NEXT bar, ``close[t+1] / open[t+1] - 1``: a deliberate leak.

    Not causal on purpose: the leak check gives it to an agent to show that the environment can
    teach (the agent learns to exploit it) and that the same agent without it earns an honest
    result. Never use it for anything else.
    """

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        return ["leak_next_return"], {}

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        o, c = column(bars, "open"), column(bars, "close")
        out = np.full(len(c), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:-1] = c[1:] / o[1:] - 1.0
        return {"leak_next_return": out}


FeatureSpec = str | FeatureSet | Sequence[str | FeatureSet]


def resolve_sets(features: FeatureSpec) -> list[FeatureSet]:
    """Feature-set objects from a name (``"technical"``), a FeatureSet or a list of either."""
    items = [features] if isinstance(features, (str, FeatureSet)) else list(features or [])
    out: list[FeatureSet] = []
    for item in items:
        if isinstance(item, FeatureSet):
            out.append(item)
        elif isinstance(item, str) and item.strip().lower() in SETS:
            out.append(SETS[item.strip().lower()]())
        else:
            raise ValidationError("unknown feature set", field="features", value=item,
                                  fix=f"use one of {', '.join(SETS)} or a FeatureSet")
    if not out:
        raise ValidationError("no feature set given", field="features", value=features,
                              fix="pass 'technical' or a FeatureSet")
    return out


def feature_frame(bars: pd.DataFrame, features: FeatureSpec) -> pd.DataFrame:
    """The causal features of every bar: the sets' columns side by side (float64, NaN kept)."""
    validate_feature_bars(bars)
    frames = [s.fit(bars).transform(bars) for s in resolve_sets(features)]
    frame = pd.concat(frames, axis=1) if len(frames) > 1 else frames[0]
    if frame.columns.duplicated().any():
        dup = list(frame.columns[frame.columns.duplicated()])
        raise ValidationError("two feature sets give the same column", field="features",
                              value=dup, fix="pass each feature once")
    if frame.shape[1] == 0:
        raise ValidationError("the feature sets give no column on these bars",
                              field="features", value=features,
                              fix="choose features the bars allow (volume ones need volume)")
    return frame


def first_complete_row(matrix: np.ndarray) -> int:
    """The first row whose features are all finite (the end of the warm-up); ValidationError
    when no row is."""
    complete = np.flatnonzero(np.isfinite(matrix).all(axis=1))
    if complete.size == 0:
        raise ValidationError(
            "no bar has every feature computable", field="bars", value=f"{len(matrix)} bars",
            fix="pass more bars than the longest feature window (e.g. 260 for 'technical')",
        )
    return int(complete[0])


class FeatureScaler(BaseEstimator):
    """Standardise features with the training rows' mean and standard deviation, then clip.

    ``fit(X)`` uses the finite values of each column (rows of the training span only);
    ``transform`` gives ``(x - mean) / std`` clipped to ``[-clip, clip]`` as float32, with a
    missing value read as the training mean (0). A constant column keeps scale 1.
    """

    def __init__(self, clip: float = 5.0) -> None:
        self.clip = clip

    def fit(self, X: Any, y: Any = None) -> FeatureScaler:
        values = np.asarray(X, dtype=np.float64)
        finite = np.where(np.isfinite(values), values, np.nan)
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(finite, axis=0) if len(values) else np.zeros(values.shape[1])
            std = np.nanstd(finite, axis=0) if len(values) else np.ones(values.shape[1])
        mean = np.where(np.isfinite(mean), mean, 0.0)
        std = np.where(np.isfinite(std) & (std > 1e-12), std, 1.0)
        self.mean_, self.scale_ = mean, std
        self.n_features_in_ = values.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        values = np.asarray(X, dtype=np.float64)
        if values.shape[-1] != self.n_features_in_:
            raise ValidationError(
                "the features differ from those the scaler was fitted on", field="features",
                value=f"{values.shape[-1]} columns, fitted on {self.n_features_in_}",
                fix="observe the bars with the feature sets the agent was trained on",
            )
        with np.errstate(invalid="ignore"):
            out = (values - self.mean_) / self.scale_
        out = np.where(np.isfinite(out), out, 0.0)
        return np.clip(out, -self.clip, self.clip).astype(np.float32)


def symbol_frames(bars: pd.DataFrame | Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``{symbol: bars}`` from one frame (symbol ``asset``, or its ``attrs['dataset']``) or a
    mapping; several symbols must share one index (a portfolio steps them together)."""
    if isinstance(bars, pd.DataFrame):
        name = str(bars.attrs.get("dataset") or "asset")
        frames = {name: bars}
    elif isinstance(bars, Mapping) and bars:
        frames = {str(k): v for k, v in bars.items()}
    else:
        raise ValidationError("bars must be a DataFrame or {symbol: DataFrame}", field="bars",
                              value=type(bars).__name__,
                              fix="pass signaltrust.data.load('sp500') or {'a': df_a, 'b': df_b}")
    first = next(iter(frames.values()))
    for symbol, frame in frames.items():
        validate_feature_bars(frame)
        if not frame.index.equals(first.index):
            raise ValidationError(
                "the symbols' bars do not share one index", field=f"bars[{symbol!r}]",
                value=f"{len(frame)} bars from {frame.index[0]} to {frame.index[-1]}",
                fix="align them first, e.g. common = a.index.intersection(b.index) and pass "
                    "{'a': a.loc[common], 'b': b.loc[common]}",
            )
    return frames


__all__ = ["SETS", "FeatureScaler", "FeatureSpec", "NextBarReturn", "SelectedFeatures",
           "feature_frame", "first_complete_row", "resolve_sets", "symbol_frames"]
