"""The learning table of an evaluation: causal features, labels with their end times ``t1``.

Warm-up rows (a feature not computable yet) and rows whose label is not known yet are dropped,
never filled; how many is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from signaltrust.core.bars import validate_bars
from signaltrust.core.errors import ValidationError
from signaltrust.features import (
    Alpha158Features,
    CrossAssetFeatures,
    FeatureSet,
    MacroFeatures,
    TechnicalFeatures,
)
from signaltrust.features.labels import (
    ewm_volatility,
    forward_returns,
    horizon_end_times,
    sign_labels,
    triple_barrier_labels,
)

FEATURE_SETS: dict[str, type[FeatureSet]] = {
    "technical": TechnicalFeatures,
    "alpha158": Alpha158Features,
    "cross_asset": CrossAssetFeatures,
    "macro": MacroFeatures,
}
LABELS = ("triple_barrier", "sign", "forward_return")

FeatureSpec = str | FeatureSet | Sequence[str | FeatureSet]


@dataclass
class LearningTable:
    """Features ``X``, target ``y``, label ends ``t1`` and the forward return, on one index."""

    X: pd.DataFrame
    y: pd.Series
    t1: pd.Series
    forward_return: pd.Series
    bars: pd.DataFrame
    feature_sets: list[str]
    dropped: dict[str, int] = field(default_factory=dict)


def load_data(data: str | pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """A name and the validated bars of a bundled dataset name or a bar DataFrame."""
    if isinstance(data, str):
        from signaltrust.backtest.api import load_bars

        return data, validate_bars(load_bars(data))
    if isinstance(data, pd.DataFrame):
        return str(data.attrs.get("dataset", "custom")), validate_bars(data)
    raise ValidationError(
        "data must be a bundled dataset name or a bar DataFrame", field="data",
        value=type(data).__name__, fix="pass e.g. 'sp500' or a DataFrame with open/high/low/close",
    )


def resolve_features(features: FeatureSpec) -> list[FeatureSet]:
    """Feature-set objects from a name (``"technical"``), a FeatureSet or a list of either."""
    items = [features] if isinstance(features, (str, FeatureSet)) else list(features)
    if not items:
        raise ValidationError("no feature set given", field="features", value=features,
                              fix=f"use one or more of {', '.join(FEATURE_SETS)}")
    out: list[FeatureSet] = []
    for item in items:
        if isinstance(item, FeatureSet):
            out.append(item)
        elif isinstance(item, str) and item.strip().lower() in FEATURE_SETS:
            out.append(FEATURE_SETS[item.strip().lower()]())
        else:
            raise ValidationError("unknown feature set", field="features", value=item,
                                  fix=f"use one of {', '.join(FEATURE_SETS)} or a FeatureSet")
    return out


def compute_features(sets: list[FeatureSet], bars: pd.DataFrame) -> pd.DataFrame:
    """The feature sets' columns side by side (each set is causal: row t uses bars up to t)."""
    frames = [s.fit(bars).transform(bars) for s in sets]
    frame = pd.concat(frames, axis=1) if len(frames) > 1 else frames[0]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise ValidationError("two feature sets produce the same column", field="features",
                              value=duplicated[:5], fix="give the sets different parameters")
    return frame


def make_labels(bars: pd.DataFrame, label: str, horizon: int) -> tuple[pd.Series, pd.Series]:
    """The target and its end times ``t1`` for ``label`` over ``horizon`` bars.

    ``triple_barrier``: 1 when the profit-taking barrier (or a positive return at the vertical
    barrier) comes first, else 0; barriers at +/- ``ewm_volatility * sqrt(horizon)``, touched
    within bars (high/low). ``sign``: 1 when the close ``horizon`` bars later is higher.
    ``forward_return``: that return itself (a regression target).
    """
    close = bars["close"]
    if label == "triple_barrier":
        vol = ewm_volatility(close) * np.sqrt(horizon)
        events = triple_barrier_labels(close, horizon=horizon, pt_sl=(1.0, 1.0), volatility=vol,
                                       high=bars["high"], low=bars["low"])
        y = (events["label"] > 0).astype("float64").where(events["label"].notna())
        return y, events["t1"]
    t1 = horizon_end_times(close.index, horizon)
    if label == "sign":
        sign = sign_labels(close, horizon)
        return (sign > 0).astype("float64").where(sign.notna()), t1
    if label == "forward_return":
        return forward_returns(close, horizon), t1
    raise ValidationError("unknown label", field="label", value=label,
                          fix=f"use one of {', '.join(LABELS)}")


def learning_table(bars: pd.DataFrame, features: FeatureSpec, label: str,
                   horizon: int) -> LearningTable:
    """Features, labels and forward returns on the rows where all are known."""
    if not isinstance(horizon, (int, np.integer)) or isinstance(horizon, bool) or horizon < 1:
        raise ValidationError("horizon must be a whole number of bars >= 1", field="horizon",
                              value=horizon, fix="pass e.g. horizon=10")
    if label not in LABELS:
        raise ValidationError("unknown label", field="label", value=label,
                              fix=f"use one of {', '.join(LABELS)}")
    sets = resolve_features(features)
    X = compute_features(sets, bars)
    y, t1 = make_labels(bars, label, int(horizon))
    fwd = forward_returns(bars["close"], int(horizon))
    has_features = np.isfinite(X.to_numpy(dtype="float64")).all(axis=1)
    first = int(np.argmax(has_features)) if has_features.any() else len(X)
    warm_up = np.arange(len(X)) < first
    known = y.notna().to_numpy() & t1.notna().to_numpy() & fwd.notna().to_numpy()
    keep = has_features & known
    if keep.sum() == 0:
        raise ValidationError("no row has every feature and a known label", field="data",
                              value=f"{len(bars)} bars", fix="pass more bars than the warm-up")
    dropped = {
        "warm_up": int(warm_up.sum()),
        "missing_features_after_warm_up": int((~has_features & ~warm_up).sum()),
        "label_unknown": int((has_features & ~known).sum()),
    }
    return LearningTable(
        X=X.loc[keep], y=y.loc[keep], t1=t1.loc[keep], forward_return=fwd.loc[keep], bars=bars,
        feature_sets=[type(s).__name__ for s in sets], dropped=dropped,
    )
