"""The typed reports agents hand back: one view of a market or an order, and what it rests on.

Every agent answers with an :class:`AgentReport` (or a subclass with its own fields). The
rule report is always built; an LLM, when configured, may only rewrite the words and the
confidence of a report through :class:`Reasoning`, validated against this schema - numbers,
vetoes and limits stay the rules'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Stance = Literal["bullish", "bearish", "neutral"]


def stance_of(score: float, band: float = 0.1) -> Stance:
    """``bullish`` above ``band``, ``bearish`` below ``-band``, else ``neutral``."""
    return "bullish" if score > band else "bearish" if score < -band else "neutral"


class AgentReport(BaseModel):
    """One agent's view: a stance and a score in [-1, 1], how sure it is, and why."""

    model_config = ConfigDict(extra="forbid")

    agent: str
    stance: Stance = "neutral"
    score: float = Field(default=0.0, ge=-1.0, le=1.0, description="-1 bearish .. +1 bullish")
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    summary: str = ""
    reasons: list[str] = Field(default_factory=list)
    as_of: datetime | None = Field(default=None, description="the data it saw ends here")
    source: Literal["rules", "llm", "fallback"] = "rules"
    data: dict[str, Any] = Field(default_factory=dict, description="the numbers it used")

    def __plain__(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Reasoning(BaseModel):
    """What an LLM may add to a rule report: its stance, confidence and plain reasons."""

    model_config = ConfigDict(extra="forbid")

    stance: Stance
    confidence: float = Field(ge=0.0, le=1.0)
    summary: str = Field(min_length=1, max_length=2000)
    reasons: list[str] = Field(default_factory=list, max_length=12)


class RiskRequest(BaseModel):
    """What the risk manager asks of the risk engine: a trading state, or a limit change."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["set_state", "set_limit"]
    state: Literal["ACTIVE", "REDUCING", "HALTED"] | None = None
    limit: str | None = None
    value: float | None = None
    reason: str = ""


class RiskReport(AgentReport):
    """The risk manager's view: VaR, drawdown, exposure, and the state it asks for."""

    var_95: float | None = None
    drawdown: float | None = None
    exposure: float | None = None
    requests: list[RiskRequest] = Field(default_factory=list)


class ComplianceReport(AgentReport):
    """The compliance officer's verdict on one order: allowed, or the rules it breaks."""

    allowed: bool = True
    violations: list[str] = Field(default_factory=list)


class PortfolioReport(AgentReport):
    """Target weights proposed by the portfolio agent, with the Kelly fraction it sized by."""

    weights: dict[str, float] = Field(default_factory=dict)
    kelly_fraction: float | None = None
    method: str = ""


__all__ = [
    "AgentReport", "ComplianceReport", "PortfolioReport", "Reasoning", "RiskReport",
    "RiskRequest", "Stance", "stance_of",
]
