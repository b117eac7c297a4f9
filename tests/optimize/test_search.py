"""Parameter search: every method finds a known optimum, grid via sweep equals run, constraints,
seeds, persistence in a journal file, SQLite and a PostgreSQL study shared by two workers."""

from __future__ import annotations

import math
import uuid

import pytest

from signaltrust.backtest.api import load_bars, run
from signaltrust.core.errors import ValidationError
from signaltrust.optimize.objectives import OBJECTIVES, equity_objective
from signaltrust.optimize.search import optimize, optimize_function
from signaltrust.optimize.study import default_storage, delete_study

SPACE = {"fast": range(5, 26, 5), "slow": range(40, 81, 20)}  # 5 x 3 combinations
OPTIMUM = {"fast": 15, "slow": 60}


@pytest.fixture(scope="module")
def bars():
    return load_bars("goog").iloc[:600]


def toy(result) -> float:
    """A known optimum at fast=15, slow=60 whatever the market did."""
    p = result.params["strategy_params"]
    return -((p["fast"] - 15) ** 2) - ((p["slow"] - 60) / 10) ** 2


def toy_fast(result) -> float:
    return -((result.params["strategy_params"]["fast"] - 15) ** 2)


def toy_slow(result) -> float:
    return -((result.params["strategy_params"]["slow"] - 60) ** 2)


@pytest.mark.parametrize("method", ["grid", "random", "tpe", "cmaes"])
def test_optimize_when_toy_objective_then_each_method_finds_the_optimum(bars, method):
    found = optimize(bars, "sma_cross", space=SPACE, method=method, objective=toy,
                     n_trials=60, storage="memory", seed=1)
    assert {k: found.best_params[k] for k in OPTIMUM} == OPTIMUM
    assert found.best_value == 0.0


def test_optimize_when_nsga2_two_objectives_then_pareto_front_is_the_joint_optimum(bars):
    found = optimize(bars, "sma_cross", space=SPACE, method="nsga2",
                     objective=[toy_fast, toy_slow], n_trials=60, storage="memory", seed=1)
    front = found.pareto[["fast", "slow"]].drop_duplicates()
    assert front.to_dict(orient="records") == [OPTIMUM]


def test_optimize_when_grid_via_sweep_then_best_equals_run_and_every_combination_is_a_trial(bars):
    found = optimize(bars, "sma_cross", space=["fast=5:25:5", "slow=20:80:20"], method="grid",
                     storage="memory")
    trials = found.trials
    combos = [(f, s) for f in range(5, 26, 5) for s in range(20, 81, 20) if f < s]
    assert sorted(zip(trials["fast"], trials["slow"], strict=True)) == sorted(combos)
    assert set(trials["source"]) == {"sweep"}
    assert len(found.study.trials) == len(combos)  # recorded in the Optuna study too
    again = run(bars, "sma_cross", found.best_params).stats["sharpe_ratio"]
    assert math.isclose(found.best_value, again, rel_tol=1e-9)
    assert found.best_value == pytest.approx(trials["sharpe_ratio"].max())


@pytest.mark.parametrize("name", OBJECTIVES)
def test_equity_objective_when_named_then_equals_run_stats(bars, name):
    result = run(bars, "sma_cross", {"fast": 10, "slow": 30})
    value = equity_objective(name, result.equity, result.settings["cash"],
                             result.periods_per_year)
    if name == "return_over_drawdown":
        stats = result.stats
        assert value == pytest.approx(stats["total_return"] / abs(stats["max_drawdown"]))
    else:
        assert value == pytest.approx(result.stats[name], rel=1e-12)


@pytest.mark.parametrize("method", ["random", "tpe", "nsga2", "grid"])
def test_optimize_when_constraint_then_no_infeasible_trial_is_backtested(bars, method):
    objective = ["sharpe_ratio", "total_return"] if method == "nsga2" else "sharpe_ratio"
    found = optimize(bars, "sma_cross", space=SPACE, method=method, objective=objective,
                     n_trials=25, constraints=["fast * 4 <= slow"], storage="memory", seed=0)
    ok = found.trials[found.trials["feasible"]]
    assert len(ok) > 0
    assert (ok["fast"] * 4 <= ok["slow"]).all()
    bad = found.trials[found.trials["fast"] * 4 > found.trials["slow"]]
    assert not bad["feasible"].any()
    assert found.best_params["fast"] * 4 <= found.best_params["slow"]


def test_optimize_when_continuous_space_violates_a_constraint_then_trial_is_not_feasible(bars):
    from signaltrust.optimize.space import Range

    found = optimize(bars, "bollinger_rsi", space={"nbdev": Range(0.5, 3.0)}, method="random",
                     n_trials=12, constraints=["nbdev <= 1.5"], storage="memory", seed=3,
                     statistics=False)
    ok = found.trials[found.trials["feasible"]]
    assert (ok["nbdev"] <= 1.5).all()
    assert (~found.trials["feasible"]).any()  # the sampler did propose nbdev > 1.5
    assert found.grid_size is None  # a continuous space is not enumerated


def test_optimize_when_same_seed_then_same_trials(bars):
    first = optimize(bars, "sma_cross", space=SPACE, method="tpe", n_trials=15,
                     storage="memory", seed=7)
    second = optimize(bars, "sma_cross", space=SPACE, method="tpe", n_trials=15,
                      storage="memory", seed=7)
    columns = ["fast", "slow", "sharpe_ratio"]
    assert first.trials[columns].equals(second.trials[columns])


def test_optimize_when_searched_then_deflated_sharpe_and_pbo_are_probabilities(bars):
    found = optimize(bars, "sma_cross", space=SPACE, method="grid", storage="memory")
    assert 0.0 <= found.deflated_sharpe <= 1.0
    assert 0.0 <= found.pbo <= 1.0
    assert found.pbo_configurations == len(found.trials)
    # deflating by more trials can only lower the figure: compare with the plain PSR
    from signaltrust.optimize.overfitting import probabilistic_sharpe_ratio, sharpe_moments

    best = run(bars, "sma_cross", found.best_params).equity.pct_change().dropna()
    assert found.deflated_sharpe < probabilistic_sharpe_ratio(*sharpe_moments(best))
    summary = found.summary()
    assert {"best_value", "deflated_sharpe", "pbo"} <= set(summary)


def test_optimize_when_folds_and_pruning_then_trailing_trials_are_pruned(bars):
    found = optimize(bars, "sma_cross", space={"fast": range(2, 30), "slow": range(31, 90)},
                     method="random", n_trials=40, folds=3, pruning=True, storage="memory",
                     seed=0)
    states = set(found.trials["state"])
    assert "PRUNED" in states and "COMPLETE" in states


def test_optimize_when_unknown_method_then_error_names_the_field(bars):
    with pytest.raises(ValidationError, match="method"):
        optimize(bars, "sma_cross", space=SPACE, method="anneal", storage="memory")


def test_optimize_when_home_storage_then_study_persists_in_a_journal_under_home(bars,
                                                                            isolated_home):
    name = f"t-{uuid.uuid4().hex[:8]}"
    storage = default_storage(isolated_home)
    first = optimize(bars, "sma_cross", space=SPACE, method="random", n_trials=5,
                     study_name=name, statistics=False, storage=storage)
    assert (isolated_home / "optuna.journal").exists()
    assert first.storage.startswith("journal:")
    second = optimize(bars, "sma_cross", space=SPACE, method="random", n_trials=4,
                      study_name=name, statistics=False, seed=2, storage=storage)
    assert second.n_trials == 9


def test_optimize_when_sqlite_url_then_study_persists_in_the_database(bars, tmp_path):
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    first = optimize(bars, "sma_cross", space=SPACE, method="tpe", n_trials=4,
                     study_name="shared", statistics=False, storage=url)
    second = optimize(bars, "sma_cross", space=SPACE, method="tpe", n_trials=3,
                      study_name="shared", statistics=False, seed=2, storage=url)
    assert (tmp_path / "optuna.db").exists() and first.storage.startswith("sqlite:///")
    assert second.n_trials == 7 and second.distinct_trials == 7


def test_optimize_when_no_storage_given_then_study_lives_in_memory_and_nothing_is_written(
    bars, isolated_home
):
    found = optimize(bars, "sma_cross", space=SPACE, method="random", n_trials=3,
                     statistics=False)
    assert found.storage == "memory"
    assert not (isolated_home / "optuna.journal").exists()


@pytest.mark.postgres
def test_optimize_when_two_workers_share_a_postgres_study_then_trials_add_up(
    bars, postgres_url, postgres_schema
):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{postgres_schema}"')
    url = (postgres_url.replace("postgresql://", "postgresql+psycopg://")
           + f"?options=-csearch_path%3D{postgres_schema}")
    name = f"shared-{uuid.uuid4().hex[:8]}"
    try:
        one = optimize(bars, "sma_cross", space=SPACE, method="tpe", n_trials=6, storage=url,
                       study_name=name, seed=1, statistics=False)
        two = optimize(bars, "sma_cross", space=SPACE, method="tpe", n_trials=5, storage=url,
                       study_name=name, seed=2, statistics=False)
        assert one.n_trials == 6
        assert two.n_trials == 11
        assert "postgresql" in two.storage
    finally:
        delete_study(name, url)


def test_optimize_function_when_user_objective_then_tpe_finds_its_maximum():
    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        return -((x - 1.5) ** 2)

    study = optimize_function(objective, method="tpe", n_trials=40, seed=0)
    assert study.best_params["x"] == pytest.approx(1.5, abs=0.3)


def test_optimize_function_when_space_given_then_objective_gets_params():
    study = optimize_function(lambda p: -abs(p["depth"] - 6), {"depth": range(2, 11)},
                              method="grid", n_trials=9)
    assert study.best_params["depth"] == 6
