"""The explainer: the model's SHAP contributions, the rules that fired and the risk checks,
in plain language.

It writes from what the other agents reported (their reports are its inputs), so it never
says more than they found: one sentence for the model (SHAP, top contributions), one for the
breakout score's components, one per agent with a view, one for the risk and compliance checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from signaltrust.agents.base import Agent, AgentSpec, MLView
from signaltrust.agents.reports import AgentReport


class ExplainInputs(BaseModel):
    """What is explained: the blended score, the model's view, the agents' reports, the
    breakout score and the checks."""

    model_config = ConfigDict(extra="forbid")

    symbol: str
    score: float
    ml: MLView | None = None
    reports: list[AgentReport] = Field(default_factory=list)
    breakout: dict[str, Any] | None = None
    checks: list[str] = Field(default_factory=list)
    llm_confidence: float | None = None
    weights: dict[str, float] = Field(default_factory=dict)


@dataclass
class Explainer(Agent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "explainer", "SHAP, rules and risk checks into plain language",
        "after every workflow", "ExplainInputs", tools=())

    def parts(self, inputs: ExplainInputs) -> dict[str, str]:
        out: dict[str, str] = {}
        direction = "rise" if inputs.score >= 0.5 else "fall"
        if inputs.llm_confidence is not None:
            blend = (f"{inputs.weights.get('probability', 1):g} x model probability "
                     f"{inputs.ml.probability if inputs.ml else float('nan'):.2f} + "
                     f"{inputs.weights.get('llm', 0):g} x LLM confidence "
                     f"{inputs.llm_confidence:.2f}, over the weights' sum")
        else:
            blend = "the model's probability; no LLM is configured"
        out["score"] = (f"{inputs.symbol}: score {inputs.score:.2f} ({blend}); the signal leans "
                        f"towards a {direction}.")
        if inputs.ml is not None:
            out["model"] = (f"The meta-model ({inputs.ml.model}, {inputs.ml.train_rows} "
                            f"training rows) gives {inputs.ml.probability:.0%}: "
                            + (inputs.ml.sentence or "no SHAP explanation for this bar."))
        if inputs.breakout is not None and inputs.breakout.get("score") is not None:
            comps = inputs.breakout["components"]
            present = ", ".join(f"{k} {v:.2f}" for k, v in comps.items() if v is not None)
            absent = [k for k, v in comps.items() if v is None]
            out["breakout"] = (f"Breakout score {inputs.breakout['score']:.2f} from {present}"
                               + (f" ({', '.join(absent)}: no data)" if absent else "") + ".")
        for report in inputs.reports:
            if report.agent in ("explainer",):
                continue
            out[report.agent] = (f"{report.agent.replace('_', ' ').capitalize()}: "
                                 f"{report.summary}"
                                 + (f" ({report.reasons[0]})" if report.reasons else "") + ".")
        out["checks"] = ("Checks: " + "; ".join(inputs.checks) + ".") if inputs.checks else \
            "Checks: no risk or compliance check objected."
        return out

    def assess(self, inputs: ExplainInputs) -> AgentReport:
        parts = self.parts(inputs)
        return AgentReport(agent=self.name, summary=" ".join(parts.values()),
                           reasons=list(parts.values()), confidence=1.0,
                           data={"parts": parts})


__all__ = ["ExplainInputs", "Explainer"]
