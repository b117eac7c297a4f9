"""The risk manager: VaR, drawdown and exposure, and the trading state it asks for.

Rules: drawdown at or beyond ``halt_drawdown`` asks for HALTED; beyond ``reduce_drawdown``, or
a one-day 95 % VaR beyond ``max_var``, or gross exposure beyond ``max_exposure``, asks for
REDUCING. The agent only *asks*: its :class:`~signaltrust.agents.reports.RiskRequest` goes
through the audited risk engine (``signaltrust.research.agents.risk.apply_request``), which
can move the state towards REDUCING or HALTED and tighten a limit, and refuses anything that
would loosen or exceed a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from signaltrust.agents.base import Agent, AgentSpec, clip, utc
from signaltrust.agents.reports import RiskReport, RiskRequest


class RiskInputs(BaseModel):
    """An account's returns (one per bar, to ``as_of``) and its gross exposure / equity."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    as_of: pd.Timestamp
    returns: pd.Series
    exposure: float = 0.0
    state: str = "ACTIVE"

    @field_validator("as_of", mode="before")
    @classmethod
    def _utc(cls, value: object) -> pd.Timestamp:
        return utc(value)


@dataclass
class RiskManager(Agent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "risk_manager", "VaR, drawdown and exposure; asks for REDUCING or HALTED",
        "on_bar and on_fill", "RiskInputs", report="RiskReport",
        tools=("risk_figures",))
    reduce_drawdown: float = 0.10
    halt_drawdown: float = 0.20
    max_var: float = 0.03
    max_exposure: float = 1.5

    def figures(self, inputs: RiskInputs) -> dict[str, float]:
        from signaltrust.metrics.risk import value_at_risk

        r = inputs.returns.dropna()
        equity = (1 + r).cumprod()
        drawdown = float(1 - equity.iloc[-1] / equity.cummax().iloc[-1]) if len(r) else 0.0
        var = float(-value_at_risk(r.to_numpy(), 0.05)) if len(r) >= 20 else float("nan")
        return {"drawdown": drawdown, "var_95": var, "exposure": float(inputs.exposure)}

    def assess(self, inputs: RiskInputs) -> RiskReport:
        f = self.figures(inputs)
        requests: list[RiskRequest] = []
        reasons = [f"drawdown {f['drawdown']:.1%} (reduce at {self.reduce_drawdown:.0%}, "
                   f"halt at {self.halt_drawdown:.0%})",
                   f"1-day 95% VaR {f['var_95']:.2%} (limit {self.max_var:.1%})",
                   f"gross exposure {f['exposure']:.2f}x equity (limit {self.max_exposure:g}x)"]
        if f["drawdown"] >= self.halt_drawdown:
            requests.append(RiskRequest(kind="set_state", state="HALTED",
                                        reason=f"drawdown {f['drawdown']:.1%}"))
        elif (f["drawdown"] >= self.reduce_drawdown
              or (np.isfinite(f["var_95"]) and f["var_95"] > self.max_var)
              or f["exposure"] > self.max_exposure):
            requests.append(RiskRequest(kind="set_state", state="REDUCING",
                                        reason="; ".join(reasons)))
        severity = max(f["drawdown"] / self.halt_drawdown,
                       (f["var_95"] / self.max_var) if np.isfinite(f["var_95"]) else 0.0,
                       f["exposure"] / self.max_exposure)
        score = -clip(severity, 0.0, 1.0)
        wanted = requests[0].state if requests else inputs.state
        return RiskReport(
            agent=self.name, stance="bearish" if requests else "neutral", score=score,
            confidence=1.0, as_of=inputs.as_of.to_pydatetime(),
            summary=f"risk {'breached: ask ' + str(wanted) if requests else 'within limits'}",
            reasons=reasons, data=f, var_95=f["var_95"] if np.isfinite(f["var_95"]) else None,
            drawdown=f["drawdown"], exposure=f["exposure"], requests=requests)

    def tools(self, inputs: RiskInputs) -> dict[str, Any]:
        def risk_figures() -> dict[str, float]:
            """Drawdown, 95% VaR and gross exposure now."""
            return self.figures(inputs)

        return {"risk_figures": risk_figures}


__all__ = ["RiskInputs", "RiskManager"]
