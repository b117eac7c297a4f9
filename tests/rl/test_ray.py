"""Training the fold x seed units on Ray: the same figures as in-process, clear errors."""

from __future__ import annotations

import sys

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.research.rl.agent import RLAgent
from signaltrust.research.rl.evaluate import evaluate_agent
from signaltrust.research.rl.leak import random_walk_bars
from tests.rl.conftest import returns_features


def _agent() -> RLAgent:
    return RLAgent(features=returns_features(), timesteps=128, algo_params={"n_steps": 64})


@pytest.fixture(scope="module")
def bars():
    return random_walk_bars(240, seed=5)


@pytest.fixture
def local_ray():
    """A local Ray cluster with two CPUs, shut down after the test."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_evaluation_when_trained_on_ray_then_every_seed_matches_the_in_process_run(
        bars, local_ray):
    here = evaluate_agent(bars, _agent(), n_splits=2, seeds=2)
    there = evaluate_agent(bars, _agent(), n_splits=2, seeds=2, ray=True)
    assert here.executor == "in-process" and there.executor == "ray (local)"
    assert sorted(there.seeds) == [0, 1]
    for seed, figures in here.seeds.items():
        assert there.seeds[seed]["sharpe_ratio"] == pytest.approx(figures["sharpe_ratio"],
                                                                  abs=1e-12, rel=0)
        assert there.seeds[seed]["trades"] == figures["trades"]
        assert there.seeds[seed]["costs"] == pytest.approx(figures["costs"], abs=1e-12, rel=0)
    assert there.random_agent == pytest.approx(here.random_agent, abs=1e-12, rel=0)
    assert there.deflated_sharpe == pytest.approx(here.deflated_sharpe, abs=1e-12, rel=0)
    assert [a.seed for a in there.agents] == [0, 1]
    obs = here.agents[1].make_env(bars).reset(options={"start": 100, "end": 120})[0]
    assert there.agents[1].predict(obs) == here.agents[1].predict(obs)  # the agent came back


def test_evaluation_when_ray_address_answers_nothing_then_validation_error_naming_the_fix(
        bars):
    with pytest.raises(ValidationError, match="nothing answers") as caught:
        evaluate_agent(bars, _agent(), n_splits=2, seeds=2, ray="127.0.0.1:1")
    assert caught.value.field == "ray" and "in-process" in caught.value.fix


def test_evaluation_when_ray_is_not_installed_then_validation_error_naming_the_fix(
        bars, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ValidationError, match="Ray is not installed") as caught:
        evaluate_agent(bars, _agent(), n_splits=2, seeds=2, ray=True)
    assert "pip install" in caught.value.fix


def test_evaluation_when_ray_option_is_not_a_flag_or_address_then_validation_error(bars):
    with pytest.raises(ValidationError, match="ray must be"):
        evaluate_agent(bars, _agent(), n_splits=2, seeds=2, ray=2)


def test_rl_evaluate_when_ray_address_answers_nothing_then_exits_1_with_the_fix():
    from typer.testing import CliRunner

    from signaltrust.cli.main import app

    result = CliRunner().invoke(app, ["rl", "evaluate", "--data", "sp500", "--timesteps", "64",
                                      "--splits", "2", "--seeds", "2", "--ray"],
                                env={"SIGNALTRUST_RAY_ADDRESS": "127.0.0.1:1",
                                     "COLUMNS": "200"})
    assert result.exit_code == 1, result.output  # bad input (cli.console)
    assert "Ray address" in result.output and "in-process" in result.output
