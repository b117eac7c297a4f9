"""Reinforcement-learning agents that trade honestly (docs/rl.md)."""
