"""Rewards an environment pays after each bar: net P&L, differential Sharpe, drawdown-penalised.

Every reward is a function of the account's equity only (cash plus positions at the close,
after fees and slippage), so none pays for trading itself: a trade earns what it changes in
equity, which on a flat market is its cost, a loss. (FreqAI's example reward pays a bonus
for every entry; an agent trained on it learns to trade, not to earn.)
"""

from __future__ import annotations

import math

from signaltrust.core.errors import ValidationError


class Reward:
    """Base of the rewards: ``reset(equity)`` at the episode's start, ``step(equity)`` after
    each bar gives the reward of that bar."""

    name = ""

    def reset(self, equity: float) -> None:
        self.start = float(equity)
        self.last = float(equity)

    def step(self, equity: float) -> float:
        raise NotImplementedError


class NetPnL(Reward):
    """The bar's net P&L in units of the starting equity: ``(E_t - E_{t-1}) / E_0``, times
    ``scale`` (100: percent of the starting equity). Rewards add up to the total return."""

    name = "pnl"

    def __init__(self, scale: float = 100.0) -> None:
        self.scale = scale

    def step(self, equity: float) -> float:
        out = (equity - self.last) / self.start * self.scale
        self.last = equity
        return out


class DifferentialSharpe(Reward):
    """Moody and Saffell's differential Sharpe ratio of the bar's net return.

    With exponential moving averages ``A`` and ``B`` of the return ``R`` and of ``R^2``
    (rate ``eta``), the reward is ``(B dA - A dB / 2) / (B - A^2)^(3/2)`` with the values
    before the update: the first-order change of the running Sharpe ratio that this bar
    causes. 0 while the moving variance is still zero.
    """

    name = "differential_sharpe"

    def __init__(self, eta: float = 0.01) -> None:
        if not 0.0 < eta < 1.0:
            raise ValidationError("eta must lie strictly between 0 and 1", field="eta",
                                  value=eta, fix="pass e.g. eta=0.01 (about 100 bars)")
        self.eta = eta

    def reset(self, equity: float) -> None:
        super().reset(equity)
        self.a = 0.0
        self.b = 0.0

    def step(self, equity: float) -> float:
        r = equity / self.last - 1.0 if self.last > 0 else 0.0
        self.last = equity
        a, b, eta = self.a, self.b, self.eta
        da, db = r - a, r * r - b
        variance = b - a * a
        out = (b * da - 0.5 * a * db) / variance ** 1.5 if variance > 1e-12 else 0.0
        self.a, self.b = a + eta * da, b + eta * db
        return out


class DrawdownPenalised(Reward):
    """The bar's net return (percent) minus ``penalty`` times the deepening of the drawdown
    (percent): a loss from a peak costs ``1 + penalty`` times, a gain counts once."""

    name = "drawdown"

    def __init__(self, penalty: float = 1.0) -> None:
        if not (penalty >= 0.0 and math.isfinite(penalty)):
            raise ValidationError("penalty must be a finite number >= 0", field="penalty",
                                  value=penalty, fix="pass e.g. penalty=1.0")
        self.penalty = penalty

    def reset(self, equity: float) -> None:
        super().reset(equity)
        self.peak = float(equity)
        self.drawdown = 0.0

    def step(self, equity: float) -> float:
        r = equity / self.last - 1.0 if self.last > 0 else 0.0
        self.last = equity
        self.peak = max(self.peak, equity)
        drawdown = 1.0 - equity / self.peak if self.peak > 0 else 0.0
        deeper = max(0.0, drawdown - self.drawdown)
        self.drawdown = drawdown
        return 100.0 * (r - self.penalty * deeper)


REWARDS: dict[str, type[Reward]] = {
    NetPnL.name: NetPnL, DifferentialSharpe.name: DifferentialSharpe,
    DrawdownPenalised.name: DrawdownPenalised,
}


def make_reward(reward: str | Reward) -> Reward:
    """A reward from its name (``pnl``, ``differential_sharpe``, ``drawdown``) or as given."""
    if isinstance(reward, Reward):
        return reward
    key = str(reward).strip().lower()
    if key not in REWARDS:
        raise ValidationError("unknown reward", field="reward", value=reward,
                              fix=f"use one of {', '.join(REWARDS)}")
    return REWARDS[key]()


__all__ = ["REWARDS", "DifferentialSharpe", "DrawdownPenalised", "NetPnL", "Reward",
           "make_reward"]
