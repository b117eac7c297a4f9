"""The promotion gate: a challenger replaces the champion only on evidence.

On the same purged out-of-sample window (rows neither model trained on), the challenger must

1. have at least ``min_samples`` scored rows;
2. beat the champion on ``metric`` by at least ``min_improvement`` (relative: 0.03 is 3 %);
3. have a paired bootstrap interval (``confidence``) of its advantage that excludes zero;
4. show no worse maximum drawdown than the champion when both are traded (long when the score
   is above ``center``, one-bar forward return, ``fee`` per change of position).

Every decision carries its evidence; the seed of the bootstrap is part of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain

METRICS = ("ic", "hit_rate", "brier", "precision_at_top", "sharpe")
LOWER_IS_BETTER = {"brier"}


@dataclass(frozen=True)
class GateRules:
    """What a challenger must show (defaults: the ``[learning]`` configuration's)."""

    metric: str = "ic"
    min_improvement: float = 0.03
    min_samples: int = 60
    bootstrap_samples: int = 500
    confidence: float = 0.95
    center: float = 0.5
    fee: float = 0.0012
    seed: int = 0

    @classmethod
    def from_settings(cls, learning: Any, **overrides: Any) -> GateRules:
        """Rules from a ``LearningSettings`` section."""
        values = {"metric": learning.metric, "min_improvement": learning.min_improvement,
                  "min_samples": learning.min_samples,
                  "bootstrap_samples": learning.bootstrap_samples,
                  "confidence": learning.confidence}
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class Decision:
    """A promotion decision: promoted or not, why, and the evidence."""

    promoted: bool
    reason: str
    metric: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_plain({"promoted": self.promoted, "reason": self.reason,
                         "metric": self.metric, "evidence": self.evidence})


def _ranks(a: np.ndarray) -> np.ndarray:
    return stats.rankdata(a, axis=-1)


def _metric_batch(metric: str, score: np.ndarray, ret: np.ndarray, outcome: np.ndarray,
                  center: float, fee: float) -> np.ndarray:
    """``metric`` of each row of ``score`` (resamples x rows) against the matching rows."""
    if metric == "ic":
        rs, rr = _ranks(score), _ranks(ret)
        rs = rs - rs.mean(axis=-1, keepdims=True)
        rr = rr - rr.mean(axis=-1, keepdims=True)
        denom = np.sqrt((rs ** 2).sum(-1) * (rr ** 2).sum(-1))
        with np.errstate(invalid="ignore", divide="ignore"):
            return (rs * rr).sum(-1) / denom
    if metric == "hit_rate":
        called = (score != center) & (ret != 0)
        right = (np.sign(score - center) == np.sign(ret)) & called
        with np.errstate(invalid="ignore", divide="ignore"):
            return right.sum(-1) / called.sum(-1)
    if metric == "brier":
        return ((score - outcome) ** 2).mean(-1)
    if metric == "precision_at_top":
        k = max(1, int(np.ceil(0.1 * score.shape[-1])))
        top = np.argsort(-score, axis=-1, kind="stable")[..., :k]
        return np.take_along_axis(outcome, top, axis=-1).mean(-1)
    if metric == "sharpe":
        pnl = (score > center) * ret
        sd = pnl.std(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(sd > 0, pnl.mean(-1) / sd * np.sqrt(252), 0.0)
    raise ValidationError("unknown promotion metric", field="metric", value=metric,
                          fix=f"use one of {', '.join(METRICS)}")


def max_drawdown(score: np.ndarray, next_return: np.ndarray, center: float, fee: float) -> float:
    """Maximum drawdown (a negative fraction) of trading the score: long above ``center``."""
    position = (score > center).astype("float64")
    changes = np.abs(np.diff(np.r_[0.0, position]))
    equity = np.cumprod(1.0 + position * np.nan_to_num(next_return) - changes * fee)
    peak = np.maximum.accumulate(np.r_[1.0, equity])[1:]
    return float(np.min(equity / peak - 1.0)) if len(equity) else 0.0


def decide(champion: pd.Series, challenger: pd.Series, truth: pd.DataFrame,
           rules: GateRules = GateRules()) -> Decision:
    """Whether ``challenger`` replaces ``champion``, judged on the rows both scored.

    ``truth`` has ``forward_return`` (over the label horizon), ``outcome`` (1/0) and
    ``next_return`` (one bar, for the drawdown), indexed like the scores.
    """
    if rules.metric not in METRICS:
        raise ValidationError("unknown promotion metric", field="metric", value=rules.metric,
                              fix=f"use one of {', '.join(METRICS)}")
    frame = pd.DataFrame({"champion": champion, "challenger": challenger}).join(
        truth[["forward_return", "outcome", "next_return"]], how="inner").dropna(
        subset=["champion", "challenger", "forward_return", "outcome"])
    n = len(frame)
    evidence: dict[str, Any] = {"n": n, "min_samples": rules.min_samples,
                                "window": [frame.index[0], frame.index[-1]] if n else None,
                                "min_improvement": rules.min_improvement,
                                "confidence": rules.confidence, "seed": rules.seed,
                                "bootstrap_samples": rules.bootstrap_samples}
    if n < rules.min_samples:
        return Decision(False, f"only {n} out-of-sample rows (< {rules.min_samples})",
                        rules.metric, evidence)
    ret = frame["forward_return"].to_numpy("float64")
    out = frame["outcome"].to_numpy("float64")
    a = frame["champion"].to_numpy("float64")
    b = frame["challenger"].to_numpy("float64")
    champ = float(_metric_batch(rules.metric, a[None], ret[None], out[None], rules.center,
                                rules.fee)[0])
    chal = float(_metric_batch(rules.metric, b[None], ret[None], out[None], rules.center,
                               rules.fee)[0])
    sign = -1.0 if rules.metric in LOWER_IS_BETTER else 1.0
    advantage = sign * (chal - champ)
    improvement = advantage / abs(champ) if champ and np.isfinite(champ) else \
        (np.inf if advantage > 0 else 0.0)
    rng = np.random.default_rng(rules.seed)
    idx = rng.integers(0, n, size=(rules.bootstrap_samples, n))
    diffs = sign * (_metric_batch(rules.metric, b[idx], ret[idx], out[idx], rules.center, rules.fee)
                    - _metric_batch(rules.metric, a[idx], ret[idx], out[idx], rules.center,
                                    rules.fee))
    diffs = diffs[np.isfinite(diffs)]
    tail = (1 - rules.confidence) / 2
    low, high = (np.quantile(diffs, [tail, 1 - tail]) if len(diffs) else (np.nan, np.nan))
    nxt = frame["next_return"].to_numpy("float64")
    dd_champ = max_drawdown(a, nxt, rules.center, rules.fee)
    dd_chal = max_drawdown(b, nxt, rules.center, rules.fee)
    evidence.update({"champion": champ, "challenger": chal, "advantage": advantage,
                     "improvement": float(improvement), "ci_low": float(low),
                     "ci_high": float(high), "champion_max_drawdown": dd_champ,
                     "challenger_max_drawdown": dd_chal})
    if not np.isfinite(chal) or improvement < rules.min_improvement:
        reason = (f"{rules.metric} {chal:.4f} vs champion {champ:.4f}: improvement "
                  f"{improvement:.1%} < {rules.min_improvement:.0%}")
        return Decision(False, reason, rules.metric, evidence)
    if not (low > 0):
        return Decision(False, f"the {rules.confidence:.0%} bootstrap interval of the advantage "
                        f"[{low:.4f}, {high:.4f}] does not exclude zero", rules.metric, evidence)
    if dd_chal < dd_champ:
        return Decision(False, f"worse drawdown {dd_chal:.1%} than the champion's "
                        f"{dd_champ:.1%}", rules.metric, evidence)
    return Decision(True, f"{rules.metric} {chal:.4f} vs {champ:.4f} (+{improvement:.1%}), "
                    f"interval [{low:.4f}, {high:.4f}], drawdown {dd_chal:.1%} vs "
                    f"{dd_champ:.1%}", rules.metric, evidence)


__all__ = ["Decision", "GateRules", "METRICS", "decide", "max_drawdown"]
