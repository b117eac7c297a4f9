"""``EvaluationResult``: out-of-sample predictions, their metrics, the P&L and the verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from signaltrust.backtest import BacktestResult
from signaltrust.core.serialize import to_plain
from signaltrust.research.ml_eval.scoring import reliability_table
from signaltrust.research.ml_eval.trading import headline

METRIC_KEYS = ("ic", "ic_per_fold", "ic_mean", "ic_std", "hit_rate", "precision_at_top_decile",
               "base_rate", "brier", "auc", "n_predictions")


def _pct(value: Any) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:+.1%}"


def _num(value: Any, digits: int = 2) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


@dataclass
class EvaluationResult:
    """What a walk-forward evaluation found, on out-of-sample predictions only.

    ``predictions``: one row per out-of-sample bar (score, label, forward_return, fold, t1);
    ``metrics``: ic, ic_per_fold, ic_mean, hit_rate, precision_at_top_decile, base_rate, brier,
    auc; ``strategy``: the BacktestResult of trading the score; ``buy_and_hold``: the headline
    statistics of buy-and-hold over the same bars and costs (``buy_and_hold_result`` its
    BacktestResult); ``folds``: the boundaries of every training and test fold.
    """

    data: str
    model: str
    estimator: Any
    label: str
    horizon: int
    predictions: pd.DataFrame
    metrics: dict[str, Any]
    strategy: BacktestResult
    buy_and_hold_result: BacktestResult
    deflated_sharpe: float
    folds: list[dict[str, Any]]
    seed: int
    data_hash: str
    feature_names: list[str]
    feature_sets: list[str]
    params: dict[str, Any]
    explanations: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed_seconds: float = float("nan")
    registry_version: dict[str, Any] | None = None

    @property
    def buy_and_hold(self) -> dict[str, Any]:
        """Headline statistics of buy-and-hold over the out-of-sample bars, same costs."""
        return headline(self.buy_and_hold_result)

    @property
    def reliability(self) -> pd.DataFrame:
        """Calibration table by score decile (mean score vs observed share of positives)."""
        p = self.predictions
        positive = (p["label"] > 0).astype("float64").where(p["label"].notna())
        return reliability_table(p["score"], positive, p["forward_return"])

    @property
    def beats_buy_and_hold(self) -> dict[str, bool]:
        """Whether the strategy beat buy-and-hold out of sample after costs, by measure."""
        mine, bench = self.strategy.stats, self.buy_and_hold_result.stats
        return {
            key: bool(_finite(mine.get(key)) > _finite(bench.get(key)))
            for key in ("total_return", "sharpe_ratio")
        }

    def verdict(self) -> str:
        """One plain sentence: did the model beat buy-and-hold out of sample after costs?"""
        s, b = self.strategy.stats, self.buy_and_hold_result.stats
        beats = self.beats_buy_and_hold
        start, end = self.predictions.index[0].date(), self.predictions.index[-1].date()
        if beats["total_return"] and beats["sharpe_ratio"]:
            outcome = "beat buy-and-hold on both total return and Sharpe ratio"
        elif beats["sharpe_ratio"]:
            outcome = "did NOT beat buy-and-hold on total return, only on Sharpe ratio"
        elif beats["total_return"]:
            outcome = "beat buy-and-hold on total return but NOT on Sharpe ratio"
        else:
            outcome = "did NOT beat buy-and-hold, on total return or on Sharpe ratio"
        dsr = self.deflated_sharpe
        if not math.isfinite(dsr):
            reading = "it has no deflated Sharpe ratio (the equity never moved)"
        elif dsr >= 0.95:
            reading = (f"its deflated Sharpe ratio of {dsr:.2f} says the Sharpe ratio is unlikely "
                       "to be luck (above 0.95)")
        else:
            reading = (f"its deflated Sharpe ratio of {dsr:.2f} (below 0.95) says its Sharpe ratio "
                       "cannot be told apart from luck")
        return (
            f"Out of sample ({start} to {end}, {len(self.predictions)} bars, after costs) the "
            f"{self.model} strategy returned {_pct(s.get('total_return'))} (Sharpe "
            f"{_num(s.get('sharpe_ratio'))}, max drawdown {_pct(s.get('max_drawdown'))}) against "
            f"buy-and-hold's {_pct(b.get('total_return'))} (Sharpe {_num(b.get('sharpe_ratio'))}, "
            f"max drawdown {_pct(b.get('max_drawdown'))}): it {outcome}; {reading}. "
            f"Signal quality: IC {_num(self.metrics['ic'], 3)}, hit rate "
            f"{_num(self.metrics['hit_rate'], 3)}, precision at the top decile "
            f"{_num(self.metrics['precision_at_top_decile'], 3)} against a base rate of "
            f"{_num(self.metrics['base_rate'], 3)}."
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data: the shape of ``signaltrust ml walkforward --json``."""
        return to_plain(self)

    def __plain__(self) -> dict[str, Any]:
        """What ``--json`` and the API show: metrics, both sides' headlines, verdict, folds."""
        return {
            "data": self.data, "model": self.model, "label": self.label, "horizon": self.horizon,
            "features": self.feature_sets, "n_features": len(self.feature_names),
            "feature_names": self.feature_names, "seed": self.seed, "data_hash": self.data_hash,
            "params": self.params,
            "oos_start": self.predictions.index[0], "oos_end": self.predictions.index[-1],
            "oos_bars": len(self.predictions),
            **{key: self.metrics[key] for key in METRIC_KEYS},
            "reliability": self.reliability.to_dict(orient="records"),
            "deflated_sharpe": self.deflated_sharpe,
            "strategy": headline(self.strategy),
            "buy_and_hold": self.buy_and_hold,
            "beats_buy_and_hold": self.beats_buy_and_hold,
            "verdict": self.verdict(),
            "folds": self.folds, "explanations": self.explanations, "notes": self.notes,
            "elapsed_seconds": self.elapsed_seconds, "registry_version": self.registry_version,
        }

    def report(self, path: str | Path, plotly: str = "file") -> Path:
        """Write the self-contained HTML report (metrics, IC per fold, calibration, tearsheet)."""
        from signaltrust.research.ml_eval.report import write_evaluation_report

        return write_evaluation_report(self, path, plotly)

    def __repr__(self) -> str:
        return (f"EvaluationResult({self.model} on {self.data}, label={self.label}, "
                f"ic={self.metrics['ic']:.4f}, oos_bars={len(self.predictions)})")


def _finite(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return -math.inf
    return number if math.isfinite(number) else -math.inf
