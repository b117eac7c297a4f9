"""Champion and challenger on MLflow aliases: gated promotion, recorded decisions, rollback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from signaltrust.core.errors import ValidationError
from signaltrust.ml.registry import ModelRegistry, tracking_uri
from signaltrust.research.learning.champion import ChampionChallenger, decisions
from signaltrust.research.learning.gate import GateRules
from signaltrust.storage import Database

pytestmark = pytest.mark.slow  # a fresh MLflow store takes a few seconds to create


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    registry = ModelRegistry(tracking_uri(home))
    X = pd.DataFrame({"a": np.arange(20.0)})
    y = (X["a"] > 9).astype(int)
    for _ in range(2):
        registry.log_training_run(LogisticRegression().fit(X, y), name="loop_m", data_hash="h",
                                  features=["a"])
    db = Database(f"sqlite:///{home / 'app.db'}")
    db.upgrade()
    return registry, db


def _window(n=200, seed=0):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2016-01-01", periods=n, freq="B", tz="UTC")
    signal = rng.normal(size=n)
    ret = 0.01 * signal + rng.normal(0, 0.01, n)
    truth = pd.DataFrame({"forward_return": ret, "outcome": (ret > 0).astype(float),
                          "next_return": ret / 5}, index=index)
    return truth, pd.Series(1 / (1 + np.exp(-signal)), index=index), \
        pd.Series(rng.uniform(size=n), index=index)


def test_loop_when_challenger_passes_then_alias_moves_and_rollback_moves_it_back(setup):
    registry, db = setup
    loop = ChampionChallenger(registry, db, "loop_m", GateRules())
    loop.propose(1)
    assert loop.champion_version() == 1  # the first model serves at once
    truth, informed, noise = _window()
    with pytest.raises(ValidationError):
        loop.rollback()  # nothing promoted yet
    loop.propose(2)
    kept = loop.review(informed, noise, truth)  # the challenger is the noisy one
    assert not kept.promoted and loop.champion_version() == 1
    promoted = loop.review(noise, informed, truth)
    assert promoted.promoted and loop.champion_version() == 2
    assert loop.rollback("live hit rate fell") == 1
    assert loop.champion_version() == 1
    log = decisions(db, "loop_m")
    assert [d["action"] for d in log] == ["rollback", "promote", "keep", "initial"]
    assert log[1]["evidence"]["ci_low"] > 0 and log[1]["champion_version"] == "1"
    assert log[0]["reason"] == "live hit rate fell"


def test_retrain_when_run_twice_then_first_serves_and_second_is_gated_on_matured_rows(setup):
    from signaltrust.research.learning.retrain import retrain_and_review

    registry, db = setup
    kwargs = {"data": "sp500", "model": "logistic", "train_rows": 400, "eval_rows": 80}
    first, none = retrain_and_review(registry, db, "loop_sp500", as_of="2016-12-30", **kwargs)
    assert none is None
    assert registry.get_model_version("loop_sp500", "production").version == first
    second, decision = retrain_and_review(registry, db, "loop_sp500", as_of="2017-06-30",
                                          **kwargs)
    assert second == first + 1 and decision is not None
    window_end = pd.Timestamp(decision.evidence["window"][1])
    assert window_end < pd.Timestamp("2017-06-30", tz=window_end.tz)
    assert decision.evidence["n"] == 80
    expected = second if decision.promoted else first
    assert registry.get_model_version("loop_sp500", "production").version == expected
    assert decisions(db, "loop_sp500")[0]["action"] == ("promote" if decision.promoted
                                                        else "keep")


def test_review_ab_when_challenger_arm_wins_then_promoted_and_when_undecided_then_kept(setup):
    from signaltrust.research.learning.serving import ArmComparison

    registry, db = setup
    loop = ChampionChallenger(registry, db, "loop_m")
    loop.propose(2)
    before = loop.champion_version()
    undecided = ArmComparison(20, 20, 0.5, 0.7, 0.2, 0.0, 0.001, 0.3, "undecided", 0.05)
    assert not loop.review_ab(undecided) and loop.champion_version() == before
    wins = ArmComparison(600, 600, 0.50, 0.62, 1e-5, 0.0, 0.001, 0.01, "b", 0.05)
    assert loop.review_ab(wins) and loop.champion_version() == 2
    latest = decisions(db, "loop_m")[0]
    assert latest["action"] == "promote" and latest["evidence"]["ab"]["winner"] == "b"
