"""Signals (viewer): the explained signal of a symbol at its latest bar.

A fresh install answers for every bundled bar dataset: with no model registered for the symbol,
the first request trains and registers the default meta-model (``trained: true`` and a note
say so); later requests use the registered champion. Answers are cached per bar.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from signaltrust.api.security import Principal, require_role
from signaltrust.api.services.state import signals_of

router = APIRouter(prefix="/signals", tags=["signals"])
SYMBOL = r"^[A-Za-z0-9^][A-Za-z0-9_.^=@-]{0,63}$"


class Contribution(BaseModel):
    feature: str = Field(examples=["rsi_14"])
    label: str = Field(examples=["RSI(14)"])
    value: float | None = Field(examples=[67.5])
    contribution: float | None = Field(description="score points this feature added",
                                       examples=[0.031])


class Explanation(BaseModel):
    method: str = Field(examples=["tree"])
    output: str = Field(examples=["score"])
    base_value: float | None = Field(description="the average score the contributions "
                                     "start from", examples=[0.52])
    contributions: list[Contribution]
    sentences: list[str] = Field(examples=[["RSI(14) at 67.5 raised the score by 0.03"]])
    summary: str | None = Field(default=None, description="the explainer agent's plain-language "
                                "account: score, model, breakout score, each agent, checks",
                                examples=["sp500: score 0.49 (the model's probability; no LLM "
                                          "is configured); the signal leans towards a fall."])
    parts: dict[str, str] = Field(default_factory=dict, description="the summary by part "
                                  "(score, model, breakout, each agent, checks)")


class Regime(BaseModel):
    label: str | None = Field(examples=["trending"])
    probabilities: dict[str, float | None] = Field(
        examples=[{"trending": 0.81, "mean_reverting": 0.15, "volatile": 0.04}])
    note: str | None = None


class ModelVersionRef(BaseModel):
    name: str = Field(examples=["signal_sp500"])
    version: int = Field(examples=[1])
    alias: str = Field(examples=["production"])
    model_class: str


class AgentView(BaseModel):
    """One agent's view of the symbol at the bar (the rule report, or the LLM's when asked)."""

    model_config = ConfigDict(extra="allow")

    agent: str = Field(examples=["stock_analyst"])
    stance: str = Field(examples=["bearish"])
    score: float = Field(ge=-1.0, le=1.0, description="-1 bearish .. +1 bullish",
                         examples=[-0.29])
    confidence: float = Field(ge=0.0, le=1.0, examples=[0.29])
    summary: str = Field(examples=["sp500: bearish (-0.29) from trend, momentum, model, regime"])
    reasons: list[str] = Field(default_factory=list,
                               examples=[["RSI(14) 42 (neutral)"]])
    as_of: str | None = Field(default=None, description="the data it saw ends here",
                              examples=["2019-01-01T00:00:00Z"])
    source: str = Field(description="rules, llm, or fallback (the LLM's answer was unusable)",
                        examples=["rules"])


class BreakoutScore(BaseModel):
    score: float | None = Field(description="0..1; None when no component has data",
                                examples=[0.27])
    components: dict[str, float | None] = Field(
        description="momentum, onchain, sentiment, macro, news; None where no real input",
        examples=[{"momentum": 0.35, "onchain": None, "sentiment": None, "macro": 0.13,
                   "news": None}])
    sources: dict[str, str | None] = Field(default_factory=dict,
                                           examples=[{"momentum": "prices"}])
    weight_present: float | None = Field(default=None, examples=[0.4])
    note: str | None = None


class RelatedDoc(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str = Field(description="document, or memory:<kind> for a past report",
                      examples=["document"])
    title: str = Field(examples=["Stocks rally as earnings beat estimates"])
    first_seen_at: str | None = Field(default=None, description="first seen by then: never "
                                      "after the signal's bar", examples=["2018-12-31T15:00:00Z"])
    score: float | None = Field(default=None, description="similarity", examples=[0.41])


class SignalAnswer(BaseModel):
    symbol: str = Field(examples=["sp500"])
    score: float = Field(ge=0.0, le=1.0, description="the combined signal, 0 (bearish) to 1 "
                         "(bullish): the [agents] blend (probability_weight x ml_probability "
                         "+ llm_weight x llm_confidence) / (sum of the weights); equal to "
                         "ml_probability when no LLM is configured (or its answer was unusable)",
                         examples=[0.58])
    ml_probability: float = Field(ge=0.0, le=1.0, description="the registered champion's "
                                  "probability of a rise", examples=[0.58])
    llm_confidence: float | None = Field(default=None, ge=0.0, le=1.0, description="the LLM's "
                                         "confidence in a rise (0.5 +- its confidence / 2 by "
                                         "its stance); null without an LLM", examples=[None])
    confidence: float = Field(ge=0.0, le=1.0, description="distance of the score from a coin "
                              "flip: |2 score - 1|", examples=[0.16])
    direction: str = Field(examples=["long"])
    features: dict[str, float | None]
    explanation: Explanation
    regime: Regime
    model_version: ModelVersionRef
    trained: bool = Field(description="this request trained and registered the model",
                          examples=[False])
    note: str = Field(examples=["the registered champion signal_sp500 v1 (production)"])
    timestamp: str = Field(description="the bar the signal is for (UTC)",
                           examples=["2018-12-31T00:00:00+00:00"])
    bar: dict[str, float | None] = Field(examples=[{"open": 2498.9, "high": 2509.2,
                                                    "low": 2482.8, "close": 2506.9}])
    related_docs: list[RelatedDoc] = Field(default_factory=list, description="documents and "
                                           "past reports retrieved as of the bar")
    breakout_score: BreakoutScore | None = Field(default=None, description="the breakout "
                                                 "score and its five components")
    agents: dict[str, AgentView] = Field(default_factory=dict, description="each agent's view "
                                         "(analyst, news, social, macro, options, whale "
                                         "watcher, risk manager, compliance, explainer)")
    conflicts: list[str] = Field(default_factory=list, description="agents that disagree "
                                 "with confidence", examples=[[]])
    blend: dict[str, float] = Field(default_factory=dict, description="the weights the score "
                                    "used (llm 0 when no LLM answered)",
                                    examples=[{"probability": 0.6, "llm": 0.0}])


@router.get("/{symbol}", response_model=SignalAnswer,
            summary="The explained signal of a symbol at its latest bar")
async def signal(request: Request, symbol: Annotated[str, Path(pattern=SYMBOL)],
                 _: Annotated[Principal, Depends(require_role("viewer"))]) -> Any:
    """Score (the blend of the ML probability and an LLM's confidence), confidence, features,
    SHAP explanation, regime, model version, each agent's view, the breakout score and related
    documents. The first request for a symbol with no registered model trains one (seconds)."""
    service = signals_of(request.app)
    cached = service.cached_json(symbol)
    if cached is not None:  # encoded once per bar: the warm path does no serialising
        return Response(cached, media_type="application/json")
    return await run_in_threadpool(service.signal, symbol)
