"""RL environment speed (steps per second without a learner) and training time per 100,000 steps.

    .venv/bin/python benchmarks/bench_rl.py [--repeat 3] [--train-steps 10000] [--algos ppo,a2c,dqn]

1. **Environment steps per second**, one asset: the bundled S&P 500 (5,031 daily bars, the
   technical feature set, 4,831 steps an episode), full episodes including ``reset()`` (which
   builds a fresh trading core), actions drawn beforehand so that drawing them is not timed:
   ``random`` (a trade on about two bars in three: the worst case) and ``hold`` (long
   throughout). The issue's goal: at least 50,000 steps per second for one asset. FinRL's
   stock-trading environment is not installed offline here, so the peer is a plain pandas
   environment written below (the way such environments are usually written: ``.iloc`` rows
   for the observation, a next-open fill with the same fees and slippage, net P&L reward).
2. **Training time**: each algorithm trains ``--train-steps`` steps (default 10,000) on the same
   environment with one torch thread; the time per 100,000 steps is extrapolated linearly from
   that run (stated so in the output; a 100,000-step run is not made).

Each environment figure is the best of ``--repeat`` runs. Benchmarks print figures; they never
run as timed tests.
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np
import pandas as pd

from signaltrust.data import load
from signaltrust.research.rl.agent import RLAgent
from signaltrust.research.rl.env import TradingEnv
from signaltrust.rl.features import feature_frame


class PandasEnv(gym.Env):
    """A plain pandas one-asset environment: discrete short/flat/long, next-open fills, costs."""

    def __init__(self, bars: pd.DataFrame, features: pd.DataFrame, fees: float = 0.001,
                 slippage: float = 0.0002, cash: float = 100_000.0) -> None:
        self.bars, self.features = bars, (features - features.mean()) / features.std()
        self.features = self.features.fillna(0.0).clip(-5, 5)
        self.fees, self.slippage, self.cash0 = fees, slippage, cash
        n = features.shape[1] + 2
        self.observation_space = gym.spaces.Box(-5.0, 5.0, shape=(n,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(3)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = int(options["start"])
        self.end = int(options["end"])
        self.cash, self.qty = self.cash0, 0.0
        self.equity = self.cash
        return self._obs(), {}

    def _obs(self):
        row = self.features.iloc[self.t].to_numpy(dtype=np.float32)
        price = self.bars["close"].iloc[self.t]
        weight = self.qty * price / self.equity
        return np.concatenate([row, np.array([weight, self.cash / self.equity], np.float32)])

    def step(self, action):
        target = (0.0, 0.0, 1.0)[int(action)]
        bar = self.bars.iloc[self.t + 1]
        if (self.qty > 0) != (target > 0):
            side = 1.0 if target > self.qty else -1.0
            price = bar["open"] * (1.0 + side * self.slippage)
            equity = self.cash + self.qty * bar["open"]
            want = target * equity / (price * (1.0 + self.fees))
            traded = want - self.qty
            self.cash -= traded * price + abs(traded) * price * self.fees
            self.qty = want
        self.t += 1
        before, self.equity = self.equity, self.cash + self.qty * bar["close"]
        reward = (self.equity - before) / self.cash0 * 100.0
        return self._obs(), reward, self.equity <= 0, self.t >= self.end, {}


def steps_per_second(env, actions, start, end, repeat):
    best = 0.0
    for _ in range(repeat):
        began = time.perf_counter()
        env.reset(options={"start": start, "end": end})
        steps, done = 0, False
        while not done:
            *_, terminated, truncated, _ = env.step(actions[steps])
            steps += 1
            done = terminated or truncated
        best = max(best, steps / (time.perf_counter() - began))
    return best, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--train-steps", type=int, default=10_000)
    parser.add_argument("--algos", default="ppo,a2c,dqn")
    args = parser.parse_args()

    bars = load("sp500")
    env = TradingEnv(bars, "technical")
    plain = PandasEnv(bars, feature_frame(bars, "technical"))
    start, end = env.first, env.last
    rng = np.random.default_rng(0)
    policies = {"random": rng.integers(0, 3, size=end - start + 1),
                "hold": np.full(end - start + 1, 2)}
    print(f"S&P 500, {len(bars)} daily bars, technical features ({len(env.feature_names)}), "
          f"episodes of {end - start} steps, best of {args.repeat}")
    print(f"{'policy':<8} {'SignalTrust env':>18} {'plain pandas env':>18} {'ratio':>7}")
    for name, actions in policies.items():
        mine, steps = steps_per_second(env, actions, start, end, args.repeat)
        theirs, _ = steps_per_second(plain, actions, start, end, args.repeat)
        print(f"{name:<8} {mine:>14,.0f}/s {theirs:>14,.0f}/s {mine / theirs:>6.1f}x")
    print("goal: >= 50,000 steps/s for one asset (the environment alone, no learner)")

    print(f"\ntraining, {args.train_steps:,} steps each, one torch thread "
          "(time per 100,000 steps EXTRAPOLATED linearly from this run):")
    for algo in [a.strip() for a in args.algos.split(",") if a.strip()]:
        actions = "continuous" if algo == "sac" else "discrete"
        agent = RLAgent(algo=algo, actions=actions, timesteps=args.train_steps, seed=0)
        began = time.perf_counter()
        agent.fit(bars)
        seconds = time.perf_counter() - began
        print(f"{algo:<14} {seconds:7.1f} s for {args.train_steps:,} steps "
              f"({args.train_steps / seconds:,.0f} steps/s) -> about "
              f"{seconds * 100_000 / args.train_steps:,.0f} s per 100,000 steps "
              f"({agent.algorithm_})")


if __name__ == "__main__":
    main()
