"""RLAgent: trained in the environment, the same decisions as a Strategy in the event backtest."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import Costs, run
from signaltrust.core.errors import ValidationError
from signaltrust.research.rl.agent import RLAgent, algorithm_class, run_episode
from signaltrust.research.rl.strategy import RLStrategy
from tests.rl.conftest import returns_features


def test_agent_when_trained_then_runs_as_strategy_in_event_backtest_with_env_equity(
        trained_agent, sp500_recent):
    in_env = trained_agent.episode(sp500_recent)
    backtest = run(sp500_recent, trained_agent.strategy(), engine="event", costs=Costs())
    assert trained_agent.maskable_  # ppo without shorting trains with masks
    assert len(in_env.fills) > 0
    pd.testing.assert_series_equal(in_env.equity, backtest.equity.loc[in_env.equity.index],
                                   check_names=False, rtol=1e-9)
    before = backtest.equity.loc[:in_env.equity.index[0]]
    assert (before == backtest.equity.iloc[0]).all()  # nothing traded in the warm-up


def test_agent_when_pickled_then_same_actions(trained_agent, sp500_recent):
    env = trained_agent.make_env(sp500_recent)
    obs = env.matrix[env.first: env.first + 50]
    obs = np.hstack([obs, np.zeros((50, 1), np.float32), np.ones((50, 1), np.float32)])
    copy = pickle.loads(pickle.dumps(trained_agent))
    np.testing.assert_array_equal(copy.predict(obs), trained_agent.predict(obs))
    assert copy.predict(obs[0]).shape == ()


def test_agent_when_fitted_then_scaler_saw_only_training_bars(trained_agent, sp500_recent):
    env = RLAgent(features="technical").make_env(sp500_recent.iloc[:450])
    np.testing.assert_allclose(trained_agent.scaler_.mean_, env.scaler.mean_)
    assert trained_agent.train_span_[1] == sp500_recent.index[449]


@pytest.mark.parametrize(("algo", "actions", "short"), [
    ("a2c", "discrete", True), ("dqn", "discrete", False), ("sac", "continuous", False),
    pytest.param("recurrent_ppo", "discrete", True, marks=pytest.mark.slow),
    ("ppo", "continuous", True),
])
def test_algorithm_when_trained_briefly_then_trades_through_the_event_backtest(
        walk, algo, actions, short):
    agent = RLAgent(algo=algo, features=returns_features(), actions=actions, allow_short=short,
                    timesteps=200, seed=1,
                    algo_params={"n_steps": 64} if "ppo" in algo else None)
    agent.fit(walk.iloc[:200])
    in_env = agent.episode(walk, start=200, end=len(walk) - 1)
    strategy = agent.strategy()
    assert isinstance(strategy, RLStrategy) and agent.algorithm_ in repr(strategy)
    backtest = run(walk, strategy, engine="event", costs=Costs())
    assert np.isfinite(backtest.stats["sharpe_ratio"]) or backtest.stats["trades"] == 0
    if algo != "recurrent_ppo":  # its memory starts at the first bar it is given
        env = agent.make_env(walk)
        equity = run_episode(agent, env).result().equity
        pd.testing.assert_series_equal(equity, backtest.equity.loc[equity.index],
                                       check_names=False, rtol=1e-9)
    assert len(in_env.equity) == len(walk) - 200


class _Live(RLStrategy):
    """The strategy as live trading runs it: features from the last ``lookback`` bars."""

    def prepare_bars(self, bars):
        return bars


def test_strategy_when_features_computed_live_then_same_equity_as_replay(walk):
    agent = RLAgent(features=returns_features(), allow_short=True, timesteps=128, seed=2,
                    algo_params={"n_steps": 64}).fit(walk.iloc[:150])
    replay = run(walk, agent.strategy(), engine="event")
    live = run(walk, _Live(agent, lookback=50), engine="event")
    assert replay.stats["trades"] > 0
    pd.testing.assert_series_equal(live.equity, replay.equity, rtol=1e-9)


def test_strategy_when_symbol_count_differs_then_validation_error(trained_agent, pair):
    with pytest.raises(ValidationError) as info:
        run(pair, trained_agent.strategy(), engine="event")
    assert info.value.field == "symbols" and "1 symbol" in info.value.fix


@pytest.mark.parametrize(("algo", "actions", "field"), [
    ("ddpg", "discrete", "algo"), ("dqn", "continuous", "actions"),
    ("sac", "discrete", "actions"), ("maskable_ppo", "continuous", "actions"),
])
def test_algorithm_class_when_it_cannot_act_in_the_space_then_validation_error(
        algo, actions, field):
    with pytest.raises(ValidationError) as info:
        algorithm_class(algo, actions, masked=False, use_masks=True)
    assert info.value.field == field and info.value.fix


def test_algorithm_class_when_ppo_and_masks_hide_short_then_maskable_ppo():
    cls, _ = algorithm_class("ppo", "discrete", masked=True, use_masks=True)
    assert cls.__name__ == "MaskablePPO"
    cls, _ = algorithm_class("ppo", "discrete", masked=True, use_masks=False)
    assert cls.__name__ == "PPO"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"timesteps": 0}, "timesteps"), ({"timesteps": 10.5}, "timesteps"),
    ({"seed": "one"}, "seed"), ({"seed": True}, "seed"), ({"reward": "bonus"}, "reward"),
])
def test_fit_when_bad_argument_then_validation_error(walk, kwargs, field):
    with pytest.raises(ValidationError) as info:
        RLAgent(features=returns_features(), **kwargs).fit(walk)
    assert info.value.field == field


def test_strategy_when_agent_not_trained_then_validation_error():
    with pytest.raises(ValidationError) as info:
        RLAgent().strategy()
    assert info.value.field == "agent" and "fit" in info.value.fix


@pytest.mark.slow
def test_saved_agent_when_paper_node_then_same_equity_as_event_backtest(walk, tmp_path):
    import json

    from typer.testing import CliRunner

    from signaltrust.cli.main import app
    from signaltrust.research.rl.agent import save_agent
    from signaltrust.research.rl.saved import SavedAgent

    agent = RLAgent(features=returns_features(), allow_short=True, timesteps=128, seed=4,
                    algo_params={"n_steps": 64}).fit(walk.iloc[:150])
    path = save_agent(agent, tmp_path / "agent.pkl")
    data = tmp_path / "walk.csv"
    walk.rename_axis("date").to_csv(data)
    result = CliRunner().invoke(app, [
        "paper", "--data", str(data), "--strategy",
        "signaltrust.research.rl.saved:SavedAgent", "--param", f"agent={path}",
        "--name", "rl-walk", "--json"])
    assert result.exit_code == 0, result.output
    node = json.loads(result.stdout)
    backtest = run(walk, SavedAgent(agent=str(path)), engine="event")
    assert node["trades"] == backtest.stats["trades"] > 0
    assert node["final_equity"] == pytest.approx(backtest.equity.iloc[-1], rel=1e-9)


def test_saved_agent_when_path_missing_or_not_an_agent_then_validation_error(tmp_path):
    from signaltrust.research.rl.agent import load_agent

    with pytest.raises(ValidationError) as info:
        load_agent(tmp_path / "none.pkl")
    assert info.value.field == "agent" and "rl train --out" in info.value.fix
    other = tmp_path / "other.pkl"
    other.write_bytes(pickle.dumps({"not": "an agent"}))
    with pytest.raises(ValidationError) as info:
        load_agent(other)
    assert info.value.message == "the file is not a saved agent"
