"""Search that never evaluates a parameter set twice: samplers that know the grid, the note on
a grid smaller than the trials asked, reused studies, and the deflation by distinct trials."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from signaltrust.backtest.api import load_bars
from signaltrust.optimize.distinct import DistinctSampler, FeasibleGrid
from signaltrust.optimize.search import optimize
from signaltrust.optimize.space import distributions, parse_space
from signaltrust.optimize.study import resolve_storage, trials_table
from signaltrust.strategy import get_strategy

WIDE = {"fast": range(2, 40), "slow": range(40, 81, 10)}  # 38 x 5 = 190 feasible sets
SMALL = {"fast": range(5, 26, 5), "slow": range(40, 81, 20)}  # 15 feasible sets


@pytest.fixture(scope="module")
def bars():
    return load_bars("goog").iloc[:500]


def _pairs(found) -> list[tuple[int, int]]:
    return list(zip(found.trials["fast"], found.trials["slow"], strict=True))


@pytest.mark.parametrize("method", ["tpe", "random", "cmaes"])
def test_optimize_when_grid_is_larger_than_the_trials_then_every_trial_is_a_new_set(bars, method):
    found = optimize(bars, "sma_cross", space=WIDE, method=method, n_trials=30,
                     storage="memory", seed=0, statistics=False)
    pairs = _pairs(found)
    assert len(pairs) == 30
    assert len(set(pairs)) == 30
    assert found.distinct_trials == 30
    assert found.summary()["note"] == "30 distinct trials"


def test_optimize_when_nsga2_then_no_parameter_set_is_repeated(bars):
    found = optimize(bars, "sma_cross", space=WIDE, method="nsga2",
                     objective=["sharpe_ratio", "total_return"], n_trials=24,
                     storage="memory", seed=0, statistics=False)
    assert len(set(_pairs(found))) == len(found.trials) == 24


def test_optimize_when_trials_exceed_the_feasible_grid_then_each_set_is_tried_once_and_said(bars):
    found = optimize(bars, "sma_cross", space=SMALL, method="tpe", n_trials=25,
                     storage="memory", seed=0, statistics=False)
    assert sorted(_pairs(found)) == [(f, s) for f in range(5, 26, 5) for s in (40, 60, 80)]
    assert found.grid_size == 15 and found.grid_exhausted
    assert "fewer than the 25 trials asked" in found.note


def test_optimize_when_strategy_rule_cuts_the_grid_then_no_infeasible_set_is_proposed(bars):
    found = optimize(bars, "sma_cross", space={"fast": range(5, 60, 5), "slow": [20, 40]},
                     method="random", n_trials=30, storage="memory", seed=3, statistics=False)
    assert found.grid_size == 3 + 7  # fast < slow
    assert found.trials["feasible"].all()
    assert (found.trials["fast"] < found.trials["slow"]).all()
    assert found.n_trials == 10


def test_optimize_when_study_is_reused_then_only_untried_sets_are_evaluated(bars, tmp_path):
    storage = str(tmp_path / "study.journal")
    first = optimize(bars, "sma_cross", space=SMALL, method="tpe", n_trials=10,
                     storage=storage, study_name="reuse", statistics=False)
    second = optimize(bars, "sma_cross", space=SMALL, method="random", n_trials=10,
                      storage=storage, study_name="reuse", statistics=False, seed=4)
    assert first.trials_run == 10
    assert second.trials_run == 5 and second.n_trials == 15
    assert len(set(_pairs(second))) == 15
    assert "the study already held the rest of the grid" in second.note
    grid = optimize(bars, "sma_cross", space=SMALL, method="grid", storage=storage,
                    study_name="reuse", statistics=False)
    assert grid.trials_run == 0 and grid.n_trials == 15


def test_optimize_when_searched_then_deflated_sharpe_counts_distinct_feasible_trials(bars):
    found = optimize(bars, "sma_cross", space=SMALL, method="tpe", n_trials=40,
                     storage="memory", seed=0)
    finite = found.trials["sharpe_ratio"].notna() & found.trials["feasible"]
    assert found.n_trials_deflated == int(finite.sum()) <= 15
    assert found.summary()["trials_deflated"] == found.n_trials_deflated


def test_trials_table_when_a_racing_worker_repeated_a_set_then_it_counts_once():
    study = optuna.create_study(direction="maximize")
    dist = {"fast": optuna.distributions.IntDistribution(5, 25, step=5)}
    study.add_trial(optuna.trial.create_trial(
        params={"fast": 10}, distributions=dist, values=[1.0],
        user_attrs={"signaltrust": {"sharpe_ratio": 1.0, "feasible": True, "source": "run"}}))
    study.add_trial(optuna.trial.create_trial(
        params={"fast": 10}, distributions=dist, values=[1.0], user_attrs={"duplicate_of": 0}))
    table = trials_table(study, ["fast"], ["sharpe_ratio"])
    assert table["duplicate_of"].tolist() == [-1, 0]
    assert table["feasible"].tolist() == [True, False]
    assert table["source"].tolist() == ["run", "study"]


class _Stuck(optuna.samplers.RandomSampler):
    """Always proposes fast=5, slow=40: the worst case of a sampler that repeats itself."""

    def sample_independent(self, study, trial, name, distribution):
        return {"fast": 5, "slow": 40}[name]


def test_distinct_sampler_when_wrapped_sampler_repeats_then_nearest_untried_point_is_used():
    dims = parse_space(get_strategy("sma_cross"), SMALL)
    grid = FeasibleGrid(dims, {}, lambda p: p["fast"] < p["slow"])
    study = optuna.create_study(sampler=DistinctSampler(_Stuck(), grid, distributions(dims), 0))
    points = []
    for _ in range(4):
        trial = study.ask(distributions(dims))
        points.append((trial.params["fast"], trial.params["slow"]))
        study.tell(trial, 0.0)
    assert points[0] == (5, 40)
    assert points[1] == (10, 40)  # one step away in fast (a fifth) beats one in slow (a half)
    assert len(set(points)) == 4
    assert grid.untried(study.get_trials()) == 11


def test_feasible_grid_when_space_is_too_large_to_enumerate_then_random_points_are_new():
    dims = parse_space(get_strategy("sma_cross"), WIDE)
    grid = FeasibleGrid(dims, {}, lambda p: p["fast"] < p["slow"], max_points=10)
    assert grid.size is None and grid.untried([]) is None
    rng = np.random.default_rng(0)
    tried: set = set()
    for _ in range(50):
        point = grid.nearest({"fast": 2, "slow": 40}, tried, rng)
        key = grid.key(point)
        assert key not in tried
        tried.add(key)


def test_resolve_storage_when_journal_path_then_a_journal_storage(tmp_path):
    store, shown = resolve_storage(str(tmp_path / "s.journal"))
    assert isinstance(store, optuna.storages.JournalStorage)
    assert shown == f"journal:{tmp_path / 's.journal'}"


def test_resolve_storage_when_journal_folder_is_missing_then_error_names_storage(tmp_path):
    from signaltrust.core.errors import ValidationError

    with pytest.raises(ValidationError, match="folder") as info:
        resolve_storage(str(tmp_path / "nowhere" / "s.journal"))
    assert info.value.field == "storage"
