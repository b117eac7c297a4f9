"""Walk-forward evaluation of an agent: purged folds, seeds, baselines, deflated Sharpe, verdict."""

from __future__ import annotations

import numpy as np
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.features.base import hash_frame
from signaltrust.research.rl.agent import RLAgent
from signaltrust.research.rl.evaluate import evaluate_agent, walk_forward_rows
from signaltrust.research.rl.leak import random_walk_bars
from tests.rl.conftest import returns_features


def _agent(**kwargs):
    return RLAgent(features=returns_features(), timesteps=128, algo_params={"n_steps": 64},
                   **kwargs)


@pytest.fixture(scope="module")
def bars():
    return random_walk_bars(360, seed=11)


@pytest.fixture(scope="module")
def evaluation(bars):
    return evaluate_agent(bars, _agent(), n_splits=2, seeds=5, n_trials=3)


def test_walk_forward_rows_when_split_then_train_precedes_test_with_an_embargo_gap():
    import pandas as pd

    index = pd.bdate_range("2020-01-01", periods=400, tz="UTC")
    folds = walk_forward_rows(index, 10, 3, embargo=0.02)
    assert len(folds) == 3
    for (train_first, train_last), (test_first, _) in folds:
        assert train_first == 10 and train_last < test_first - 1
        assert test_first - train_last - 1 >= int(np.ceil(0.02 * 390))  # the embargo
    assert [f[1][0] for f in folds[1:]] == [f[1][1] + 1 for f in folds[:-1]]
    assert folds[-1][1][1] == 399


def test_evaluation_when_run_then_every_seed_of_every_fold_is_reported(evaluation):
    assert sorted(evaluation.seeds) == [0, 1, 2, 3, 4]
    assert len(evaluation.folds) == 2 and len(evaluation.agents) == 5
    bars_out = sum(f["n_test"] for f in evaluation.folds)
    assert all(s["bars"] == bars_out for s in evaluation.seeds.values())
    sharpes = [s["sharpe_ratio"] for s in evaluation.seeds.values()]
    assert evaluation.sharpe_ratio == pytest.approx(np.median(sharpes))
    assert evaluation.best_sharpe == pytest.approx(max(sharpes))
    assert evaluation.n_trials == 5  # every seed is a trial (more than the 3 configurations)
    assert 0.0 <= evaluation.deflated_sharpe <= 1.0


def test_buy_and_hold_when_evaluated_then_equals_a_hand_computed_fill_at_each_fold_open(
        evaluation, bars):
    total = 1.0
    for fold in evaluation.folds:
        first, last = bars.index.get_loc(fold["test_start"]), bars.index.get_loc(fold["test_end"])
        price = bars["open"].iloc[first + 1] * 1.0002
        quantity = 1.0 / (price * 1.001)  # all of the equity, fees included
        total *= quantity * bars["close"].iloc[last]
    assert evaluation.buy_and_hold["total_return"] == pytest.approx(total - 1.0)
    assert evaluation.buy_and_hold["trades"] == 2


def test_random_agent_when_evaluated_then_trades_about_as_often_as_the_agent(evaluation):
    mine = np.mean([s["trades"] for s in evaluation.seeds.values()])
    random = evaluation.random_agent
    assert random["draws"] == 5
    assert abs(random["trades"] - mine) <= 2 * len(evaluation.folds) + 1
    assert random["costs"] > 0.0


def test_evaluation_when_reported_then_reproducible_and_plain(evaluation, bars):
    out = evaluation.to_dict()
    for key in ("sharpe_ratio", "buy_and_hold", "deflated_sharpe", "equal_weight",
                "random_agent", "verdict", "reproducibility"):
        assert key in out
    repro = out["reproducibility"]
    assert repro["seeds"] == [0, 1, 2, 3, 4] and repro["data_hash"] == hash_frame(bars)
    assert repro["signaltrust_version"] and repro["algorithm"] == "MaskablePPO"
    said = "yes" if evaluation.sharpe_ratio > evaluation.buy_and_hold["sharpe_ratio"] else "no"
    assert out["verdict"].startswith(f"RL beat buy-and-hold: {said} (")


def test_evaluation_when_run_twice_with_one_seed_then_same_figures(bars):
    one = evaluate_agent(bars, _agent(), n_splits=1, seeds=[7])
    two = evaluate_agent(bars, _agent(), n_splits=1, seeds=[7])
    assert one.seeds == two.seeds


def test_evaluation_when_portfolio_then_equal_weight_holds_each_asset(pair):
    result = evaluate_agent(pair, _agent(), n_splits=1, seeds=[0], test_size=60)
    assert result.folds[0]["n_test"] == 60
    assert result.equal_weight["trades"] >= 2 and result.buy_and_hold["trades"] == 2
    assert ";" in result.reproducibility["data_hash"]


def test_evaluation_when_tensorboard_dir_given_then_event_files_per_fold_and_seed(bars,
                                                                                  tmp_path):
    evaluate_agent(bars, _agent(tensorboard_log=str(tmp_path)), n_splits=1, seeds=[0])
    runs = sorted(p.name for p in tmp_path.iterdir())
    assert runs and runs[0].startswith("fold0_seed0")
    assert list((tmp_path / runs[0]).glob("events.out.tfevents.*"))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"seeds": [1, 1]}, "seeds"), ({"seeds": 0}, "seeds"), ({"n_trials": 0}, "n_trials"),
    ({"n_splits": 0}, "n_splits"),
])
def test_evaluation_when_bad_argument_then_validation_error(bars, kwargs, field):
    with pytest.raises(ValidationError) as info:
        evaluate_agent(bars, _agent(), **kwargs)
    assert info.value.field == field and info.value.fix


def test_evaluation_when_too_few_bars_then_validation_error():
    with pytest.raises(ValidationError) as info:
        evaluate_agent(random_walk_bars(30, seed=0), _agent(), n_splits=3)
    assert info.value.fix


def test_ml_baseline_when_portfolio_then_validation_error(pair):
    with pytest.raises(ValidationError) as info:
        evaluate_agent(pair, _agent(), n_splits=1, seeds=[0], test_size=60,
                       ml_model="logistic")
    assert info.value.field == "ml_model"


@pytest.mark.slow
def test_evaluation_when_registry_given_then_best_agent_registered_and_loads(bars, tmp_path):
    from signaltrust.ml.registry import load_model

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = evaluate_agent(bars, _agent(), n_splits=1, seeds=[0, 1], tracking_uri=uri)
    version = result.registry_version
    assert version is not None and version["name"] == "bars_rl_ppo"
    loaded = load_model(version["name"], tracking_uri=uri)
    obs = np.zeros((3, 4), np.float32)
    best = result.agents[int(np.argmax([result.seeds[s]["sharpe_ratio"] for s in (0, 1)]))]
    np.testing.assert_array_equal(loaded.predict(obs), best.predict(obs))


@pytest.mark.slow
def test_walk_forward_report_when_sp500_then_verdict_with_every_baseline():
    from signaltrust.data import load

    bars = load("sp500").iloc[-900:]
    agent = RLAgent(features="technical", timesteps=512, algo_params={"n_steps": 128})
    result = evaluate_agent(bars, agent, n_splits=3, seeds=5, ml_model="logistic",
                            data_name="sp500")
    assert len(result.folds) == 3 and len(result.seeds) == 5
    assert result.ml_strategy is not None and result.ml_strategy["model"] == "logistic"
    assert result.buy_and_hold["sharpe_ratio"] is not None
    assert result.verdict.startswith("RL beat buy-and-hold: ")
    assert result.to_dict()["data"] == "sp500"
