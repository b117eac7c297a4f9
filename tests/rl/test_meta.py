"""The meta-agent: Hedge weights with caps and a cash expert; families as agents."""

from __future__ import annotations

import numpy as np
import pytest

from signaltrust.backtest import run
from signaltrust.core.errors import ValidationError
from signaltrust.research.rl.agent import RLAgent
from signaltrust.research.rl.families import FAMILIES, family_agent
from signaltrust.research.rl.meta import CASH, MetaAgent, expert_weights
from tests.rl.conftest import returns_features


def test_expert_weights_when_uncapped_then_softmax_of_sharpes_with_cash_at_zero():
    share = expert_weights([1.0, 0.0], eta=1.0, cap=1.0)
    z = np.exp([1.0, 0.0, 0.0])
    np.testing.assert_allclose(share, z / z.sum())


def test_expert_weights_when_one_expert_dominates_then_capped_and_excess_shared():
    share = expert_weights([5.0, 1.0, 0.5], eta=2.0, cap=0.4)
    assert share[0] == pytest.approx(0.4)
    assert share.sum() == pytest.approx(1.0)
    assert (share[:-1] <= 0.4 + 1e-12).all()
    assert share[1] > share[2] > 0.0  # the excess goes in proportion


def test_expert_weights_when_every_expert_capped_then_the_rest_is_cash():
    share = expert_weights([3.0, 3.0], eta=5.0, cap=0.25)
    np.testing.assert_allclose(share, [0.25, 0.25, 0.5])


def test_expert_weights_when_every_expert_loses_then_cash_holds_most():
    share = expert_weights([-2.0, -3.0], eta=1.0, cap=0.5)
    assert share[-1] > 0.5 + 1e-12 and share[-1] == share.max()
    missing = expert_weights([-2.0, np.nan], eta=1.0, cap=0.5)
    assert missing[1] == pytest.approx(missing[-1])  # a missing Sharpe counts as cash's 0


def test_family_agent_when_built_then_its_own_columns_and_reward():
    agent = family_agent("mean_reversion", algo="a2c", timesteps=10)
    assert agent.reward == "differential_sharpe" and agent.algo == "a2c"
    assert tuple(agent.features.columns) == FAMILIES["mean_reversion"].columns
    assert {f.reward for f in FAMILIES.values()} == {"pnl", "differential_sharpe", "drawdown"}


def test_family_agent_when_unknown_or_features_given_then_validation_error():
    with pytest.raises(ValidationError) as info:
        family_agent("carry")
    assert info.value.field == "family" and "momentum" in info.value.fix
    with pytest.raises(ValidationError) as info:
        family_agent("trend", features="technical")
    assert info.value.field == "features"


@pytest.mark.parametrize(("kwargs", "field"), [({"cap": 0.0}, "cap"), ({"cap": 1.5}, "cap"),
                                               ({"window": 3}, "window")])
def test_meta_agent_when_bad_setting_then_validation_error(walk, kwargs, field):
    with pytest.raises(ValidationError) as info:
        MetaAgent(experts={}, **kwargs).fit(walk)
    assert info.value.field == field


def test_meta_strategy_when_traded_then_shares_capped_sum_to_one_and_start_out_of_sample(walk):
    experts = {
        "long": RLAgent(features=returns_features(), timesteps=128, seed=0,
                        algo_params={"n_steps": 64}),
        "short": RLAgent(features=returns_features(), allow_short=True, timesteps=128, seed=1,
                         algo_params={"n_steps": 64}),
    }
    meta = MetaAgent(experts=experts, window=20, cap=0.6).fit(walk, span=(5, 149))
    strategy = meta.strategy(oos_start=walk.index[150])
    result = run(walk, strategy, engine="event")
    shares = strategy.allocations()
    assert shares.index[0] == walk.index[150]
    total = shares[["long", "short", CASH]].sum(axis=1)
    np.testing.assert_allclose(total, 1.0)
    assert (shares[["long", "short"]] <= 0.6 + 1e-12).all().all()
    assert shares[CASH].iloc[0] == pytest.approx(1.0 / 3.0)  # no trailing Sharpe yet: equal
    assert shares[CASH].std() > 0  # the weights move with the experts' trailing Sharpe
    assert result.equity.loc[:walk.index[150]].nunique() == 1  # nothing traded before


def test_meta_strategy_when_not_fitted_then_validation_error():
    with pytest.raises(ValidationError) as info:
        MetaAgent().strategy()
    assert info.value.field == "meta"
