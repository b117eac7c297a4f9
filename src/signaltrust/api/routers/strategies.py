"""Strategies (viewer): the built-in strategies and their parameters (type, default, range)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from signaltrust.api.security import Principal, require_role
from signaltrust.core.serialize import to_plain

router = APIRouter(prefix="/strategies", tags=["strategies"])


class ParameterAnswer(BaseModel):
    name: str = Field(examples=["fast"])
    default: Any = Field(examples=[10])
    type: str = Field(examples=["int"])
    low: float | None = Field(default=None, examples=[1])
    high: float | None = Field(default=None, examples=[100000])
    choices: list[Any] | None = None
    step: float | None = Field(default=None, examples=[1])
    doc: str = Field(default="", examples=["bars of the fast average"])


class StrategyAnswer(BaseModel):
    name: str = Field(examples=["sma_cross"])
    summary: str = Field(examples=["trend following: long when SMA(fast) crosses above "
                                   "SMA(slow)"])
    parameters: list[ParameterAnswer]
    vectorized: bool = Field(default=False, description="a vectorised backtest exists")
    default_grid: dict[str, list[Any]] = Field(default_factory=dict,
                                               description="the grid a sweep uses by default")


def _answer(name: str) -> StrategyAnswer:
    from signaltrust.strategy import get_strategy

    described = to_plain(get_strategy(name).describe())
    return StrategyAnswer(
        name=described.get("name", name), summary=described.get("summary", ""),
        parameters=[ParameterAnswer(**p) for p in described.get("parameters", [])],
        vectorized=bool(described.get("vectorized", False)),
        default_grid=described.get("default_grid") or {},
    )


@router.get("", response_model=list[StrategyAnswer], summary="The built-in strategies")
def strategies(_: Annotated[Principal, Depends(require_role("viewer"))]
               ) -> list[StrategyAnswer]:
    from signaltrust.strategy import list_strategies

    return [_answer(name) for name in list_strategies()]


@router.get("/{name}", response_model=StrategyAnswer, summary="One strategy and its parameters")
def strategy(name: Annotated[str, Path(max_length=64)],
             _: Annotated[Principal, Depends(require_role("viewer"))]) -> StrategyAnswer:
    return _answer(name)
