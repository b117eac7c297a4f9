"""Signals (viewer): the explained signal of a symbol at its latest bar.

A fresh install answers for every bundled bar dataset: with no model registered for the symbol,
the first request trains and registers the default meta-model (``trained: true`` and a note
say so); later requests use the registered champion. Answers are cached per bar.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

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


class SignalAnswer(BaseModel):
    symbol: str = Field(examples=["sp500"])
    score: float = Field(ge=0.0, le=1.0, description="the combined signal, 0 (bearish) to 1 "
                         "(bullish); today the meta-model's probability", examples=[0.58])
    ml_probability: float = Field(ge=0.0, le=1.0, examples=[0.58])
    confidence: float = Field(ge=0.0, le=1.0, description="distance from a coin flip: "
                              "|2 p - 1|", examples=[0.16])
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


@router.get("/{symbol}", response_model=SignalAnswer,
            summary="The explained signal of a symbol at its latest bar")
async def signal(request: Request, symbol: Annotated[str, Path(pattern=SYMBOL)],
                 _: Annotated[Principal, Depends(require_role("viewer"))]) -> Any:
    """Score, ML probability, confidence, features, SHAP explanation, regime and model
    version. The first request for a symbol with no registered model trains one (seconds)."""
    service = signals_of(request.app)
    cached = service.cached_json(symbol)
    if cached is not None:  # encoded once per bar: the warm path does no serialising
        return Response(cached, media_type="application/json")
    return await run_in_threadpool(service.signal, symbol)
