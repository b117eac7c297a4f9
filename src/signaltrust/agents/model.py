"""The meta-model behind the explained signal: P(rise over the horizon) on technical features.

:class:`SignalModel` (scikit-learn contract) fits a LightGBM classifier on
:class:`~signaltrust.features.technical.TechnicalFeatures` to the label "the close ``horizon``
bars later is higher", using only rows whose label was known at the last bar (a row t is
labelled at t + horizon), and a Gaussian-mixture regime detector on the same bars. It
explains the latest bar with SHAP (tree explainer, against a sample of its training rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.agents.base import MLView, clip
from signaltrust.core.errors import ValidationError

#: bars the last bar's features are computed on (the longest window is 200 bars)
VIEW_BARS = 1200
#: training rows SHAP measures contributions against
BACKGROUND = 50


class SignalModel:
    """LightGBM on the technical features, labelled by the sign of the forward return."""

    def __init__(self, horizon: int = 10, n_estimators: int = 60, train_bars: int = 2500,
                 random_state: int = 0) -> None:
        self.horizon = horizon
        self.n_estimators = n_estimators
        self.train_bars = train_bars
        self.random_state = random_state

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {"horizon": self.horizon, "n_estimators": self.n_estimators,
                "train_bars": self.train_bars, "random_state": self.random_state}

    @staticmethod
    def features(bars: pd.DataFrame) -> pd.DataFrame:
        from signaltrust.features.technical import TechnicalFeatures

        short = len(bars) < 400
        features = TechnicalFeatures(
            return_horizons=(1, 5, 10) if short else (1, 5, 10, 20, 60),
            ma_periods=(10, 20) if short else (10, 20, 50, 200),
            vol_periods=(20,) if short else (20, 60))
        return features.fit(bars).transform(bars)

    def fit(self, bars: pd.DataFrame, y: Any = None) -> SignalModel:
        from signaltrust.ml.models.gbm import LGBMClassifierModel
        from signaltrust.ml.regimes import GMMRegimes

        table = self.features(bars)
        close = bars["close"].astype(float)
        h = self.horizon if len(bars) >= 400 else min(self.horizon, 3)
        label = (close.shift(-h) > close).astype(float)
        known = np.arange(len(bars)) < len(bars) - h  # labels decided by the last bar
        rows = table[known & table.notna().all(axis=1).to_numpy()].iloc[-self.train_bars:]
        if len(rows) < 50:
            raise ValidationError(f"too few bars to train the signal model ({len(rows)})",
                                  field="bars", value=len(bars),
                                  fix="use a series with a few hundred bars or more")
        target = label.loc[rows.index].astype(int)
        self.horizon_ = h
        self.classifier_ = LGBMClassifierModel(
            n_estimators=self.n_estimators, num_leaves=15, min_child_samples=20, n_jobs=1,
            random_state=self.random_state).fit(rows, target)
        self.columns_ = list(rows.columns)
        self.background_ = rows.sample(min(BACKGROUND, len(rows)), random_state=self.random_state)
        self.train_rows_ = len(rows)
        self.train_end_ = rows.index[-1]
        try:
            self.regimes_: Any = GMMRegimes(n_regimes=3, n_init=1,
                                            random_state=self.random_state).fit(
                bars.iloc[-2000:])
        except (ValidationError, ValueError):
            self.regimes_ = None
        return self

    def explain(self, rows: pd.DataFrame) -> Any:
        """SHAP contributions of ``rows`` to the probability of a rise: the interventional tree
        explainer over the training background, as :func:`signaltrust.ml.explain.explain`
        computes it, built once per trained model (building it costs more than using it)."""
        from signaltrust.ml.explanation import Explanation

        if getattr(self, "explainer_", None) is None:
            import shap

            self.explainer_ = shap.TreeExplainer(
                self.classifier_.booster_, data=self.background_.to_numpy(dtype=np.float64),
                model_output="probability", feature_perturbation="interventional")
        values = self.explainer_(rows.to_numpy(dtype=np.float64), check_additivity=False)
        base = np.broadcast_to(np.asarray(values.base_values, dtype=np.float64).reshape(-1),
                               (len(rows),))
        return Explanation(
            values=pd.DataFrame(np.asarray(values.values), index=rows.index,
                                columns=rows.columns),
            base_values=pd.Series(np.array(base), index=rows.index, name="base_value"),
            data=rows, output="score", method="tree", target="score",
            reference=f"a background of {len(self.background_)} training rows")

    def view(self, bars: pd.DataFrame, table: pd.DataFrame | None = None,
             top: int = 5) -> tuple[MLView, dict[str, float]]:
        """The model's view of the last bar of ``bars`` and that bar's feature values.

        The features of the last bar are computed on its last ``VIEW_BARS`` bars: every window
        is shorter than that, and the 200-bar EMA's memory of older bars weighs under 0.1 %
        (a test compares with the full history)."""
        ml, values, explain = self.view_first(bars, table, top)
        explain()
        return ml, values

    def view_first(self, bars: pd.DataFrame, table: pd.DataFrame | None = None,
                   top: int = 5) -> tuple[MLView, dict[str, float], Callable[[], MLView]]:
        """:meth:`view` in two steps: the probability, regime and features now, and a call
        that adds the SHAP contributions and their sentence to the same view (a third of the
        cost). Until it is made the view is pending (:meth:`MLView.settled` waits for it)."""
        table = self.features(bars.iloc[-VIEW_BARS:]) if table is None else table
        last = table[self.columns_].iloc[[-1]]
        proba = float(self.classifier_.predict_proba(last)[0, -1])
        regime, bias = None, 0.0
        if self.regimes_ is not None:
            states = self.regimes_.transform(bars.iloc[-120:])
            regime = states["regime"].dropna().iloc[-1] if states["regime"].notna().any() \
                else None
            if regime is not None:
                bias = clip(5 * float(self.regimes_.regime_stats_.loc[regime, "drift"]
                                      / self.regimes_.regime_stats_.loc[regime, "volatility"]))
        values = {k: float(v) for k, v in table.iloc[-1].items() if pd.notna(v)}
        ml = MLView(probability=proba, regime=regime, regime_bias=bias,
                    model=f"lightgbm-{self.n_estimators}-h{self.horizon_}",
                    train_rows=self.train_rows_)

        def contributions() -> tuple[list[dict[str, Any]], str]:
            if not last.notna().all(axis=1).iloc[0]:
                return [], ""
            record = self.explain(last).records(top=top)[0]
            return record["top"], record["sentence"]

        return ml, values, ml.explained_by(contributions)


__all__ = ["SignalModel"]
