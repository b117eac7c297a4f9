"""Shadow and A/B serving of a challenger, and the statistical comparison that decides.

- shadow: the champion answers every request; the challenger scores it too and its score is
  logged with ``served="shadow"`` (never traded);
- A/B: a stable share ``ab_share`` of the request keys (symbol, account...) is answered by the
  challenger (``served="ab"``), the rest by the champion; a key always lands on the same arm.

:func:`compare_arms` compares the two arms' matured signals: the hit rate (a called direction
that came true) by a two-proportion z-test, the return of their decisions by Welch's t-test.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.research.learning.signal_log import SignalLog

MODES = ("champion", "shadow", "ab")


@dataclass(frozen=True)
class Arm:
    """A served model: the fitted estimator, its registry name and version, its features."""

    model: Any
    name: str
    version: str
    feature_hash: str


@dataclass(frozen=True)
class Served:
    """What a request got: the arm that answered, its score and decision, and the log ids."""

    arm: str
    score: float
    decision: str
    logged: tuple[int, ...]


def ab_bucket(key: str, seed: int = 0) -> float:
    """A stable number in [0, 1) for ``key`` (SHA-256): the same key, the same arm."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Router:
    """Serve requests from the champion, with the challenger in shadow or on an A/B share."""

    def __init__(self, log: SignalLog, champion: Arm, challenger: Arm | None = None, *,
                 mode: str = "shadow", ab_share: float = 0.0, threshold: float = 0.5,
                 seed: int = 0) -> None:
        if mode not in MODES:
            raise ValidationError("unknown serving mode", field="mode", value=mode,
                                  fix=f"use one of {', '.join(MODES)}")
        if not 0 <= ab_share <= 1:
            raise ValidationError("ab_share is a fraction", field="ab_share", value=ab_share,
                                  fix="pass e.g. 0.2")
        self.log, self.champion, self.challenger = log, champion, challenger
        self.mode, self.ab_share, self.threshold, self.seed = mode, ab_share, threshold, seed

    def arm_for(self, key: str) -> str:
        """``"challenger"`` when an A/B test gives it this key, else ``"champion"``."""
        if self.mode == "ab" and self.challenger is not None and \
                ab_bucket(key, self.seed) < self.ab_share:
            return "challenger"
        return "champion"

    def _score(self, arm: Arm, row: pd.DataFrame) -> float:
        model = arm.model
        if hasattr(model, "predict_proba"):
            classes = list(getattr(model, "classes_", [0, 1]))
            proba = np.asarray(model.predict_proba(row))[0]
            return float(proba[classes.index(1) if 1 in classes else -1])
        return float(np.asarray(model.predict(row)).ravel()[0])

    def serve(self, symbol: str, ts: Any, row: pd.DataFrame, *, key: str | None = None,
              price: float | None = None) -> Served:
        """Answer one request (``row``: one row of features); every score made is logged."""
        arm_name = self.arm_for(key or symbol)
        arm = self.champion if arm_name == "champion" else self.challenger
        assert arm is not None
        score = self._score(arm, row)
        decision = "long" if score > self.threshold else "flat"
        ids = [self.log.log_prediction(
            symbol=symbol, ts=ts, model=arm.name, model_version=arm.version,
            feature_hash=arm.feature_hash, score=score, decision=decision,
            served="ab" if arm_name == "challenger" else "live", price=price)]
        if self.mode == "shadow" and self.challenger is not None:
            shadow = self._score(self.challenger, row)
            ids.append(self.log.log_prediction(
                symbol=symbol, ts=ts, model=self.challenger.name,
                model_version=self.challenger.version, feature_hash=self.challenger.feature_hash,
                score=shadow, decision="long" if shadow > self.threshold else "flat",
                served="shadow", price=price))
        return Served(arm_name, score, decision, tuple(ids))


@dataclass(frozen=True)
class ArmComparison:
    """Two arms compared on matured signals: which is better, and how sure."""

    n_a: int
    n_b: int
    hit_rate_a: float
    hit_rate_b: float
    hit_pvalue: float
    mean_return_a: float
    mean_return_b: float
    return_pvalue: float
    winner: str
    alpha: float

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)


def _hits(frame: pd.DataFrame, threshold: float) -> np.ndarray:
    call = np.sign(frame["score"].to_numpy("float64") - threshold)
    ret = np.sign(frame["realized_return"].to_numpy("float64"))
    return (call == ret) & (call != 0)


def compare_arms(a: pd.DataFrame, b: pd.DataFrame, *, alpha: float = 0.05,
                 min_samples: int = 30, threshold: float = 0.5) -> ArmComparison:
    """Compare arm ``a`` (champion) and ``b`` (challenger) on their matured signals.

    Each frame has ``score``, ``decision`` and ``realized_return`` (rows without one are
    dropped). ``winner`` is ``"b"`` or ``"a"`` when the hit-rate test is significant at
    ``alpha`` and both arms have ``min_samples`` rows, else ``"undecided"``.
    """
    a = a.dropna(subset=["realized_return"])
    b = b.dropna(subset=["realized_return"])
    ha, hb = _hits(a, threshold), _hits(b, threshold)
    na, nb = len(ha), len(hb)
    pa = float(ha.mean()) if na else float("nan")
    pb = float(hb.mean()) if nb else float("nan")
    hit_p = float("nan")
    if na and nb:
        pooled = (ha.sum() + hb.sum()) / (na + nb)
        se = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        hit_p = float(2 * stats.norm.sf(abs(pb - pa) / se)) if se > 0 else 1.0
    ra = np.where(a["decision"].eq("long"), a["realized_return"], 0.0)
    rb = np.where(b["decision"].eq("long"), b["realized_return"], 0.0)
    ret_p = float(stats.ttest_ind(rb, ra, equal_var=False).pvalue) if na > 1 and nb > 1 \
        else float("nan")
    winner = "undecided"
    if min(na, nb) >= min_samples and np.isfinite(hit_p) and hit_p < alpha:
        winner = "b" if pb > pa else "a"
    return ArmComparison(na, nb, pa, pb, hit_p, float(np.mean(ra)) if na else float("nan"),
                         float(np.mean(rb)) if nb else float("nan"),
                         ret_p if np.isfinite(ret_p) else float("nan"), winner, alpha)


__all__ = ["MODES", "Arm", "ArmComparison", "Router", "Served", "ab_bucket", "compare_arms"]
