"""The environments: Gymnasium's checker, next-open fills with costs, no look-ahead, rewards."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from gymnasium.utils.env_checker import check_env

from signaltrust.backtest import Costs, run
from signaltrust.core.errors import ValidationError
from signaltrust.research.rl.actions import EnvSettings
from signaltrust.research.rl.env import TradingEnv
from signaltrust.strategy.api import Strategy
from tests.rl.conftest import drifting_bars, flat_bars, returns_features


def _check(env: TradingEnv) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker reports problems as warnings too
        check_env(env, skip_render_check=True)


@pytest.mark.parametrize("actions", ["discrete", "continuous"])
def test_check_env_when_one_asset_then_passes(sp500_recent, actions):
    env = TradingEnv(sp500_recent.iloc[-400:], "technical", EnvSettings(actions=actions))
    _check(env)
    assert env.observation_space.shape == (len(env.feature_names) + 2,)


@pytest.mark.parametrize("actions", ["discrete", "continuous"])
def test_check_env_when_portfolio_then_passes(pair, actions):
    env = TradingEnv(pair, returns_features(), EnvSettings(actions=actions, allow_short=True))
    _check(env)
    assert env.feature_names == ["a:ret_1", "a:ret_5", "b:ret_1", "b:ret_5"]
    assert env.observation_space.shape == (4 + 2 + 1,)


def test_masks_when_shorting_off_then_short_hidden_and_a_sent_short_is_taken_as_flat(pair):
    env = TradingEnv(pair, returns_features(), EnvSettings(actions="discrete"))
    assert env.action_masks().tolist() == [False, True, True] * 2
    env.reset(options={"start": 10, "end": 20})
    _, _, _, _, info = env.step([0, 2])
    assert info["masked"] and env.masked_actions == 1
    env.step([1, 1])
    fills = env.result().fills
    assert set(fills["symbol"]) == {"b"} and (fills["side"] == "BUY").sum() == 1


def test_masks_when_shorting_on_then_every_action_allowed(walk):
    env = TradingEnv(walk, returns_features(), EnvSettings(allow_short=True))
    assert env.action_masks().all()


def test_fill_when_agent_goes_long_then_next_open_with_slippage_and_fees():
    bars = drifting_bars(8)
    costs = Costs(fees=0.001, slippage=0.0002)
    env = TradingEnv(bars, returns_features(), EnvSettings(costs=costs))
    env.reset(options={"start": 5, "end": 7})
    obs, reward, *_ = env.step(2)  # decided at the close of row 5
    fill = env.result().fills.iloc[0]
    price = bars["open"].iloc[6] * 1.0002
    quantity = 100_000.0 / (price * 1.001)  # the whole equity, fees included
    assert fill["timestamp"] == bars.index[6]
    assert fill["price"] == pytest.approx(price)
    assert fill["quantity"] == pytest.approx(quantity)
    assert fill["fee"] == pytest.approx(0.001 * quantity * price)
    equity = quantity * bars["close"].iloc[6]
    assert reward == pytest.approx(100.0 * (equity / 100_000.0 - 1.0))
    assert obs[-2] == pytest.approx(1.0, abs=1e-6) and obs[-1] == pytest.approx(0.0, abs=1e-6)


class _Scripted(Strategy):
    """Target weights by bar position, sent only when the side changes (the env's rule)."""

    name = "scripted"

    def __init__(self, targets: dict[int, float]) -> None:
        super().__init__()
        self.targets = targets

    def on_start(self, ctx):
        self.i = -1

    def on_bar(self, ctx, bar):
        self.i += 1
        target = self.targets.get(self.i)
        if target is None:
            return
        position = ctx.position(bar.symbol)
        if np.sign(position) != np.sign(target):
            ctx.order_target_weight(bar.symbol, target)


@pytest.mark.parametrize("allow_short", [False, True])
def test_episode_when_scripted_then_equity_equals_the_event_backtest(walk, allow_short):
    costs = Costs(fees=0.002, slippage=0.001)
    settings = EnvSettings(costs=costs, allow_short=allow_short)
    env = TradingEnv(walk, returns_features(), settings)
    rng = np.random.default_rng(7)
    script = rng.integers(0, 3, size=len(walk) - 1 - env.first)
    env.reset(options={"start": env.first, "end": len(walk) - 1})
    for action in script:
        env.step(int(action))
    levels = {0: -1.0 if allow_short else 0.0, 1: 0.0, 2: 1.0}
    targets = {env.first + k: levels[int(a)] for k, a in enumerate(script)}
    event = run(walk, _Scripted(targets), engine="event", costs=costs)
    mine = env.result()
    assert len(mine.fills) > 20
    pd.testing.assert_series_equal(mine.equity, event.equity.loc[mine.equity.index],
                                   check_names=False, rtol=1e-10)
    assert mine.stats["fees_paid"] == pytest.approx(event.stats["fees_paid"])


def test_observation_when_future_bars_altered_then_unchanged_up_to_t(sp500_recent):
    bars = sp500_recent.iloc[-400:]
    t = 320
    altered = bars.copy()
    shock = np.linspace(1.3, 0.6, len(bars) - t - 1)
    for col in ("open", "high", "low", "close"):
        altered.iloc[t + 1:, altered.columns.get_loc(col)] *= shock
    env = TradingEnv(bars, "technical")
    other = TradingEnv(altered, "technical", scaler=env.scaler)  # the training scaler
    seen = []
    for e in (env, other):
        obs, _ = e.reset(options={"start": env.first, "end": len(bars) - 1})
        rows = [obs]
        for k in range(t - env.first):
            rows.append(e.step(2 if k % 7 < 4 else 1)[0])
        seen.append(np.array(rows))
    np.testing.assert_array_equal(seen[0], seen[1])
    assert not np.array_equal(env.matrix[t + 5], other.matrix[t + 5])  # the shock is seen later


@pytest.mark.parametrize("reward", ["pnl", "differential_sharpe", "drawdown"])
def test_reward_when_trading_a_flat_market_then_never_positive_and_idle_pays_zero(reward):
    bars = flat_bars(80)
    env = TradingEnv(bars, returns_features(), EnvSettings(reward=reward, allow_short=True))
    rng = np.random.default_rng(0)
    for policy in ("trade", "idle"):
        env.reset(options={"start": env.first, "end": len(bars) - 1})
        paid = []
        for _ in range(len(bars) - 1 - env.first):
            paid.append(env.step(int(rng.integers(0, 3)) if policy == "trade" else 1)[1])
        if policy == "idle":
            assert paid == [0.0] * len(paid)
        else:
            assert len(env.result().fills) > 10
            assert sum(paid) < 0.0
            if reward != "differential_sharpe":  # its bar-by-bar change may recover
                assert max(paid) <= 1e-9


def test_reward_when_pnl_then_rewards_add_up_to_the_episode_return(walk):
    env = TradingEnv(walk, returns_features(), EnvSettings(actions="continuous",
                                                            allow_short=True))
    env.reset(seed=0, options={"start": env.first, "end": len(walk) - 1})
    total, done = 0.0, False
    while not done:
        _, r, term, trunc, _ = env.step(env.action_space.sample())
        total += r
        done = term or trunc
    assert total == pytest.approx(100.0 * env.result().stats["total_return"])


def test_reset_when_episode_bars_set_then_seeded_random_starts_of_that_length(walk):
    env = TradingEnv(walk, returns_features(), EnvSettings(episode_bars=50))
    starts = []
    for seed in (1, 1, 2):
        env.reset(seed=seed)
        starts.append(env.time)
        for _ in range(49):
            *_, trunc, _ = env.step(1)
        assert trunc
    assert starts[0] == starts[1]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"actions": "hold"}, "actions"),
    ({"max_weight": 0.0}, "max_weight"),
    ({"rebalance_band": 2.0}, "rebalance_band"),
    ({"episode_bars": 1}, "episode_bars"),
    ({"costs": {"fees": 0.001}}, "costs"),
    ({"costs": Costs(fill_at="close")}, "costs.fill_at"),
    ({"participation": 1.5}, "participation"),
])
def test_env_settings_when_bad_value_then_validation_error_names_field(kwargs, field):
    with pytest.raises(ValidationError) as info:
        EnvSettings(**kwargs)
    assert info.value.field == field and info.value.fix


def test_env_when_span_outside_data_then_validation_error(walk):
    with pytest.raises(ValidationError) as info:
        TradingEnv(walk, returns_features(), span=(10, len(walk)))
    assert info.value.field == "span" and str(len(walk)) in info.value.fix


def test_step_when_episode_ended_then_validation_error_says_reset(walk):
    env = TradingEnv(walk, returns_features())
    with pytest.raises(ValidationError) as info:
        env.result()
    assert info.value.field == "result"
    env.reset(options={"start": 10, "end": 11})
    env.step(1)
    with pytest.raises(ValidationError) as info:
        env.step(1)
    assert "reset" in info.value.fix


def test_step_when_action_count_wrong_then_validation_error(pair):
    env = TradingEnv(pair, returns_features())
    env.reset(options={"start": 10, "end": 20})
    with pytest.raises(ValidationError) as info:
        env.step([2])
    assert info.value.field == "action" and "2" in info.value.fix


def test_reset_when_episode_options_outside_data_then_validation_error(walk):
    env = TradingEnv(walk, returns_features())
    with pytest.raises(ValidationError) as info:
        env.reset(options={"start": 5, "end": 5})
    assert info.value.field == "options"
