"""``signaltrust rl train | evaluate | run`` through the Typer app (small timesteps)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app

SMALL = ["--data", "sp500", "--timesteps", "256"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """An agent trained by the CLI on the sp500 bars (held-out last 30 %), and its JSON."""
    path = tmp_path_factory.mktemp("agent") / "agent.pkl"
    result = CliRunner().invoke(app, ["rl", "train", *SMALL, "--seeds", "2", "--out", str(path),
                                      "--json"])
    assert result.exit_code == 0, result.output
    return path, json.loads(result.stdout)


def test_rl_train_when_json_then_out_of_sample_sharpe_buy_and_hold_and_deflated_sharpe(saved):
    path, payload = saved
    for key in ("sharpe_ratio", "buy_and_hold", "deflated_sharpe", "verdict", "seeds",
                "reproducibility", "equal_weight", "random_agent"):
        assert key in payload, key
    assert payload["buy_and_hold"]["sharpe_ratio"] is not None
    assert payload["reproducibility"]["seeds"] == [0, 1] and payload["n_trials"] == 2
    fold = payload["folds"][0]
    assert fold["train_end"] < fold["test_start"] and fold["test_end"].startswith("2018-12-31")
    assert payload["saved"] == str(path) and path.stat().st_size > 0


def test_rl_run_when_saved_agent_then_trades_after_its_training_span(saved):
    path, payload = saved
    result = CliRunner().invoke(app, ["rl", "run", "--agent", str(path), "--data", "sp500",
                                      "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["traded_from"] > out["trained_on"][1]
    assert out["traded_from"] <= payload["folds"][0]["test_start"]
    for side in ("strategy", "buy_and_hold"):
        assert {"sharpe_ratio", "total_return", "max_drawdown", "trades"} <= set(out[side])


def test_rl_run_when_text_then_table_against_buy_and_hold(saved):
    path, _ = saved
    result = CliRunner().invoke(app, ["rl", "run", "--agent", str(path), "--from", "2018-01-02"])
    assert result.exit_code == 0, result.output
    assert "buy-and-hold" in result.stdout and "2018-01-02" in result.stdout


def test_rl_train_when_text_then_table_and_plain_verdict():
    result = CliRunner().invoke(app, ["rl", "train", *SMALL, "--algo", "a2c", "--short"])
    assert result.exit_code == 0, result.output
    assert "RL beat buy-and-hold: " in result.stdout and "random timing" in result.stdout


@pytest.mark.slow
def test_rl_evaluate_when_json_then_folds_seeds_and_verdict():
    result = CliRunner().invoke(app, ["rl", "evaluate", *SMALL, "--features", "technical",
                                      "--splits", "2", "--seeds", "2", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["folds"]) == 2 and sorted(payload["seeds"]) == ["0", "1"]
    assert payload["verdict"].startswith("RL beat buy-and-hold: ")


@pytest.mark.parametrize(("args", "words"), [
    (["train", *SMALL, "--algo", "ddpg", "--json"], "algo"),
    (["train", *SMALL, "--algo", "sac", "--json"], "continuous"),
    (["train", *SMALL, "--reward", "bonus", "--json"], "reward"),
    (["evaluate", *SMALL, "--seeds", "0", "--json"], "seeds"),
])
def test_rl_when_bad_input_then_exit_1_with_the_field_and_fix(args, words):
    result = CliRunner().invoke(app, ["rl", *args])
    assert result.exit_code == 1, result.output
    error = json.loads(result.stdout)
    assert error["error"] == "ValidationError" and error["fix"]
    assert words in json.dumps(error)


def test_rl_train_when_test_share_out_of_range_then_usage_error_exit_2():
    result = CliRunner().invoke(app, ["rl", "train", *SMALL, "--test-share", "1.5"])
    assert result.exit_code == 2
    assert "--test-share" in result.output


def test_rl_run_when_file_is_not_an_agent_then_exit_1(tmp_path):
    path = tmp_path / "agent.pkl"
    path.write_bytes(b"not a pickle")
    result = CliRunner().invoke(app, ["rl", "run", "--agent", str(path), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["field"] == "--agent"


def test_rl_run_when_from_after_the_data_then_exit_1(saved):
    path, _ = saved
    result = CliRunner().invoke(app, ["rl", "run", "--agent", str(path), "--from", "2030-01-01",
                                      "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["field"] == "--from"
