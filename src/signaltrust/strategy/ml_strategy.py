"""``MLStrategy``: trade a fitted model's score with entry/exit thresholds, sized by confidence.

At each bar's end the strategy computes the model's features from the history up to that bar
only (``ctx.bars(symbol, lookback)``: never a later bar), scores the last row and decides:

- flat and score > ``entry_threshold``: go long, target weight ``max_weight * confidence``
  (``max_weight`` when ``size_by_confidence`` is off);
- long and score < ``exit_threshold``: close the position;
- otherwise hold. The weight is set at entry and not resized while the position is open (a
  daily resize would pay fees for noise).

Score and confidence: a model with ``predict_score`` (the stacked ensemble) gives both;
otherwise the score is ``predict_proba``'s P(class 1) and the confidence is
``predict_confidence`` when the model has it, else ``|2 * score - 1|`` (0 at a coin flip, 1 at
certainty). So with a single model and entry at 0.6 the smallest entry weight is 0.2.

Every decision is recorded in ``decisions_`` (time, symbol, score, confidence, action,
weight): the record the look-ahead test compares on truncated data.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.features import (
    Alpha158Features,
    CrossAssetFeatures,
    FeatureSet,
    MacroFeatures,
    TechnicalFeatures,
)
from signaltrust.strategy.api import Bar, Context, Strategy
from signaltrust.strategy.base import Param

_SETS: dict[str, type[FeatureSet]] = {
    "technical": TechnicalFeatures, "alpha158": Alpha158Features,
    "cross_asset": CrossAssetFeatures, "macro": MacroFeatures,
}


def feature_sets(features: Any) -> list[FeatureSet]:
    """Feature-set objects from a name (``"technical"``), a FeatureSet or a list of either."""
    items = [features] if isinstance(features, (str, FeatureSet)) else list(features or [])
    out: list[FeatureSet] = []
    for item in items:
        if isinstance(item, FeatureSet):
            out.append(item)
        elif isinstance(item, str) and item in _SETS:
            out.append(_SETS[item]())
        else:
            raise ValidationError("unknown feature set", field="features", value=item,
                                  fix=f"use one of {', '.join(_SETS)} or a FeatureSet")
    if not out:
        raise ValidationError("no feature set given", field="features", value=features,
                              fix="pass 'technical' or the FeatureSet the model was trained on")
    return out


def model_score(model: Any, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Score in [0, 1] and confidence in [0, 1] of every row of ``X`` (see the module doc)."""
    if hasattr(model, "predict_score"):
        frame = model.predict_score(X)
        return (np.asarray(frame["score"], dtype="float64"),
                np.asarray(frame["confidence"], dtype="float64"))
    classes = list(getattr(model, "classes_", [0, 1]))
    proba = np.asarray(model.predict_proba(X), dtype="float64")
    score = proba[:, classes.index(1)] if 1 in classes else proba[:, -1]
    if hasattr(model, "predict_confidence"):
        confidence = np.asarray(model.predict_confidence(X), dtype="float64")
    else:
        confidence = np.abs(2.0 * score - 1.0)
    return score, np.clip(confidence, 0.0, 1.0)


class MLStrategy(Strategy):
    """Trade a fitted classifier's score: enter above one threshold, exit below another.

    ``model``: any fitted SignalTrust/scikit-learn classifier trained on ``features`` (a set
    name such as ``"technical"``, a FeatureSet or a list, computed exactly as in training).
    ``lookback``: bars of history the features are computed on at each bar (0: the whole
    history, exactly what a full-history computation gives, at a cost growing with the bar
    count; recursive indicators such as EMA(200) need a few times their period to converge).
    """

    name: ClassVar[str] = "ml"
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("entry_threshold", 0.6, "float", 0.0, 1.0, doc="enter long above this score"),
        Param("exit_threshold", 0.5, "float", 0.0, 1.0, doc="close the long below this score"),
        Param("size_by_confidence", True, "bool", doc="weight = max_weight x confidence"),
        Param("max_weight", 1.0, "float", 0.0, 10.0, doc="largest target weight of equity"),
        Param("lookback", 500, "int", 0, 1_000_000, doc="bars the features see (0 = all)"),
    )

    def __init__(self, model: Any, features: Any = "technical", **params: Any) -> None:
        super().__init__(**params)
        self.model = model
        self.features = features
        self.decisions_: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"MLStrategy({type(self.model).__name__}, {self.features!r}{args})"

    def check(self, params: dict[str, Any]) -> None:
        if params["exit_threshold"] > params["entry_threshold"]:
            raise ValidationError(
                "exit_threshold is above entry_threshold", field="ml.exit_threshold",
                value=params["exit_threshold"],
                fix=f"pass an exit threshold <= entry_threshold ({params['entry_threshold']})",
            )
        if not hasattr(self.model, "predict_proba") and not hasattr(self.model, "predict_score"):
            raise ValidationError("the model gives no probability", field="model",
                                  value=type(self.model).__name__,
                                  fix="pass a fitted classifier (predict_proba)")

    def on_start(self, ctx: Context) -> None:
        self._sets = feature_sets(self.features)
        self._columns = list(getattr(self.model, "feature_names_in_", []))
        self._orders: dict[str, str] = {}
        self.decisions_ = []

    def features_now(self, ctx: Context, symbol: str) -> pd.DataFrame:
        """The feature row of the current bar of ``symbol``, from history up to it only."""
        window = ctx.bars(symbol, self.p.lookback or None)
        frames = [s.fit(window).transform(window).iloc[[-1]] for s in self._sets]
        row = pd.concat(frames, axis=1) if len(frames) > 1 else frames[0]
        return row[self._columns] if self._columns else row

    def _busy(self, ctx: Context, symbol: str) -> bool:
        """True while this strategy's last order of ``symbol`` waits for release or a fill."""
        order_id = self._orders.get(symbol)
        if order_id is None:
            return False
        if ctx.is_pending(order_id):
            return True
        return any(o.client_order_id == order_id for o in ctx.open_orders(symbol))

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        symbol = bar.symbol
        row = self.features_now(ctx, symbol)
        record: dict[str, Any] = {"time": bar.time, "symbol": symbol, "score": float("nan"),
                                  "confidence": float("nan"), "action": "warm_up", "weight": 0.0}
        self.decisions_.append(record)
        if not np.isfinite(row.to_numpy(dtype="float64")).all():
            return  # warm-up: a feature is not computable yet; no score, no trade
        score, confidence = (float(v[0]) for v in model_score(self.model, row))
        record.update(score=score, confidence=confidence, action="hold")
        if self._busy(ctx, symbol):
            record["action"] = "wait"
            return
        long = ctx.position(symbol) > 0
        if not long and score > self.p.entry_threshold:
            weight = self.p.max_weight * (confidence if self.p.size_by_confidence else 1.0)
            if weight > 0:
                self._orders[symbol] = ctx.order_target_weight(symbol, weight, tag="ml_entry")
                record.update(action="enter", weight=weight)
        elif long and score < self.p.exit_threshold:
            self._orders[symbol] = ctx.order_target_weight(symbol, 0.0, tag="ml_exit")
            record.update(action="exit", weight=0.0)

    def decisions(self) -> pd.DataFrame:
        """The decisions taken so far, one row per bar and symbol."""
        return pd.DataFrame(self.decisions_)


__all__ = ["MLStrategy", "feature_sets", "model_score"]
