"""``RLAgent``: a Stable-Baselines3 agent behind a scikit-learn-like estimator.

``RLAgent(algo="ppo", features="technical", reward="pnl").fit(bars)`` builds a
:class:`~signaltrust.research.rl.env.TradingEnv` over the training bars (its feature scaler
fitted on them only), trains the algorithm for ``timesteps`` steps with ``seed``, and keeps the
policy; ``predict(observations)`` gives deterministic actions; ``strategy()`` is the trained
agent as a :class:`~signaltrust.strategy.Strategy` (backtest, paper and live); ``episode(bars,
start, end)`` trades it through an environment over other bars with the training scaler.

Algorithms: ``ppo``, ``a2c``, ``dqn`` (discrete actions), ``sac`` (continuous), ``recurrent_ppo``
(an LSTM policy, sb3-contrib) and ``maskable_ppo`` (sb3-contrib). ``use_masks`` (default on):
``ppo`` on discrete actions whose masks hide something (no shorting) trains as MaskablePPO,
which never samples a masked action; off, plain PPO may send "short", taken as flat.
Constructor arguments are stored as given and nothing is computed in ``__init__``.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from signaltrust.backtest.costs import Costs
from signaltrust.core.errors import ValidationError
from signaltrust.research.rl.actions import EnvSettings
from signaltrust.research.rl.env import TradingEnv
from signaltrust.rl.features import FeatureSpec

ALGORITHMS: dict[str, tuple[str, str, str]] = {
    "ppo": ("stable_baselines3", "PPO", "MlpPolicy"),
    "a2c": ("stable_baselines3", "A2C", "MlpPolicy"),
    "dqn": ("stable_baselines3", "DQN", "MlpPolicy"),
    "sac": ("stable_baselines3", "SAC", "MlpPolicy"),
    "recurrent_ppo": ("sb3_contrib", "RecurrentPPO", "MlpLstmPolicy"),
    "maskable_ppo": ("sb3_contrib", "MaskablePPO", "MlpPolicy"),
}
DISCRETE_ONLY = ("dqn", "maskable_ppo")
CONTINUOUS_ONLY = ("sac",)


def _defaults(algo: str, timesteps: int) -> dict[str, Any]:
    """Hyper-parameters sized for short runs on a CPU (any can be replaced by algo_params)."""
    if algo in ("ppo", "maskable_ppo", "recurrent_ppo"):
        return {"n_steps": 512 if timesteps < 20_000 else 1024, "batch_size": 64,
                "ent_coef": 0.01, "gamma": 0.95}
    if algo == "a2c":
        return {"n_steps": 16, "ent_coef": 0.01, "gamma": 0.95}
    replay = {"buffer_size": max(1_000, min(100_000, timesteps)),
              "learning_starts": max(100, min(1_000, timesteps // 10)), "gamma": 0.95}
    if algo == "dqn":
        return {**replay, "target_update_interval": max(250, timesteps // 40),
                "exploration_fraction": 0.3, "train_freq": 4}
    return replay


@contextmanager
def torch_threads(n: int | None) -> Any:
    """Run a block with ``n`` torch threads (small networks train faster and the same on one),
    then restore the count."""
    import torch

    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def algorithm_class(name: str, actions: str, masked: bool, use_masks: bool) -> tuple[type, str]:
    """The SB3 class and policy of ``name`` for ``actions`` (ValidationError when it cannot
    act in that space)."""
    key = str(name).strip().lower()
    if key not in ALGORITHMS:
        raise ValidationError("unknown algorithm", field="algo", value=name,
                              fix=f"use one of {', '.join(ALGORITHMS)}")
    if key in DISCRETE_ONLY and actions != "discrete":
        raise ValidationError(f"{key} needs discrete actions", field="actions", value=actions,
                              fix="pass actions='discrete', or algo='sac'/'ppo' for weights")
    if key in CONTINUOUS_ONLY and actions != "continuous":
        raise ValidationError(f"{key} needs continuous actions", field="actions",
                              value=actions, fix="pass actions='continuous' (target weights)")
    if key == "ppo" and masked and use_masks:
        key = "maskable_ppo"
    module, cls, policy = ALGORITHMS[key]
    return getattr(__import__(module, fromlist=[cls]), cls), policy


class RLAgent(BaseEstimator):
    """A trading agent trained by reinforcement learning in the trading core (see the module
    doc). ``fit(bars)`` trains; ``predict`` acts; ``strategy()`` trades it anywhere."""

    def __init__(
        self,
        algo: str = "ppo",
        features: FeatureSpec = "technical",
        reward: str = "pnl",
        actions: str = "discrete",
        allow_short: bool = False,
        max_weight: float = 1.0,
        rebalance_band: float = 0.02,
        episode_bars: int | None = None,
        timesteps: int = 20_000,
        seed: int = 0,
        costs: Costs | None = None,
        cash: float = 100_000.0,
        participation: float | None = None,
        algo_params: Mapping[str, Any] | None = None,
        use_masks: bool = True,
        tensorboard_log: str | None = None,
        n_threads: int | None = 1,
    ) -> None:
        self.algo = algo
        self.features = features
        self.reward = reward
        self.actions = actions
        self.allow_short = allow_short
        self.max_weight = max_weight
        self.rebalance_band = rebalance_band
        self.episode_bars = episode_bars
        self.timesteps = timesteps
        self.seed = seed
        self.costs = costs
        self.cash = cash
        self.participation = participation
        self.algo_params = algo_params
        self.use_masks = use_masks
        self.tensorboard_log = tensorboard_log
        self.n_threads = n_threads

    # -- set-up ---------------------------------------------------------------------------------
    def env_settings(self) -> EnvSettings:
        """The environment settings these arguments describe (checked)."""
        return EnvSettings(
            actions=self.actions, allow_short=bool(self.allow_short),
            max_weight=self.max_weight, rebalance_band=self.rebalance_band, reward=self.reward,
            episode_bars=self.episode_bars, cash=self.cash,
            costs=self.costs if self.costs is not None else Costs(),
            participation=self.participation,
        )

    def make_env(self, bars: pd.DataFrame | Mapping[str, pd.DataFrame],
                 span: tuple[int, int] | None = None) -> TradingEnv:
        """An environment over ``bars`` observed like the training one (its scaler when
        fitted: other bars are never used to scale)."""
        return TradingEnv(bars, self.features, self.env_settings(),
                          scaler=getattr(self, "scaler_", None), span=span)

    # -- scikit-learn contract ------------------------------------------------------------------
    def fit(self, X: pd.DataFrame | Mapping[str, pd.DataFrame], y: Any = None, *,
            span: tuple[int, int] | None = None, tb_log_name: str | None = None) -> RLAgent:
        """Train on the bars ``X`` (rows ``span`` of them; default: after the features'
        warm-up). Returns self."""
        if not isinstance(self.timesteps, (int, np.integer)) or self.timesteps < 1:
            raise ValidationError("timesteps must be a whole number >= 1", field="timesteps",
                                  value=self.timesteps, fix="pass e.g. timesteps=20000")
        if not isinstance(self.seed, (int, np.integer)) or isinstance(self.seed, bool):
            raise ValidationError("seed must be an integer", field="seed", value=self.seed,
                                  fix="pass e.g. seed=0")
        settings = self.env_settings()
        from signaltrust.research.rl.actions import ActionMap

        masked = ActionMap(settings, 1).masked
        cls, policy = algorithm_class(self.algo, settings.actions, masked, self.use_masks)
        started = time.perf_counter()
        with torch_threads(self.n_threads):
            self.scaler_ = None
            env = TradingEnv(X, self.features, settings, span=span)
            self.scaler_ = env.scaler
            params = {**_defaults(str(self.algo).lower(), int(self.timesteps)),
                      **dict(self.algo_params or {})}
            model = cls(policy, env, seed=int(self.seed), device="cpu", verbose=0,
                        tensorboard_log=self.tensorboard_log, **params)
            model.learn(total_timesteps=int(self.timesteps),
                        tb_log_name=tb_log_name or f"{self.algo}_seed{self.seed}")
        self.model_ = model
        self.algorithm_ = cls.__name__
        self.hyperparameters_ = params
        self.symbols_ = env.symbols
        self.feature_names_ = list(env.feature_names)
        self.feature_columns_ = list(env.feature_columns)
        self.n_features_in_ = int(env.observation_space.shape[0])  # type: ignore[index]
        self.recurrent_ = cls.__name__ == "RecurrentPPO"
        self.maskable_ = cls.__name__ == "MaskablePPO"
        self.masks_ = env.action_masks()
        self.train_span_ = (env.index[env.first], env.index[env.last])
        self.fit_seconds_ = time.perf_counter() - started
        model.env = None  # the training environment is not part of the fitted agent
        return self

    def _check_fitted(self) -> None:
        if getattr(self, "model_", None) is None and getattr(self, "_policy_bytes", None) is None:
            raise ValidationError("the agent is not trained", field="agent", value=repr(self),
                                  fix="call fit(bars) first, or load a registered agent")

    @property
    def model(self) -> Any:
        """The Stable-Baselines3 model (loaded from its saved bytes on first use)."""
        self._check_fitted()
        if getattr(self, "model_", None) is None:
            cls, _ = algorithm_class(
                "maskable_ppo" if self.maskable_ else self.algo, self.actions, False, False)
            with torch_threads(self.n_threads):
                self.model_ = cls.load(  # type: ignore[attr-defined]
                    io.BytesIO(self._policy_bytes), device="cpu")
        return self.model_

    def predict(self, X: Any, state: Any = None, episode_start: Any = None) -> Any:
        """Deterministic actions for observations ``X`` (one row per observation); a
        recurrent agent also takes and returns its ``state`` (``(actions, state)``)."""
        model = self.model
        obs = np.asarray(X, dtype=np.float32)
        single = obs.ndim == 1
        if single:
            obs = obs[None, :]
        if self.recurrent_:
            starts = np.ones(len(obs), bool) if episode_start is None else episode_start
            actions, state = model.predict(obs, state=state, episode_start=starts,
                                           deterministic=True)
            return (actions[0] if single else actions), state
        if self.maskable_:
            masks = np.tile(self.masks_, (len(obs), 1))
            actions, _ = model.predict(obs, deterministic=True, action_masks=masks)
        else:
            actions, _ = model.predict(obs, deterministic=True)
        return actions[0] if single else actions

    # -- trading ----------------------------------------------------------------------------------
    def strategy(self, **params: Any) -> Any:
        """The trained agent as a Strategy (backtest replay, paper and live)."""
        from signaltrust.research.rl.strategy import RLStrategy

        self._check_fitted()
        return RLStrategy(self, **params)

    def episode(self, bars: pd.DataFrame | Mapping[str, pd.DataFrame], start: int | None = None,
                end: int | None = None) -> Any:
        """Trade the agent deterministically through an environment over rows ``start`` to
        ``end`` of ``bars`` (default: after the warm-up to the last); the backtest result."""
        env = self.make_env(bars)
        return run_episode(self, env, start, end).result()

    # -- pickling: the policy travels as SB3's own saved form ------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        model = state.get("model_")
        if model is not None:
            buffer = io.BytesIO()
            model.save(buffer)
            state["_policy_bytes"] = buffer.getvalue()
            state["model_"] = None
        return state


def save_agent(agent: RLAgent, path: str | Path) -> Path:
    """Write a fitted agent to ``path`` (a pickle; its policy as Stable-Baselines3's bytes)."""
    import pickle

    agent._check_fitted()
    target = Path(path).expanduser()
    target.write_bytes(pickle.dumps(agent))
    return target


def load_agent(path: str | Path) -> RLAgent:
    """The agent :func:`save_agent` wrote at ``path``. It is a pickle: load only your own files."""
    import pickle

    source = Path(str(path)).expanduser()
    fix = "save one with save_agent(agent, path) or: signaltrust rl train --out agent.pkl"
    if not str(path).strip() or not source.is_file():
        raise ValidationError("no saved agent at this path", field="agent", value=str(path),
                              fix=fix)
    try:
        agent = pickle.loads(source.read_bytes())
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
        raise ValidationError("the file is not a saved agent", field="agent", value=str(path),
                              fix=fix) from exc
    if not isinstance(agent, RLAgent):
        raise ValidationError("the file is not a saved agent", field="agent", value=str(path),
                              fix=fix)
    return agent


def run_episode(agent: RLAgent, env: TradingEnv, start: int | None = None,
                end: int | None = None) -> TradingEnv:
    """Step ``env`` with the agent's deterministic actions over one episode; returns the env
    (``env.result()`` is the backtest of it)."""
    options = {"start": env.first if start is None else int(start),
               "end": env.last if end is None else int(end)}
    obs, _ = env.reset(options=options)
    state, first, done = None, True, False
    while not done:
        if agent.recurrent_:
            action, state = agent.predict(obs, state, np.array([first]))
        else:
            action = agent.predict(obs)
        first = False
        obs, _, terminated, truncated, _ = env.step(action)
        done = terminated or truncated
    return env


__all__ = ["ALGORITHMS", "RLAgent", "algorithm_class", "load_agent", "run_episode",
           "save_agent", "torch_threads"]
