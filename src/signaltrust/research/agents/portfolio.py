"""The portfolio agent: target weights from the optimisers, scaled by Kelly sizing.

Weights: :func:`signaltrust.portfolio.optimize.optimize` on the price panel known at ``as_of``
(``method``: max_sharpe, min_variance, risk_parity, hrp ...). Each asset's weight is then
scaled by its fractional Kelly bet (:func:`signaltrust.portfolio.sizing.kelly_fraction`, half
Kelly by default) from the probability of a rise the signal gives it and the payoff ratio; the
rest stays in cash. Without probabilities the optimiser's weights stand, and it says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from signaltrust.agents.base import Agent, AgentSpec
from signaltrust.agents.reports import PortfolioReport


class PortfolioInputs(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    as_of: pd.Timestamp
    prices: pd.DataFrame
    probabilities: dict[str, float] = Field(default_factory=dict)
    payoff_ratio: float = Field(default=1.0, gt=0)


@dataclass
class PortfolioAgent(Agent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "portfolio", "target weights with the optimisers and Kelly sizing",
        "on rebalance (daily)", "PortfolioInputs", report="PortfolioReport",
        tools=("optimiser_weights",))
    method: str = "max_sharpe"
    kelly_scale: float = 0.5

    def base_weights(self, inputs: PortfolioInputs) -> pd.Series:
        from signaltrust.portfolio.optimize import optimize

        prices = inputs.prices[inputs.prices.index <= inputs.as_of].dropna(axis=1, how="all")
        return optimize(prices.dropna(), method=self.method)

    def assess(self, inputs: PortfolioInputs) -> PortfolioReport:
        from signaltrust.portfolio.sizing import kelly_fraction

        weights = self.base_weights(inputs)
        reasons = [f"{self.method} weights on {len(weights)} assets to {inputs.as_of:%Y-%m-%d}"]
        kelly: dict[str, float] = {}
        for asset, p in inputs.probabilities.items():
            if asset in weights.index:
                kelly[asset] = kelly_fraction(p, inputs.payoff_ratio, self.kelly_scale)
        if kelly:
            scale = pd.Series({a: kelly.get(a, 0.0) for a in weights.index})
            targets = (weights * scale.clip(0, 1)).clip(lower=0)
            reasons.append(f"scaled by {self.kelly_scale:g} Kelly per asset (payoff "
                           f"{inputs.payoff_ratio:g}); {1 - targets.sum():.0%} left in cash")
        else:
            targets = weights
            reasons.append("no probabilities given: the optimiser's weights stand")
        targets = targets.round(6)
        invested = float(targets.sum())
        return PortfolioReport(
            agent=self.name, stance="bullish" if invested > 0.5 else "neutral",
            score=min(invested, 1.0), confidence=1.0, as_of=inputs.as_of.to_pydatetime(),
            summary=f"invest {invested:.0%}: " + ", ".join(
                f"{a} {w:.1%}" for a, w in targets.sort_values(ascending=False).items() if w > 0),
            reasons=reasons, weights={str(k): float(v) for k, v in targets.items()},
            kelly_fraction=(sum(kelly.values()) / len(kelly)) if kelly else None,
            method=self.method, data={"optimiser_weights": weights.round(6).to_dict()})

    def tools(self, inputs: PortfolioInputs) -> dict[str, Any]:
        def optimiser_weights() -> dict[str, float]:
            """The optimiser's weights before Kelly sizing."""
            return self.base_weights(inputs).round(6).to_dict()

        return {"optimiser_weights": optimiser_weights}


__all__ = ["PortfolioAgent", "PortfolioInputs"]
