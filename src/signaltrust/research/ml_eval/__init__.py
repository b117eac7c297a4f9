"""Honest model evaluation: walk-forward out-of-sample predictions, their quality, their P&L.

>>> from signaltrust.research.ml_eval import walk_forward_evaluation
>>> result = walk_forward_evaluation("sp500", "lgbm", label="triple_barrier")  # doctest: +SKIP
>>> result.metrics["ic"], result.strategy.stats["sharpe_ratio"], result.buy_and_hold
>>> result.report("sp500_lgbm.html")

The reading guide is docs/ml.md.
"""

from signaltrust.research.ml_eval.pipeline import walk_forward_evaluation
from signaltrust.research.ml_eval.result import EvaluationResult
from signaltrust.research.ml_eval.scoring import (
    brier_score,
    hit_rate,
    information_coefficient,
    precision_at_top,
    prediction_metrics,
    reliability_table,
    roc_auc,
)

__all__ = [
    "EvaluationResult",
    "brier_score",
    "hit_rate",
    "information_coefficient",
    "precision_at_top",
    "prediction_metrics",
    "reliability_table",
    "roc_auc",
    "walk_forward_evaluation",
]
