"""The stock and crypto analysts: the technical, ML, regime and sentiment view of a symbol.

Rules (each part a score in [-1, 1], averaged with the weights below):

- trend (0.3): close over its 50-bar average, and the 50 over the 200 (``sma_ratio_*``);
- momentum (0.2): RSI(14) - 50, over 50 (above 70 overbought, below 30 oversold);
- model (0.4): 2 x (probability - 0.5), the meta-model's probability of a rise;
- regime (0.1): the current regime's drift over its volatility (x 5, clipped).

The crypto analyst reads the same parts with a wider neutral band (crypto moves more).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from signaltrust.agents.base import Agent, AgentSpec, MarketInputs, clip
from signaltrust.agents.reports import AgentReport, stance_of

WEIGHTS = {"trend": 0.3, "momentum": 0.2, "model": 0.4, "regime": 0.1}


def _feature(inputs: MarketInputs, name: str) -> float | None:
    value = inputs.features.get(name)
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass
class MarketAnalyst(Agent):
    band: ClassVar[float] = 0.1
    spec: ClassVar[AgentSpec] = AgentSpec(
        "market_analyst", "technical, ML and regime view of a symbol", "on_bar",
        "MarketInputs", tools=("features", "ml_view"))

    def parts(self, inputs: MarketInputs) -> tuple[dict[str, float], list[str]]:
        parts: dict[str, float] = {}
        reasons: list[str] = []
        fast, slow = _feature(inputs, "sma_ratio_50"), _feature(inputs, "sma_ratio_200")
        if fast is not None:
            near = clip(10 * fast)  # 10 % above the average counts as fully bullish
            parts["trend"] = near if slow is None else 0.5 * near + 0.5 * clip(10 * slow)
            reasons.append(f"close is {fast:+.1%} from its 50-bar average"
                           + (f" and {slow:+.1%} from its 200-bar average" if slow is not None
                              else ""))
        rsi = _feature(inputs, "rsi_14")
        if rsi is not None:
            parts["momentum"] = clip((rsi - 50) / 50)
            mood = "overbought" if rsi > 70 else "oversold" if rsi < 30 else "neutral"
            reasons.append(f"RSI(14) {rsi:.0f} ({mood})")
        if inputs.ml is not None:
            parts["model"] = clip(2 * (inputs.ml.probability - 0.5))
            reasons.append(f"the meta-model gives a {inputs.ml.probability:.0%} chance of a rise")
            if inputs.ml.regime:
                parts["regime"] = inputs.ml.regime_bias
                reasons.append(f"market regime: {inputs.ml.regime} (drift "
                               f"{'up' if inputs.ml.regime_bias > 0 else 'down'})")
        return parts, reasons

    def assess(self, inputs: MarketInputs) -> AgentReport:
        parts, reasons = self.parts(inputs)
        weight = sum(WEIGHTS[k] for k in parts)
        score = sum(WEIGHTS[k] * v for k, v in parts.items()) / weight if weight else 0.0
        signs = {math.copysign(1, v) for v in parts.values() if abs(v) > 0.05}
        agreement = 1.0 if len(signs) <= 1 else 0.6
        confidence = clip(abs(score) * agreement * weight, 0.0, 1.0)
        stance = stance_of(score, self.band)
        return AgentReport(
            agent=self.name, stance=stance, score=clip(score), confidence=round(confidence, 4),
            summary=f"{inputs.symbol}: {stance} ({score:+.2f}) from "
                    f"{', '.join(parts) or 'no inputs'}",
            reasons=reasons, as_of=inputs.as_of.to_pydatetime(),
            data={"parts": {k: round(v, 4) for k, v in parts.items()}})

    def tools(self, inputs: MarketInputs) -> dict[str, Any]:
        def features() -> dict[str, float]:
            """The symbol's technical features at the latest bar."""
            return inputs.features

        def ml_view() -> dict[str, Any]:
            """The meta-model's probability, top SHAP contributions and regime."""
            return inputs.ml.settled().model_dump() if inputs.ml is not None else {}

        return {"features": features, "ml_view": ml_view}


@dataclass
class StockAnalyst(MarketAnalyst):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "stock_analyst", "technical, ML, regime and sentiment view of a stock or index",
        "on_bar (daily close)", "MarketInputs", tools=("features", "ml_view"))


@dataclass
class CryptoAnalyst(MarketAnalyst):
    band: ClassVar[float] = 0.2
    spec: ClassVar[AgentSpec] = AgentSpec(
        "crypto_analyst", "technical, ML, regime and sentiment view of a crypto asset",
        "on_bar (24/7)", "MarketInputs", tools=("features", "ml_view"))


def analyst_for(asset_class: str) -> MarketAnalyst:
    """The crypto analyst for crypto assets, the stock analyst for the rest."""
    return CryptoAnalyst() if asset_class == "crypto" else StockAnalyst()


__all__ = ["CryptoAnalyst", "MarketAnalyst", "StockAnalyst", "WEIGHTS", "analyst_for"]
