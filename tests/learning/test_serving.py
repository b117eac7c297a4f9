"""Shadow and A/B serving: every score logged, stable arms, a significance test that decides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from signaltrust.research.learning.serving import Arm, Router, ab_bucket, compare_arms
from signaltrust.research.learning.signal_log import SignalLog
from signaltrust.storage import Database


@pytest.fixture(scope="module")
def arms():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (X["a"] > 0).astype(int)
    champion = LogisticRegression().fit(X, y)
    challenger = LogisticRegression(C=0.01).fit(X, y)
    return X, Arm(champion, "m", "1", "h1"), Arm(challenger, "m", "2", "h1")


@pytest.fixture
def log():
    db = Database("sqlite://")
    db.upgrade()
    yield SignalLog(db)
    db.dispose()


def test_shadow_when_request_served_then_champion_answers_and_challenger_is_logged(log, arms):
    X, champion, challenger = arms
    router = Router(log, champion, challenger, mode="shadow")
    served = router.serve("SPY", "2020-01-02", X.iloc[[0]])
    assert served.arm == "champion" and len(served.logged) == 2
    frame = log.frame()
    assert frame["served"].tolist() == ["live", "shadow"]
    assert frame["model_version"].tolist() == ["1", "2"]


def test_ab_when_share_is_a_fifth_then_about_a_fifth_of_keys_and_always_the_same_ones(log, arms):
    X, champion, challenger = arms
    router = Router(log, champion, challenger, mode="ab", ab_share=0.2, seed=7)
    keys = [f"acct{i}" for i in range(2000)]
    arms_of = [router.arm_for(k) for k in keys]
    share = arms_of.count("challenger") / len(keys)
    assert 0.17 < share < 0.23
    assert arms_of == [router.arm_for(k) for k in keys]
    assert 0 <= ab_bucket("x") < 1


def test_ab_when_key_routed_to_challenger_then_logged_as_ab(log, arms):
    X, champion, challenger = arms
    router = Router(log, champion, challenger, mode="ab", ab_share=1.0)
    served = router.serve("SPY", "2020-01-02", X.iloc[[1]], key="k")
    assert served.arm == "challenger"
    assert log.frame()["served"].tolist() == ["ab"]


def _arm(n, hit, seed):
    rng = np.random.default_rng(seed)
    ret = rng.normal(0, 0.01, n)
    right = rng.uniform(size=n) < hit
    score = np.where(right == (ret > 0), 0.8, 0.2)
    return pd.DataFrame({"score": score, "decision": np.where(score > 0.5, "long", "flat"),
                         "realized_return": ret})


def test_compare_arms_when_challenger_hits_far_more_often_then_it_wins():
    result = compare_arms(_arm(600, 0.5, 1), _arm(600, 0.65, 2))
    assert result.winner == "b" and result.hit_pvalue < 0.001
    assert result.hit_rate_b > result.hit_rate_a


def test_compare_arms_when_few_samples_then_undecided_even_if_rates_differ():
    result = compare_arms(_arm(20, 0.3, 3), _arm(20, 0.9, 4), min_samples=30)
    assert result.winner == "undecided"
