"""The loop replayed over history: decisions with evidence, three stitched results, no peeking."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.research.learning.gate import GateRules
from signaltrust.research.learning.simulate import PATHS, simulate_loop


@pytest.fixture(scope="module")
def result():
    return simulate_loop("sp500", "logistic", start="2017-01-01", end="2017-06-30",
                         train_rows=400, eval_rows=80, rules=GateRules(min_samples=60,
                                                                      bootstrap_samples=200))


def test_simulate_when_six_months_then_one_decision_a_month_each_with_evidence(result):
    months = [pd.Timestamp(d["month"]).month for d in result.decisions]
    assert months == [1, 2, 3, 4, 5, 6]
    assert result.decisions[0]["promoted"] and "first model" in result.decisions[0]["reason"]
    for d in result.decisions[1:]:
        assert isinstance(d["promoted"], bool)
        assert d["evidence"]["n"] == 80 and "ci_low" in d["evidence"]


def test_simulate_when_challenger_trained_then_its_rows_end_before_the_evaluation_window(result):
    for d in result.decisions[1:]:
        train_end = pd.Timestamp(d["challenger_trained_on"][1])
        window_start = pd.Timestamp(d["evidence"]["window"][0])
        assert train_end < window_start
        assert pd.Timestamp(d["evidence"]["window"][1]) < pd.Timestamp(d["month"])


def test_simulate_when_done_then_three_paths_stitched_over_the_same_bars(result):
    payload = result.to_dict()
    assert set(payload["results"]) == set(PATHS)
    for path in PATHS:
        figures = payload["results"][path]
        assert figures["n"] > 100 and "sharpe_ratio" in figures and "ic" in figures
    assert len({payload["results"][p]["n"] for p in PATHS}) == 1
    assert payload["promotions"] == sum(d["promoted"] for d in payload["decisions"])


def test_simulate_when_period_before_enough_history_then_validation_error():
    with pytest.raises(ValidationError):
        simulate_loop("sp500", "logistic", start="1999-02-01", end="1999-06-30")
