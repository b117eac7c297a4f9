"""Reinforcement learning on the trading core (docs/rl.md).

The environment drives the domain's trading core, so it and everything built on it (the
agents, the leak check, the meta-agent, the agent as a Strategy) live here in the application
layer; the pure parts (rewards, feature specs) are in :mod:`signaltrust.rl` (signals layer).
"""
