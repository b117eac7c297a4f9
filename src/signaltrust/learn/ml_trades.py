"""Trades of the ML strategy explained with SHAP: the score the model gave at the decision's
close, the threshold it crossed, the confidence that sized the order, and each feature's
contribution to that score (base value + contributions = the score).

The feature row is recomputed from the bars up to the decision exactly as the strategy
computes it (its feature sets over its look-back window) and must give the score the strategy
recorded in its decision log; a mismatch is refused, not explained.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest import BacktestResult
from signaltrust.core.errors import ValidationError
from signaltrust.learn.explain import TradeRecord
from signaltrust.strategy.ml_strategy import MLStrategy, feature_sets, model_score


class MLDecisions:
    """The explainer of an ML strategy's decisions: (bar, action) -> rule, values, SHAP."""

    def __init__(self, strategy: MLStrategy, bars: pd.DataFrame, background: Any = None
                 ) -> None:
        self.strategy = strategy
        self.bars = bars
        self.background = background
        self.log = strategy.decisions().set_index("time")

    def features_at(self, at: int) -> pd.DataFrame:
        """The feature row the strategy scored at the close of bar ``at``."""
        lookback = int(self.strategy.params.get("lookback", 500)) or at + 1
        window = self.bars.iloc[max(0, at + 1 - lookback): at + 1]
        frames = [s.fit(window).transform(window).iloc[[-1]]
                  for s in feature_sets(self.strategy.features)]
        row = pd.concat(frames, axis=1) if len(frames) > 1 else frames[0]
        columns = list(getattr(self.strategy.model, "feature_names_in_", []))
        return row[columns] if columns else row

    def __call__(self, at: int, action: str) -> tuple[str, dict[str, float], dict[str, Any]]:
        from signaltrust.ml.explain import explain

        stamp = self.bars.index[at]
        if stamp not in self.log.index:
            raise ValidationError("the strategy logged no decision at that bar", field="trade",
                                  value=str(stamp), fix="explain a trade of this run")
        logged = self.log.loc[[stamp]].iloc[-1]
        row = self.features_at(at)
        score, confidence = (float(v[0]) for v in model_score(self.strategy.model, row))
        if not np.isclose(score, float(logged["score"]), atol=1e-9):
            raise ValidationError(
                "recomputing the features does not give the score the strategy logged",
                field="trade", value=f"{score} vs {float(logged['score'])}",
                fix="explain with the bars, model and feature sets the run used")
        p = self.strategy.params
        if action == "entry":
            weight = float(logged["weight"])
            rule = (f"the model's score {score:.3f} was above the entry threshold "
                    f"{p['entry_threshold']:g} while flat; confidence {confidence:.3f} -> "
                    f"target weight {weight:.3f} of equity")
        else:
            rule = (f"the model's score {score:.3f} fell below the exit threshold "
                    f"{p['exit_threshold']:g} while long")
        background = self.background if self.background is not None else row
        why = explain(self.strategy.model, row, background=background)
        contributions = {str(k): float(v) for k, v in why.values.iloc[0].items()}
        shap = {"base_value": float(why.base_values.iloc[0]), "score": score,
                "contributions": dict(sorted(contributions.items(),
                                             key=lambda kv: -abs(kv[1]))),
                "method": why.method}
        values = {"score": score, "confidence": confidence,
                  **{str(k): float(v) for k, v in row.iloc[0].items()}}
        return rule, {k: round(v, 6) for k, v in values.items()}, shap


def ml_record(result: BacktestResult, strategy: MLStrategy, bars: pd.DataFrame, *,
              background: Any = None, run: str = "ml") -> TradeRecord:
    """The record of an ML strategy's backtest (``run(bars, strategy, engine="event")``) for
    :func:`~signaltrust.learn.explain.explain_trade`; ``background``: the training features,
    the reference SHAP measures contributions against."""
    if not isinstance(strategy, MLStrategy):
        raise ValidationError("an MLStrategy is needed", field="strategy",
                              value=type(strategy).__name__, fix="pass the MLStrategy that ran")
    if not strategy.decisions_:
        raise ValidationError("the strategy has not run", field="strategy", value="ml",
                              fix="backtest it first: run(bars, strategy, engine='event')")
    settings = {k: result.settings[k] for k in ("cash", "fees", "fixed_fees", "min_fees",
                                                "slippage", "fill_at") if k in result.settings}
    return TradeRecord(
        run=run, source="backtest", bars=bars, strategy="ml", params=dict(strategy.params),
        settings=settings, options={"leverage": result.settings.get("leverage", 1.0),
                                    "size_type": "weight"},
        trades=result.trades, equity=result.equity,
        decisions=MLDecisions(strategy, bars, background))


__all__ = ["MLDecisions", "ml_record"]
