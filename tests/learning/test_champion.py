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
