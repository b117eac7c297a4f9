"""The promotion gate: promote only on a big enough, significant, drawdown-safe improvement."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.research.learning.gate import GateRules, decide, max_drawdown


def _window(n=300, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2015-01-01", periods=n, freq="B", tz="UTC")
    signal = rng.normal(0, 1, n)
    ret = 0.01 * signal + rng.normal(0, 0.01, n)
    truth = pd.DataFrame({"forward_return": ret, "outcome": (ret > 0).astype(float),
                          "next_return": ret / 5}, index=index)
    informed = pd.Series(1 / (1 + np.exp(-signal)), index=index)
    noise = pd.Series(rng.uniform(0, 1, n), index=index)
    return truth, informed, noise


def test_decide_when_challenger_clearly_better_then_promoted_with_evidence():
    truth, informed, noise = _window()
    decision = decide(noise, informed, truth, GateRules(metric="ic"))
    assert decision.promoted, decision.reason
    ev = decision.evidence
    assert ev["challenger"] > ev["champion"] and ev["ci_low"] > 0
    assert ev["n"] == 300 and ev["seed"] == 0
    assert ev["challenger_max_drawdown"] >= ev["champion_max_drawdown"]


def test_decide_when_challenger_is_the_worse_model_then_kept():
    truth, informed, noise = _window()
    decision = decide(informed, noise, truth, GateRules(metric="ic"))
    assert not decision.promoted and "improvement" in decision.reason


def test_decide_when_window_shorter_than_min_samples_then_not_promoted():
    truth, informed, noise = _window(n=40)
    decision = decide(noise, informed, truth, GateRules(min_samples=60))
    assert not decision.promoted and "only 40" in decision.reason


def test_decide_when_two_equally_noisy_models_then_interval_does_not_exclude_zero():
    truth, _, noise = _window(seed=1)
    other = pd.Series(np.random.default_rng(9).uniform(0, 1, len(noise)), index=noise.index)
    rules = GateRules(metric="hit_rate", min_improvement=0.0)
    decision = decide(noise, other, truth, rules)
    assert not decision.promoted
    assert decision.evidence["ci_low"] <= 0 <= decision.evidence["ci_high"] or \
        decision.evidence["improvement"] < 0


def test_decide_when_metric_is_brier_then_lower_counts_as_better():
    truth, informed, noise = _window()
    sharp = pd.Series(np.where(truth["outcome"] > 0, 0.9, 0.1), index=truth.index)
    decision = decide(noise, sharp, truth, GateRules(metric="brier"))
    assert decision.promoted and decision.evidence["challenger"] < decision.evidence["champion"]


def test_decide_when_challenger_draws_down_more_then_not_promoted():
    truth, informed, noise = _window()
    truth = truth.copy()
    # the informed model is long on the days of a crash it did not foresee
    crash = informed.index[100:110]
    truth.loc[crash, "next_return"] = -0.2
    informed = informed.copy()
    informed.loc[crash] = 0.99
    flat = pd.Series(0.5 + 1e-9 * np.arange(len(informed)), index=informed.index)
    champion = flat.where(~flat.index.isin(crash), 0.0)
    decision = decide(champion, informed, truth, GateRules(metric="ic", min_improvement=0.0))
    assert not decision.promoted and "drawdown" in decision.reason


def test_max_drawdown_when_long_through_a_fall_then_equals_the_fall_less_fees():
    score = np.array([0.9, 0.9, 0.9])
    nxt = np.array([0.1, -0.5, 0.0])
    assert max_drawdown(score, nxt, 0.5, 0.0) == pytest.approx(-0.5)


def test_decide_when_metric_unknown_then_validation_error():
    truth, informed, noise = _window(n=80)
    with pytest.raises(ValidationError):
        decide(noise, informed, truth, GateRules(metric="accuracy"))
