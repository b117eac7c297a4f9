"""Rewards: functions of equity only, computed by hand on short equity paths."""

from __future__ import annotations

import math

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.rl.rewards import (
    DifferentialSharpe,
    DrawdownPenalised,
    NetPnL,
    make_reward,
)


def _pay(reward, path):
    reward.reset(path[0])
    return [reward.step(e) for e in path[1:]]


def test_net_pnl_when_summed_then_equals_total_return_in_percent():
    path = [100.0, 103.0, 99.0, 110.0]
    paid = _pay(NetPnL(), path)
    assert paid == pytest.approx([3.0, -4.0, 11.0])
    assert sum(paid) == pytest.approx(100.0 * (path[-1] / path[0] - 1.0))


def test_drawdown_penalised_when_equity_falls_from_peak_then_loss_costs_one_plus_penalty():
    paid = _pay(DrawdownPenalised(penalty=2.0), [100.0, 110.0, 99.0, 104.5])
    # +10 % gain once; -10 % loss with a drawdown deepening by 10 % -> -10 - 2 * 10;
    # a recovery inside the drawdown counts once
    assert paid == pytest.approx([10.0, -30.0, 100.0 * (104.5 / 99.0 - 1.0)])


def test_differential_sharpe_when_computed_then_matches_moody_saffell_by_hand():
    eta = 0.5
    path = [100.0, 101.0, 99.99, 102.0]
    paid = _pay(DifferentialSharpe(eta=eta), path)
    a = b = 0.0
    expected = []
    for before, after in zip(path, path[1:], strict=False):
        r = after / before - 1.0
        da, db = r - a, r * r - b
        var = b - a * a
        expected.append((b * da - 0.5 * a * db) / var ** 1.5 if var > 1e-12 else 0.0)
        a, b = a + eta * da, b + eta * db
    assert expected[0] == 0.0 and expected[2] != 0.0
    assert paid == pytest.approx(expected)


def test_reward_when_equity_unchanged_then_pays_nothing():
    for name in ("pnl", "differential_sharpe", "drawdown"):
        assert _pay(make_reward(name), [100.0] * 5) == [0.0] * 4


def test_make_reward_when_name_unknown_then_validation_error_names_the_choices():
    with pytest.raises(ValidationError) as info:
        make_reward("sortino")
    assert info.value.field == "reward" and info.value.value == "sortino"
    assert "differential_sharpe" in info.value.fix


@pytest.mark.parametrize("eta", [0.0, 1.0, -0.1])
def test_differential_sharpe_when_eta_out_of_range_then_validation_error(eta):
    with pytest.raises(ValidationError) as info:
        DifferentialSharpe(eta=eta)
    assert info.value.field == "eta" and info.value.fix


@pytest.mark.parametrize("penalty", [-1.0, math.inf, math.nan])
def test_drawdown_penalised_when_penalty_bad_then_validation_error(penalty):
    with pytest.raises(ValidationError) as info:
        DrawdownPenalised(penalty=penalty)
    assert info.value.field == "penalty"
